"""Booking and the appointment lifecycle: the only code that changes an appointment.

Each transition is one function that asks the table of allowed moves
(appointments.lifecycle) before it changes anything, and writes an
AppointmentEvent. Notifications are written in the same transaction (the
outbox); signals for the floors above go out after commit.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from appointments import lifecycle, notices, signals
from appointments.limits import booking_refusal
from appointments.locks import lock_doctor
from appointments.models import Appointment, AppointmentEvent
from appointments.next_available import schedule_refresh
from appointments.selectors import bookable_window, booking_settings_for, slot_inputs
from appointments.slots import free_slots
from core import zones
from core.audit import audit_record
from profiles.models import Clinic, DoctorProfile, Mode, PatientProfile

Status = Appointment.Status
logger = logging.getLogger(__name__)


class BookingError(Exception):
    """A booking or change that cannot be made; the message is for the user."""


EMAIL_UNVERIFIED = (
    "Please confirm your email address before booking: open the link we emailed you, or ask for a new one."
)


class SlotTaken(BookingError):
    def __init__(self):
        super().__init__("That slot was just taken, please pick another.")


# PostgreSQL's deadlock_detected. Two overlapping bookings inserted at the same
# moment can each wait for the other's row under the no-overlap constraint; the
# database then fails one of them with this code, and the other one gets the slot.
DEADLOCK_DETECTED = "40P01"


def _lost_the_race(error) -> bool:
    """A database error that only means another booking got there first.

    PostgreSQL: the deadlock victim. SQLite (`make run`): a writer that waited the
    whole busy timeout for another booking's write lock ("database is locked").
    Any other OperationalError (a lost connection) is a real failure and surfaces.
    """
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) == DEADLOCK_DETECTED:
        return True
    return getattr(cause, "sqlite_errorname", "").startswith("SQLITE_BUSY") or (
        "database is locked" in str(error)
    )


@contextmanager
def _lost_race_is_slot_taken():
    """Answer "slot just taken" when the database fails a write because another
    booking won the race. A lock lost to another booking can surface at any write
    of the block (SQLite takes its write lock when the transaction begins)."""
    try:
        yield
    except OperationalError as error:
        if not _lost_the_race(error):
            raise
        raise SlotTaken() from error


class IllegalTransition(BookingError):
    pass


class LimitReached(BookingError):
    """The patient holds as much of the calendar as one patient may (appointments.limits).
    `hold` is their open online hold when that is the reason, for the page to link to."""

    def __init__(self, message, *, hold=None):
        super().__init__(message)
        self.hold = hold


def _check_booking_limits(*, patient, doctor, mode, now, moving=None):
    refusal = booking_refusal(patient=patient, doctor=doctor, mode=mode, now=now, moving=moving)
    if refusal is not None:
        raise LimitReached(refusal.message, hold=refusal.hold)


# --- Booking ------------------------------------------------------------------------------


class CompanionRequired(BookingError):
    """A minor booking online without the accompanying adult's name and relation."""


COMPANION_REQUIRED = (
    "The patient is under 18: an online consultation needs the name of the adult who will be "
    "with them, and their relation to the patient."
)


def companion_required(patient, mode, *, now=None) -> bool:
    """Whether booking `mode` for `patient` needs an accompanying adult (a minor, online)."""
    if mode != Mode.ONLINE:
        return False
    profile = PatientProfile.objects.filter(user=patient).only("date_of_birth").first()
    return bool(profile and profile.is_minor_on(timezone.localdate(now or timezone.now())))


