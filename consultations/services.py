"""What changes a consultation: one function per move of consultations.lifecycle,
plus sending and reading messages. Appointments change only through
appointments.services; appointments' signals bring their changes back here
(consultations.receivers).
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from consultations import lifecycle, poll
from consultations.files import prepare
from consultations.models import Attachment, Call, ConsultationEvent, ConsultationSession, Message
from core import throttle
from core.notifications import notifications_withdraw, notify
from profiles.models import Mode

logger = logging.getLogger(__name__)

Status = ConsultationSession.Status
MAX_BODY = 5000


class ConsultationError(Exception):
    """A refused change, with a message for the user."""


def _refused(refusal):
    return ConsultationError(str(refusal))


# --- The session exists ------------------------------------------------------------------------


def _open_key(session, user) -> str:
    return f"consultation-{session.pk}-open-{user.pk}"


def _schedule_open_notices(session):
    """ "Your consultation room is open" for both, at the moment it opens
    (scheduled notifications, moved when the appointment moves)."""
    appointment = session.appointment
    opens = lifecycle.opens_at(session)
    url = reverse("consultations:room", args=[session.pk])
    for user, other in (
        (appointment.patient, appointment.doctor.display_name),
        (appointment.doctor.user, appointment.patient.get_full_name()),
    ):
        notify(
            user=user,
            kind="consultation.open",
            title="Your consultation room is open",
            body=f"Your online consultation with {other} starts in {settings.CONSULTATION_OPENS_MINUTES} minutes. Join the room now.",
            url=url,
            send_after=opens,
            key=_open_key(session, user),
        )


def _withdraw_open_notices(session):
    notifications_withdraw(key_prefix=f"consultation-{session.pk}-open-")


def consultation_session_ensure(*, appointment) -> ConsultationSession | None:
    """The session of a confirmed (or completed) online appointment, created if
    missing; None for any other appointment. Idempotent: the receiver of
    appointment_confirmed, the room view and the periodic repair all call it.

    Side effects on creation: "room open" notifications scheduled for both.
    """
    if appointment.mode != Mode.ONLINE or appointment.status not in (
        Appointment.Status.CONFIRMED,
        Appointment.Status.COMPLETED,
    ):
        return None
    existing = ConsultationSession.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            session = ConsultationSession.objects.create(appointment=appointment)
            session.appointment = appointment
            ConsultationEvent.objects.create(
                session=session, action="create", to_status=session.status, reason="Appointment confirmed"
            )
            if appointment.status == Appointment.Status.CONFIRMED:
                _schedule_open_notices(session)
    except IntegrityError:
        # Another request (the receiver and the room racing) created it first.
        return ConsultationSession.objects.get(appointment=appointment)
    return session


def consultation_repair(*, now=None) -> int:
    """Sessions for confirmed online appointments that lack one, and open
    sessions whose appointment was completed, cancelled or marked no-show (a
    receiver that failed): the periodic job's safety net. Returns how many
    were made or moved."""
    now = now or timezone.now()
    missing = Appointment.objects.filter(
        mode=Mode.ONLINE,
        status=Appointment.Status.CONFIRMED,
        end__gte=now - lifecycle.follow_up(),
    ).exclude(pk__in=ConsultationSession.objects.values("appointment_id"))
    made = 0
    for appointment in missing.select_related("doctor__user", "patient"):
        if consultation_session_ensure(appointment=appointment) is not None:
            made += 1
    # Sessions still open whose appointment ended (a receiver of its signal
    # failed): without this the room of a cancelled, refunded appointment
    # would stay open for good.
    events = {
        Appointment.Status.COMPLETED: "completed",
        Appointment.Status.CANCELLED: "cancelled",
        Appointment.Status.NO_SHOW: "no_show",
    }
    stale = ConsultationSession.objects.filter(
        status__in=lifecycle.LIVE, appointment__status__in=list(events)
    )
    for session in stale.select_related("appointment"):
        follow_appointment(appointment=session.appointment, event=events[session.appointment.status], now=now)
        made += 1
    return made


# --- Moves -------------------------------------------------------------------------------------


def _locked(session) -> ConsultationSession:
    return (
        ConsultationSession.objects.select_for_update(of=("self",))
        .select_related("appointment__doctor__user", "appointment__patient")
        .get(pk=session.pk)
    )


def _move(session, *, action, actor, now, reason="") -> ConsultationSession:
    """Make `action` on the locked `session` if the table allows it; write the event."""
    try:
        move = lifecycle.check(session, action=action, actor=actor, now=now)
    except lifecycle.Refused as refusal:
        raise _refused(refusal) from None
    ConsultationEvent.objects.create(
        session=session,
        actor=actor,
        action=action,
        from_status=session.status,
        to_status=move.target,
        reason=reason[:500],
        at=now,
    )
    session.status = move.target
    fields = ["status", "updated_at"]
    if move.outcome:
        session.outcome = move.outcome
        fields.append("outcome")
    if move.target == Status.IN_PROGRESS:
        session.started_at = now
        fields.append("started_at")
    elif move.target == Status.COMPLETED:
        session.completed_at = now
        fields.append("completed_at")
    elif move.target == Status.CLOSED:
        session.closed_at = now
        fields.append("closed_at")
        if not session.outcome:
            session.outcome = ConsultationSession.Outcome.CANCELLED
            fields.append("outcome")
    session.save(update_fields=fields)
    if move.target in (Status.COMPLETED, Status.CLOSED):
        _withdraw_open_notices(session)
    poll.forget_snapshot_after_commit(session.pk)
    return session


def consultation_start(*, session, actor, now=None) -> ConsultationSession:
    """SCHEDULED -> IN_PROGRESS by the doctor, once the room is open. Side effects: the room re-renders."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked(session)
        return _move(session, action="start", actor=actor, now=now)


