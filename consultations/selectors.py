"""Reads of the consultation room, each with its joins, for views and other apps
(prescriptions' records read transcripts here; medconsult's dashboards the unread counts)."""

from django.db.models import Count, Q
from django.http import Http404

from consultations.models import ConsultationSession, Message


def sessions_with_appointment():
    return ConsultationSession.objects.select_related("appointment__doctor__user", "appointment__patient")


def session_for(user, pk) -> ConsultationSession:
    """The session `pk` if `user` is its patient or doctor; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No such consultation")
    session = (
        sessions_with_appointment()
        .filter(pk=pk)
        .filter(Q(appointment__patient=user) | Q(appointment__doctor__user=user))
        .first()
    )
    if session is None:
        raise Http404("No such consultation")
    return session


def messages_of(session, *, after: int = 0, limit: int | None = None):
    """Messages of `session` newer than `after`, oldest first, with attachment and sender."""
    qs = (
        Message.objects.filter(session=session, pk__gt=after)
        .select_related("attachment", "sender")
        .order_by("pk")
    )
    return qs[:limit] if limit else qs


def unread_counts(user, appointment_ids) -> dict[int, int]:
    """{appointment id: messages to `user` not yet read}, one query for any number."""
    rows = (
        ConsultationSession.objects.filter(appointment_id__in=list(appointment_ids))
        .filter(Q(appointment__patient=user) | Q(appointment__doctor__user=user))
        .annotate(
            unread=Count("messages", filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=user))
        )
        .values_list("appointment_id", "pk", "unread")
    )
    return {appointment_id: unread for appointment_id, _pk, unread in rows}


def session_ids_by_appointment(appointment_ids) -> dict[int, int]:
    return dict(
        ConsultationSession.objects.filter(appointment_id__in=list(appointment_ids)).values_list(
            "appointment_id", "pk"
        )
    )


def rooms_for(user, *, now, limit: int = 10) -> list:
    """The user's consultation rooms worth a dashboard line, soonest first, each
    with `unread` (messages to `user` not yet read) and `phase`: rooms not yet
    ended that start within a day, and rooms in their follow-up window. One query."""
    from datetime import timedelta

    from consultations import lifecycle

    Status = ConsultationSession.Status
    rows = list(
        sessions_with_appointment()
        .filter(Q(appointment__patient=user) | Q(appointment__doctor__user=user))
        .filter(
            Q(status__in=lifecycle.LIVE, appointment__start__lte=now + timedelta(days=1))
            | Q(status=Status.COMPLETED, completed_at__gte=now - lifecycle.follow_up())
        )
        .annotate(
            unread=Count("messages", filter=Q(messages__read_at__isnull=True) & ~Q(messages__sender=user))
        )
        .order_by("appointment__start")[:limit]
    )
    for session in rows:
        session.phase = lifecycle.room_phase(session, now)
        session.opens_at = lifecycle.opens_at(session)
    return rows