def appointment_book(
    *, patient, doctor, start, mode, reason, companion_name="", companion_relation="", now=None
) -> Appointment:
    """Book `doctor` for `patient` at `start` in `mode`.

    The slot is derived again from the doctor's availability, so a tampered
    or stale time is refused with a reason. In person: CONFIRMED, or REQUESTED
    when the doctor approves bookings. Online: PENDING_PAYMENT, held 10 minutes.
    Lapsed holds overlapping the slot are expired in the same transaction.
    Refused with LimitReached past the patient's limits (appointments.limits);
    an existing hold is never released to make room: its payment may still arrive.

    Side effects: notifications (and emails) to patient and doctor; reminders
    when confirmed; after commit, appointment_requested / _held / _confirmed.
    """
    now = now or timezone.now()
    if patient.role != User.Role.PATIENT:
        raise BookingError("Please book with a patient account. Doctors who need care use a separate one.")
    if not patient.email_verified:
        raise BookingError(EMAIL_UNVERIFIED)
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Please tell the doctor briefly why you are booking.")
    companion_name, companion_relation = (companion_name or "").strip(), (companion_relation or "").strip()
    if companion_required(patient, mode, now=now):
        if not (companion_name and companion_relation):
            raise CompanionRequired(COMPANION_REQUIRED)
    elif mode != Mode.ONLINE:
        companion_name = companion_relation = ""
    with _lost_race_is_slot_taken(), transaction.atomic():
        # Doctor first, then the patient (limits): the one lock order (appointments.locks).
        # Under the doctor's lock no clinic goes and no hours change until this
        # booking is in, so the slot derived here is the slot inserted.
        lock_doctor(doctor)
        doctor = _check_bookable(doctor, mode)
        slot = _derive_slot(doctor=doctor, start=start, mode=mode, now=now)
        settings = booking_settings_for(doctor)
        fee = doctor.fee(mode)
        if mode == Mode.ONLINE:
            status = Status.PENDING_PAYMENT
        else:
            status = Status.REQUESTED if settings.approval_required else Status.CONFIRMED
        _check_booking_limits(patient=patient, doctor=doctor, mode=mode, now=now)
        _expire_lapsed_holds(doctor=doctor, start=slot.start, end=slot.end, now=now)
        # Only the insert can collide with another booking (the no-overlap
        # constraint); an IntegrityError from the rows written after it is a bug
        # and must surface, not read as "slot just taken".
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    doctor=doctor,
                    patient=patient,
                    mode=mode,
                    clinic_id=slot.clinic_id,
                    start=slot.start,
                    end=slot.end,
                    status=status,
                    reason=reason[:500],
                    companion_name=companion_name[:150],
                    companion_relation=companion_relation[:60],
                    fee=fee,
                    hold_expires_at=now + Appointment.HOLD if status == Status.PENDING_PAYMENT else None,
                )
        except IntegrityError as error:
            raise SlotTaken() from error
        AppointmentEvent.objects.create(appointment=appointment, actor=patient, to_status=status, at=now)
        schedule_refresh(doctor.pk)
        notices.notify_booked(appointment)
        if status == Status.CONFIRMED:
            notices.schedule_reminders(appointment, now=now)
        _send_after_commit(appointment, status)
    return appointment


SAME_TIME = "That is the time you already have."


class NotBookable(BookingError):
    """The doctor cannot be booked (now) in that mode."""


def _check_bookable(doctor, mode):
    """The doctor, read again, if patients can book them in `mode` now; else
    NotBookable. Read under the doctor's lock, so it is what the booking sees."""
    current = DoctorProfile.objects.bookable().filter(pk=doctor.pk).first()
    if current is None:
        raise NotBookable("This doctor cannot be booked yet.")
    if not current.offers(mode):
        raise NotBookable("This doctor does not offer that kind of consultation.")
    return current


def slot_for_booking(*, doctor, start, mode, now=None, moving=None):
    """The free slot a patient may book at `start` in `mode`, or the BookingError
    that says why not: the rule appointment_book applies (appointment_reschedule's
    for `moving`, an appointment being moved), asked by the confirm pages before
    the patient commits. No side effects."""
    now = now or timezone.now()
    if moving is not None and start == moving.start:
        raise BookingError(SAME_TIME)
    _check_bookable(doctor, mode)
    return _derive_slot(doctor=doctor, start=start, mode=mode, now=now, moving=moving)