def consultation_complete(*, session, actor, now=None) -> ConsultationSession:
    """SCHEDULED / IN_PROGRESS -> COMPLETED by the doctor, after the start; the
    appointment is completed through appointments' service in the same
    transaction. The follow-up window starts now.

    Side effects: appointment_completed after commit (whose receiver here then
    finds the session already completed); the room re-renders.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked(session)
        try:
            lifecycle.check(session, action="complete", actor=actor, now=now)
        except lifecycle.Refused as refusal:
            raise _refused(refusal) from None
        try:
            appointment_services.appointment_complete(appointment=session.appointment, actor=actor, now=now)
        except appointment_services.BookingError as error:
            raise ConsultationError(str(error)) from None
        return _move(session, action="complete", actor=actor, now=now)


def consultation_needs_in_person(*, session, actor, note="", now=None) -> ConsultationSession:
    """SCHEDULED / IN_PROGRESS -> CLOSED (needs an in-person visit) by the
    doctor: the appointment is cancelled by the doctor through appointments'
    service, so payments refunds the whole fee by its policy.

    Side effects: the cancellation's notifications, and one to the patient
    offering the doctor's clinic slots; appointment_cancelled after commit
    (refund); the room becomes read-only.
    """
    now = now or timezone.now()
    note = (note or "").strip()[:300]
    with transaction.atomic():
        session = _locked(session)
        try:
            lifecycle.check(session, action="needs_in_person", actor=actor, now=now)
        except lifecycle.Refused as refusal:
            raise _refused(refusal) from None
        reason = "The doctor needs to see you in person" + (f": {note}" if note else ".")
        try:
            appointment_services.appointment_cancel(
                appointment=session.appointment, actor=actor, reason=reason, now=now
            )
        except appointment_services.BookingError as error:
            raise ConsultationError(str(error)) from None
        session = _move(session, action="needs_in_person", actor=actor, now=now, reason=reason)
        doctor = session.appointment.doctor
        notify(
            user=session.appointment.patient,
            kind="consultation.in_person",
            title=f"{doctor.display_name} would like to see you in person",
            body=(
                "Your online consultation was ended so the doctor can examine you; the full fee is "
                "refunded. Book a clinic visit from the doctor's page."
            ),
            url=reverse("profiles:doctor_page", args=[doctor.slug]) + "?mode=IN_PERSON",
        )
        return session


def _doctor_came():
    """A doctor who wrote in the room or started a call in it came, even without pressing
    "Start" (only the doctor starts calls). One condition for the job and for the service."""
    wrote = Message.objects.filter(session=OuterRef("pk"), sender=OuterRef("appointment__doctor__user"))
    called = Call.objects.filter(session=OuterRef("pk"))
    return Exists(wrote) | Exists(called)


def consultation_doctor_no_show(*, session, now=None) -> ConsultationSession:
    """SCHEDULED -> CLOSED by the system when the doctor has not started
    CONSULTATION_DOCTOR_NO_SHOW_MINUTES after the start: the appointment is
    cancelled for the doctor's absence (full refund). A doctor who wrote or
    started a call in the room came, even without pressing "Start": refused.

    Side effects: notifications to both (appointments); appointment_cancelled
    after commit (refund); the room becomes read-only.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked(session)
        try:
            lifecycle.check(session, action="doctor_no_show", actor=None, now=now)
        except lifecycle.Refused as refusal:
            raise _refused(refusal) from None
        if ConsultationSession.objects.filter(pk=session.pk).filter(_doctor_came()).exists():
            raise ConsultationError("The doctor came: they wrote or called in the room.")
        reason = (
            f"The doctor did not start the consultation within {settings.CONSULTATION_DOCTOR_NO_SHOW_MINUTES} "
            "minutes of its start; the full fee is refunded."
        )
        try:
            appointment_services.appointment_cancel_doctor_absent(
                appointment=session.appointment, reason=reason, now=now
            )
        except appointment_services.BookingError as error:
            raise ConsultationError(str(error)) from None
        return _move(session, action="doctor_no_show", actor=None, now=now, reason=reason)


