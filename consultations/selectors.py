"""Reads of the consultation room, each with its joins, for views and other apps
(prescriptions' records read transcripts here; medconsult's dashboards the unread counts)."""

from datetime import timedelta

from django.db.models import Count, F, Q
from django.http import Http404

from consultations import calls, lifecycle
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
    """The user's consultation rooms worth a dashboard line, each with `unread`
    (messages to `user` not yet read) and `phase`: rooms not yet ended that
    start within a day (first, soonest first), then rooms in their follow-up
    window (latest completed first), so a week of follow-ups never pushes the
    consultation of the hour past `limit`. One query."""
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
        .order_by(F("completed_at").desc(nulls_first=True), "appointment__start", "pk")[:limit]
    )
    for session in rows:
        session.phase = lifecycle.room_phase(session, now)
        session.opens_at = lifecycle.opens_at(session)
    return rows


def consulted_by_video(session, *, now=None) -> bool:
    """Whether the consultation counts as by video for the prescription rules
    (CLINICAL.md, list A): a call of it was connected with video on both sides for
    at least VIDEO_CONSULT_MIN_SECONDS. Otherwise the doctor's declared mode stands.
    The rule lives in consultations.calls; this is the door other apps use."""
    return calls.consulted_by_video(session, now=now)


def call_records(session_ids, *, now=None) -> dict[int, list[dict]]:
    """{session id: its video/audio calls (start, duration, who joined, audio or video),
    newest first}, one query for any number of sessions: for My Records, which
    shows them with templates/consultations/partials/call_list.html (`call_history`)."""
    return calls.call_records(session_ids, now=now)