def _derive_slot(*, doctor, start, mode, now, moving=None):
    """The free slot starting at `start`, or a BookingError saying why there is none.

    `moving` is an appointment being rescheduled: its own time does not count as taken.
    """
    settings = booking_settings_for(doctor)
    earliest, latest = bookable_window(settings, now=now)
    if start <= now:
        raise BookingError("That time has already passed. Please pick a later slot.")
    if start < earliest:
        hours = settings.min_notice_minutes / 60
        raise BookingError(f"This doctor needs at least {hours:g} hours' notice. Please pick a later slot.")
    if start > latest:
        raise BookingError(f"This doctor takes bookings up to {settings.horizon_days} days ahead.")
    inputs = slot_inputs(
        doctor, window_start=start, window_end=start + timedelta(seconds=1), now=now, mode=mode, ignore=moving
    )
    for slot in free_slots(**inputs):
        if slot.start == start and slot.mode == mode:
            return slot
    local_day = zones.local_date(start, doctor.time_zone)
    if any(e.kind == "LEAVE" and e.date <= local_day <= e.last_date for e in inputs["exceptions"]):
        raise BookingError("The doctor is on leave that day. Please pick another day.")
    if any(s.start == start and s.mode == mode for s in free_slots(**{**inputs, "taken": []})):
        raise SlotTaken()
    raise BookingError("That time is not one of the doctor's free slots. Please pick one from the list.")


def _expire_lapsed_holds(*, doctor, start, end, now):
    """Expire PENDING_PAYMENT holds past their time that overlap [start, end).

    The exclusion constraint cannot read the clock, so a lapsed hold still
    blocks the slot until a write expires it; the booking does that write.
    """
    lapsed = (
        Appointment.objects.select_for_update()
        .filter(Appointment.lapsed_hold(now), doctor=doctor, start__lt=end, end__gt=start)
        .order_by("pk")
    )
    for appointment in lapsed:
        _expire(appointment, now=now)


# --- Who may do what, now (the transitions and the page's buttons read appointments.lifecycle) ---


def _is_doctor(appointment, user):
    return user.pk == appointment.doctor.user_id


def _allowed(appointment, *, action, actor, now) -> lifecycle.Move:
    """The lifecycle row for this move, or the BookingError (IllegalTransition
    when the status forbids it) that tells the user why not."""
    try:
        return lifecycle.check(appointment, action=action, actor=actor, now=now)
    except lifecycle.Refused as refusal:
        error = IllegalTransition if refusal.kind == "status" else BookingError
        raise error(str(refusal)) from None


def patient_too_late(appointment, *, now=None) -> bool:
    """An upcoming active appointment that the patient can no longer change online."""
    now = now or timezone.now()
    return (
        appointment.is_active_at(now)
        and appointment.start > now
        and not lifecycle.WITH_NOTICE.allows(appointment, now)
    )


def available_actions(appointment, user, *, now=None) -> set[str]:
    """The transitions `user` can make on `appointment` right now."""
    return lifecycle.allowed_actions(appointment, user, now=now or timezone.now())


# --- Transitions ----------------------------------------------------------------------------


def _move(appointment, *, action, actor, reason="", now=None, **event_fields):
    """Make `action` on the locked `appointment` if the lifecycle table allows it; write the event."""
    now = now or timezone.now()
    to = _allowed(appointment, action=action, actor=actor, now=now).target
    event = AppointmentEvent.objects.create(
        appointment=appointment,
        actor=actor,
        from_status=appointment.status,
        to_status=to,
        reason=reason[:500],
        at=now,
        **event_fields,
    )
    appointment.status = to
    appointment.save(update_fields=["status", "updated_at"])
    schedule_refresh(appointment.doctor_id)
    return event