def doctor_no_shows(*, now=None) -> int:
    """Cancel every consultation whose doctor is past the grace period (periodic)."""
    now = now or timezone.now()
    late = ConsultationSession.objects.filter(
        status=Status.SCHEDULED,
        appointment__status=Appointment.Status.CONFIRMED,
        appointment__start__lte=now - lifecycle.doctor_grace(),
    )
    late = late.exclude(_doctor_came()).values_list("pk", flat=True)
    done = 0
    for pk in late:
        try:
            consultation_doctor_no_show(session=ConsultationSession(pk=pk), now=now)
            done += 1
        except ConsultationError:
            continue  # moved meanwhile (the doctor started at the last second)
    return done


def follow_appointment(*, appointment, event: str, now=None) -> ConsultationSession | None:
    """The session follows its appointment (appointments' signals, after commit):
    completed -> completed (follow-up starts); cancelled or no-show -> closed;
    rescheduled -> the window moves (derived) and the open notices move."""
    now = now or timezone.now()
    session = ConsultationSession.objects.filter(appointment=appointment).first()
    if session is None:
        if event == "completed":
            session = consultation_session_ensure(appointment=appointment)
        if session is None:
            return None
    with transaction.atomic():
        session = _locked(session)
        if event == "rescheduled":
            if session.status == Status.SCHEDULED:
                _withdraw_open_notices(session)
                _schedule_open_notices(session)
            poll.forget_snapshot_after_commit(session.pk)
            return session
        action = "complete" if event == "completed" else "close"
        if session.status not in lifecycle.LIVE:
            return session  # already there (the room did it in the same transaction)
        reason = {"completed": "", "cancelled": "Appointment cancelled", "no_show": "Patient did not join"}[
            event
        ]
        session = _move(session, action=action, actor=None, now=now, reason=reason)
        if event == "no_show":
            session.outcome = ConsultationSession.Outcome.PATIENT_NO_SHOW
            session.save(update_fields=["outcome", "updated_at"])
        return session


# --- Messages ----------------------------------------------------------------------------------


def _other_party(session, user):
    appointment = session.appointment
    return appointment.doctor.user if user.pk == appointment.patient_id else appointment.patient