def _locked(appointment):
    # Lock only the appointment row: the doctor's and patient's rows stay free.
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("doctor__user", "patient")
        .get(pk=appointment.pk)
    )


def _announce(signal, pk):
    """A signal send for after commit. Receivers in the floors above (a refund,
    a consultation room) are run robustly: one failing receiver neither hides
    the others nor turns a committed change into an error page."""

    def send():
        appointment = Appointment.objects.get(pk=pk)
        for receiver, result in signal.send_robust(sender=Appointment, appointment=appointment):
            if isinstance(result, Exception):
                logger.error("Receiver %s of %s failed", receiver, signal, exc_info=result)

    return send


def _send_after_commit(appointment, status):
    signal = {
        Status.CONFIRMED: signals.appointment_confirmed,
        Status.REQUESTED: signals.appointment_requested,
        Status.PENDING_PAYMENT: signals.appointment_held,
        Status.CANCELLED: signals.appointment_cancelled,
        Status.DECLINED: signals.appointment_declined,
        Status.EXPIRED: signals.appointment_expired,
        Status.COMPLETED: signals.appointment_completed,
        Status.NO_SHOW: signals.appointment_no_show,
    }[status]
    pk = appointment.pk
    transaction.on_commit(_announce(signal, pk), robust=True)


def appointment_cancel(*, appointment, actor, reason, now=None) -> Appointment:
    """REQUESTED / PENDING_PAYMENT / CONFIRMED -> CANCELLED, with a reason.

    The patient may cancel until 2 hours before the start; the doctor any time.
    Side effects: notifications to both; reminders withdrawn; after commit
    appointment_cancelled (payments refunds by policy).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Please give a reason for cancelling.")
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="cancel", actor=actor, reason=reason, now=now)
        is_doctor = _is_doctor(appointment, actor)
        notices.withdraw_reminders(appointment)
        notices.notify_cancelled(appointment, by_doctor=is_doctor, reason=reason)
        _send_after_commit(appointment, Status.CANCELLED)
    return appointment


def appointment_staff_cancel(*, appointment, actor, reason, alternatives=None, request=None, now=None):
    """REQUESTED / PENDING_PAYMENT / CONFIRMED -> CANCELLED by staff, any time, with a reason.

    `alternatives` is (label, path) of other doctors to offer the patient.
    Side effects: notifications to patient and doctor; reminders withdrawn; an
    audit row; after commit appointment_cancelled (payments refunds the whole
    fee: the refund policy charges nothing when the patient did not cancel).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Please give a reason for cancelling.")
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="staff_cancel", actor=actor, reason=reason, now=now)
        notices.withdraw_reminders(appointment)
        notices.notify_cancelled_by_staff(appointment, reason=reason, alternatives=alternatives)
        audit_record(
            action="appointment.cancelled_by_staff",
            actor=actor,
            target=appointment,
            subject=appointment.patient,
            request=request,
            detail=reason,
        )
        _send_after_commit(appointment, Status.CANCELLED)
    return appointment


def appointment_cancel_doctor_absent(*, appointment, reason, now=None) -> Appointment:
    """CONFIRMED -> CANCELLED by the system, after the start: the doctor did not
    come to the online consultation (consultations' periodic job decides when).

    Side effects: notifications to both, naming the reason; reminders
    withdrawn; after commit appointment_cancelled (payments refunds the whole
    fee: the patient did not cancel).
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="doctor_absent", actor=None, reason=reason, now=now)
        notices.withdraw_reminders(appointment)
        notices.notify_doctor_absent(appointment, reason=reason)
        _send_after_commit(appointment, Status.CANCELLED)
    return appointment


def doctor_upcoming_appointments(doctor, *, now=None):
    """The doctor's appointments still holding a slot and not over: what staff
    must cancel when the doctor stops practising."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(Appointment.upcoming(now), doctor=doctor)
        .select_related("patient", "clinic", "doctor__user")
        .order_by("start")
    )


def doctor_appointments_cancel(*, doctor, actor, reason, request=None, now=None) -> list[Appointment]:
    """Cancel every upcoming appointment of `doctor` (who stopped practising,
    was deactivated or sent back to verification) in one step, all or none.

    Each is cancelled by appointment_staff_cancel, so each patient is told why,
    refunded in full when they paid, and offered other bookable doctors of the
    same specialty in the same city. Returns the cancelled appointments.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Please give a reason for cancelling.")
    alternatives = alternatives_for(doctor)
    with transaction.atomic():
        lock_doctor(doctor)
        cancelled = [
            appointment_staff_cancel(
                appointment=appointment,
                actor=actor,
                reason=reason,
                alternatives=alternatives,
                request=request,
                now=now,
            )
            for appointment in doctor_upcoming_appointments(doctor, now=now)
        ]
    return cancelled


def alternatives_for(doctor):
    """(label, path) of the page of bookable doctors of `doctor`'s first
    specialty in the city of their first clinic; the city page without a
    specialty; the search page without a clinic."""
    specialty = doctor.specialties.order_by("name").first()
    clinic = Clinic._base_manager.filter(doctor=doctor).select_related("city").order_by("pk").first()
    if clinic is not None and specialty is not None:
        return (
            f"other {specialty.name} doctors in {clinic.city.name}",
            reverse("profiles:landing_specialty", args=[clinic.city.slug, specialty.slug]),
        )
    if clinic is not None:
        return (
            f"other doctors in {clinic.city.name}",
            reverse("profiles:landing_city", args=[clinic.city.slug]),
        )
    if specialty is not None:
        return (f"other {specialty.name} doctors", f"{reverse('profiles:search')}?specialty={specialty.slug}")
    return ("other doctors on MedConsult", reverse("profiles:search"))


def appointment_reschedule(*, appointment, actor, start, now=None) -> Appointment:
    """Move the patient's appointment to another free slot of the same doctor and mode.

    Same row, one transaction; the event keeps the old time. Until 2 hours before.
    The booking limits apply with this appointment left out of the count: a
    move never adds to it, so it is refused only for a patient already over a
    (since lowered) limit.
    Side effects: notifications with a new .ics; reminders moved; after commit
    appointment_rescheduled.
    """
    now = now or timezone.now()
    with _lost_race_is_slot_taken(), transaction.atomic():
        # Doctor, then the appointment, then the patient (limits): the one lock
        # order (appointments.locks). An appointment never changes doctor.
        lock_doctor(appointment.doctor)
        appointment = _locked(appointment)
        _allowed(appointment, action="reschedule", actor=actor, now=now)
        if start == appointment.start:
            raise BookingError(SAME_TIME)
        doctor = _check_bookable(appointment.doctor, appointment.mode)
        _check_booking_limits(
            patient=actor, doctor=doctor, mode=appointment.mode, now=now, moving=appointment
        )
        slot = _derive_slot(doctor=doctor, start=start, mode=appointment.mode, now=now, moving=appointment)
        old_start, old_end = appointment.start, appointment.end
        _expire_lapsed_holds(doctor=appointment.doctor, start=slot.start, end=slot.end, now=now)
        appointment.start, appointment.end, appointment.clinic_id = slot.start, slot.end, slot.clinic_id
        try:
            with transaction.atomic():
                appointment.save(update_fields=["start", "end", "clinic", "updated_at"])
        except IntegrityError as error:
            raise SlotTaken() from error
        schedule_refresh(appointment.doctor_id)
        AppointmentEvent.objects.create(
            appointment=appointment,
            actor=actor,
            from_status=appointment.status,
            to_status=appointment.status,
            reason="Rescheduled",
            old_start=old_start,
            old_end=old_end,
            at=now,
        )
        notices.withdraw_reminders(appointment)
        if appointment.status == Status.CONFIRMED:
            notices.schedule_reminders(appointment, now=now)
        notices.notify_rescheduled(appointment, old_start=old_start)
        transaction.on_commit(_announce(signals.appointment_rescheduled, appointment.pk), robust=True)
    return appointment


def appointment_accept(*, appointment, actor, now=None) -> Appointment:
    """REQUESTED -> CONFIRMED by the doctor, before the start.

    Side effects: notification to the patient (.ics); reminders; appointment_confirmed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="accept", actor=actor, now=now)
        notices.notify_accepted(appointment)
        notices.schedule_reminders(appointment, now=now)
        _send_after_commit(appointment, Status.CONFIRMED)
    return appointment