def _notify_message(session, message, *, recipient):
    """The other party is not in the room: tell them in-app at once, and by
    email at most once per CONSULTATION_EMAIL_EVERY_MINUTES per consultation."""
    if poll.is_present(session.pk, "doctor" if recipient.pk == session.doctor_user_id else "patient"):
        return
    sender = message.sender
    name = (
        session.appointment.doctor.display_name
        if sender.pk == session.doctor_user_id
        else sender.get_full_name()
    )
    email = throttle.first_in(
        "consult-email", f"{session.pk}:{recipient.pk}", period=settings.CONSULTATION_EMAIL_EVERY_MINUTES * 60
    )
    notify(
        user=recipient,
        kind="consultation.message",
        title=f"New message from {name}",
        # No medical content in an email or a lock-screen preview: only who wrote.
        body="Open the consultation room to read it.",
        url=reverse("consultations:room", args=[session.pk]),
        email_template="emails/notification" if email else None,
    )


def message_send(*, session, sender, body="", client_id=None, upload=None, now=None) -> tuple[Message, bool]:
    """Post a message (and optionally one file) as `sender` in `session`.

    Returns (message, created): a retried send with the same `client_id`
    returns the stored message and creates nothing. Refused (ConsultationError)
    for anyone but the two participants and outside the open window.
    Side effects: the room's change marker bumped; the other party notified
    when not in the room (consultations._notify_message).
    """
    now = now or timezone.now()
    client_id = client_id or uuid.uuid4()
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise ConsultationError(f"A message can be at most {MAX_BODY:,} characters.")
    if not body and upload is None:
        raise ConsultationError("Type a message or attach a file.")
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None:
        return existing, False
    attachment_fields = prepare(upload) if upload is not None else None  # ValidationError to the form
    with transaction.atomic():
        # The lock also orders the ids of one room's messages by commit, so a
        # poll's `after=<id>` never skips one committed late with a lower id.
        session = _locked(session)
        if not session.is_participant(sender):
            raise ConsultationError("Only the patient and the doctor of this consultation can write here.")
        if not lifecycle.room_phase(session, now).can_post:
            raise ConsultationError("This consultation room is not open for messages now.")
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    session=session, sender=sender, body=body, client_id=client_id, created_at=now
                )
        except IntegrityError:
            return Message.objects.get(sender=sender, client_id=client_id), False
        if attachment_fields:
            Attachment.objects.create(message=message, **attachment_fields)
        poll.bump_after_commit(session.pk)
        _notify_message(session, message, recipient=_other_party(session, sender))
    return message, True


def messages_mark_read(*, session, reader, upto: int, now=None) -> int:
    """The other party's messages up to id `upto` read by `reader` now. Returns
    how many were newly marked; bumps the marker so the sender sees it."""
    now = now or timezone.now()
    marked = (
        Message.objects.filter(session=session, pk__lte=upto, read_at__isnull=True)
        .exclude(sender=reader)
        .update(read_at=now)
    )
    if marked:
        poll.bump_after_commit(session.pk)
    return marked


def nudge_unanswered(*, now=None) -> int:
    """Nudge the doctor about each patient message in an open room that has had
    no answer for CONSULTATION_NUDGE_HOURS (once per message). Periodic."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.CONSULTATION_NUDGE_HOURS)
    candidates = (
        Message.objects.filter(
            nudged_at__isnull=True,
            created_at__lte=cutoff,
            sender=F("session__appointment__patient"),
            session__status__in=[Status.SCHEDULED, Status.IN_PROGRESS, Status.COMPLETED],
        )
        .select_related("session__appointment__doctor__user", "session__appointment__patient")
        .order_by("pk")
    )
    nudged = 0
    for message in candidates:
        session = message.session
        appointment = session.appointment
        answered = Message.objects.filter(
            session=session, pk__gt=message.pk, sender=appointment.doctor.user
        ).exists()
        with transaction.atomic():
            # Claimed whatever the answer: each message is looked at once, and two
            # runs never nudge twice.
            claimed = Message.objects.filter(pk=message.pk, nudged_at__isnull=True).update(nudged_at=now)
            if not claimed or answered or not lifecycle.room_phase(session, now).can_post:
                continue
            notify(
                user=appointment.doctor.user,
                kind="consultation.unanswered",
                title=f"{appointment.patient.get_full_name()} is waiting for your answer",
                body=f"A message in your consultation has had no answer for {settings.CONSULTATION_NUDGE_HOURS} hours.",
                url=reverse("consultations:room", args=[session.pk]),
                key=f"consultation-nudge-{message.pk}",
            )
            nudged += 1
    return nudged