def appointment_decline(*, appointment, actor, reason, now=None) -> Appointment:
    """REQUESTED -> DECLINED by the doctor (reason required), or by the system
    (actor None) when a request reaches its start unanswered.

    Side effects: notification to the patient; appointment_declined.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Please give the patient a reason.")
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="decline", actor=actor, reason=reason, now=now)
        notices.notify_declined(appointment, reason=reason)
        _send_after_commit(appointment, Status.DECLINED)
    return appointment


def appointment_complete(*, appointment, actor, now=None) -> Appointment:
    """CONFIRMED -> COMPLETED by the doctor, after the start. Side effects: appointment_completed."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="complete", actor=actor, now=now)
        _send_after_commit(appointment, Status.COMPLETED)
    return appointment


def appointment_no_show(*, appointment, actor, now=None) -> Appointment:
    """CONFIRMED -> NO_SHOW by the doctor, after the start. Side effects: appointment_no_show."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        _move(appointment, action="no_show", actor=actor, now=now)
        _send_after_commit(appointment, Status.NO_SHOW)
    return appointment


def _expire(appointment, *, now):
    _move(
        appointment,
        action="expire",
        actor=None,
        reason="Payment not completed within 10 minutes",
        now=now,
    )
    notices.notify_expired(appointment)
    _send_after_commit(appointment, Status.EXPIRED)


def appointment_expire(*, appointment, now=None) -> Appointment:
    """PENDING_PAYMENT -> EXPIRED once the hold has lapsed (system).

    Side effects: notification to the patient; appointment_expired.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        _expire(appointment, now=now)
    return appointment


def expire_lapsed(*, now=None) -> tuple[int, int]:
    """Expire every lapsed hold and decline every request that reached its start
    unanswered. Returns (expired, declined). Used by `manage.py expire_holds`."""
    now = now or timezone.now()
    expired = declined = 0
    for appointment in Appointment.objects.filter(Appointment.lapsed_hold(now)):
        try:
            appointment_expire(appointment=appointment, now=now)
            expired += 1
        except IllegalTransition:
            continue  # paid or cancelled meanwhile
    for appointment in Appointment.objects.filter(status=Status.REQUESTED, start__lte=now):
        try:
            appointment_decline(
                appointment=appointment, actor=None, reason="The doctor did not respond in time.", now=now
            )
            declined += 1
        except IllegalTransition:
            continue
    return expired, declined


# --- Payments (called by the payments app, which stands above this one) -------------------


class PaymentNotApplied(BookingError):
    """A payment arrived that cannot confirm its appointment; the message says
    why, for the patient (payments refunds the money in full)."""


def appointment_confirm_payment(*, appointment, payment_ref, now=None) -> Appointment:
    """PENDING_PAYMENT (or EXPIRED, the hold lapsed before the money came) ->
    CONFIRMED, by the system, once payments has verified the money.

    A no-op when the appointment is already confirmed by the same `payment_ref`
    (the checkout callback and the webhook race; the row lock orders them, and
    the second one finds the first one's work). An EXPIRED appointment is
    confirmed only while its start is ahead and its slot can be taken again:
    the no-double-booking constraint decides, not a read. Otherwise raises
    PaymentNotApplied with the reason, and nothing changes.

    Side effects, as for an in-person confirmation: the confirmation to patient
    and doctor with the .ics, the 24 h and 1 h reminders; after commit
    appointment_confirmed.
    """
    now = now or timezone.now()
    with _lost_race_is_slot_taken(), transaction.atomic():
        # Doctor, then the appointment: the one lock order (appointments.locks);
        # under the doctor's lock no leave, block or hours change lands while a
        # lapsed hold is checked against them.
        lock_doctor(appointment.doctor)
        appointment = _locked(appointment)
        if appointment.status == Status.CONFIRMED and appointment.payment_ref == payment_ref:
            return appointment
        try:
            move = lifecycle.check(appointment, action="confirm_payment", actor=None, now=now)
        except lifecycle.Refused as refusal:
            raise PaymentNotApplied(_not_applied_reason(appointment, refusal)) from None
        from_status = appointment.status
        if appointment.status_at(now) == Status.EXPIRED:
            _check_still_offered(appointment, now=now)
        if from_status == Status.EXPIRED:
            _expire_lapsed_holds(
                doctor=appointment.doctor, start=appointment.start, end=appointment.end, now=now
            )
        try:
            # Only this update can collide with another booking of the slot.
            with transaction.atomic():
                appointment.status = move.target
                appointment.payment_ref = payment_ref
                appointment.payment_state = Appointment.PaymentState.PAID
                appointment.hold_expires_at = None
                appointment.save(
                    update_fields=["status", "payment_ref", "payment_state", "hold_expires_at", "updated_at"]
                )
        except IntegrityError as error:
            raise PaymentNotApplied(
                "Your payment arrived after the hold on the slot had lapsed, and the slot has since "
                "been booked by someone else."
            ) from error
        AppointmentEvent.objects.create(
            appointment=appointment,
            actor=None,
            from_status=from_status,
            to_status=move.target,
            reason="Payment received",
            at=now,
        )
        schedule_refresh(appointment.doctor_id)
        notices.notify_booked(appointment)
        notices.schedule_reminders(appointment, now=now)
        _send_after_commit(appointment, Status.CONFIRMED)
    return appointment


def _check_still_offered(appointment, *, now):
    """A hold that lapsed before its money came is confirmed only if the doctor
    can still be booked in its mode and its time is still one of their slots
    (no leave, block or hours change since); minimum notice does not count, the
    patient booked in time. Whether another booking took it, the no-overlap
    constraint decides. Else PaymentNotApplied, and payments refunds."""
    try:
        _check_bookable(appointment.doctor, appointment.mode)
    except NotBookable:
        raise PaymentNotApplied(
            "Your payment arrived after the hold on the slot had lapsed, and the doctor is no "
            "longer taking these bookings."
        ) from None
    inputs = slot_inputs(
        appointment.doctor,
        window_start=appointment.start,
        window_end=appointment.start + timedelta(seconds=1),
        now=now,
        mode=appointment.mode,
        ignore=appointment,
    )
    inputs.update(taken=[], not_before=appointment.start, not_after=appointment.start + timedelta(seconds=1))
    if not any(
        slot.start == appointment.start and slot.mode == appointment.mode for slot in free_slots(**inputs)
    ):
        raise PaymentNotApplied(
            "Your payment arrived after the hold on the slot had lapsed, and the doctor is no "
            "longer available at that time."
        )


def _not_applied_reason(appointment, refusal) -> str:
    if refusal.kind == "time":
        return "Your payment arrived after the appointment's start time."
    if appointment.status == Status.CONFIRMED:
        return "This appointment was already paid for."
    status = Status(appointment.status).label.lower()
    return f"Your payment arrived for an appointment that is {status}."


def appointment_set_payment_state(*, appointment, state) -> Appointment:
    """Record what the patient has paid (payments calls this as money moves:
    paid, refund pending, refunded). No side effects: payments tells the patient."""
    state = Appointment.PaymentState(state)
    with transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(payment_state=state, updated_at=timezone.now())
    appointment.payment_state = state
    return appointment
