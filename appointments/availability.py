"""A doctor's availability, edited by the doctor: weekly rules, exceptions on
dates (leave, blocked hours, extra hours) and booking settings.

Every time here is a wall-clock time in the doctor's zone (DoctorProfile.time_zone).
A change never cancels a booking: the functions that take time away return
the active appointments the change strands, and the doctor decides, through
`colliding_appointments_cancel`, which of them to cancel (appointments.services notifies).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models.functions import ExtractIsoWeekDay
from django.utils import timezone

from appointments import selectors
from appointments.locks import lock_doctor
from appointments.models import (
    Appointment,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
)
from appointments.next_available import schedule_refresh
from appointments.services import IllegalTransition, appointment_cancel
from core import zones
from profiles.models import Clinic, Mode

Kind = AvailabilityException.Kind
MAX_LEAVE_DAYS = 366


class AvailabilityError(Exception):
    """A change that cannot be made; the message is for the doctor.

    `field` names the form field the message belongs to (None: the whole form).
    """

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Change:
    """What a change saved, and the active bookings it leaves outside the doctor's hours."""

    saved: object
    colliding: list


# --- Helpers ---------------------------------------------------------------------------------


def zone_of(doctor) -> ZoneInfo:
    return zones.zone(doctor.time_zone)


def local_today(doctor) -> date:
    return zones.local_date(timezone.now(), zone_of(doctor))


def _instant(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time as an instant, read exactly as the slot engine reads
    blocks (core.zones.local_instant: a time skipped by a clock change is the
    instant of the change), so a collision check and the slots agree."""
    return zones.local_instant(datetime.combine(day, moment), tz)


def _day_range(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return zones.local_day_bounds(first, last, tz)


def _span(rule) -> str:
    return f"{rule.start:%H:%M}–{rule.end:%H:%M} ({Mode(rule.mode).label})"


# Two tabs adding hours at once would each see no overlap and both save;
# holding the doctor's row makes the overlap check and the insert one step
# (bookings and clinic removal take the same lock).
_lock_doctor = lock_doctor


# The checks below are the one home of these rules: the forms call them to put
# the message next to the field, and the write functions call them again so
# no other caller can skip them.


def check_mode_and_clinic(doctor, mode, clinic):
    """A mode the doctor offers; a clinic of the doctor's own for clinic visits, none for video."""
    if not doctor.offers(mode):
        offer = {Mode.ONLINE: "video consultations", Mode.IN_PERSON: "clinic visits"}[mode]
        raise AvailabilityError(f"You don't offer {offer}. Turn them on in your profile first.", field="mode")
    if mode == Mode.IN_PERSON and clinic is None:
        raise AvailabilityError("Choose the clinic for these hours.", field="clinic")
    if mode == Mode.ONLINE and clinic is not None:
        raise AvailabilityError("Leave the clinic empty for video consultations.", field="clinic")
    if clinic is not None and clinic.doctor_id != doctor.pk:
        raise AvailabilityError("Choose one of your own clinics.", field="clinic")


def _check_clinic_still_there(clinic):
    """Under the doctor's lock: the clinic was not removed (clinic_remove, which
    takes the same lock) since the form was read. Hours at an archived or
    deleted clinic would be slots nobody can find, or an error at commit."""
    if clinic is not None and not Clinic.objects.filter(pk=clinic.pk).exists():
        raise AvailabilityError(
            "That clinic has been removed from your profile. Choose another.", field="clinic"
        )


def check_times(start, end):
    if end <= start:
        raise AvailabilityError("The end time must be after the start time.", field="end")


def check_hours(start, end, slot_minutes):
    """Bookable hours: they end after they start and hold at least one slot of 10 to 60 minutes."""
    check_times(start, end)
    if not 10 <= slot_minutes <= 60:
        raise AvailabilityError("Slots are 10 to 60 minutes long.", field="slot_minutes")
    length = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
    if length < slot_minutes:
        raise AvailabilityError(f"These hours are shorter than one {slot_minutes}-minute slot.", field="end")


def check_date(doctor, day, *, now=None):
    """Not a day that has already passed in the doctor's zone, nor one beyond next year."""
    today = zones.local_date(now or timezone.now(), zone_of(doctor))
    if day < today:
        raise AvailabilityError("That date has already passed.", field="date")
    if day > today + timedelta(days=MAX_LEAVE_DAYS):
        raise AvailabilityError("Please pick a date within the next year.", field="date")


def check_leave(first, last):
    if last < first:
        raise AvailabilityError("The last day of leave cannot be before the first.", field="end_date")
    if (last - first).days >= MAX_LEAVE_DAYS:
        raise AvailabilityError("Leave can be at most a year at a time.", field="end_date")


def _overlapping(items, start, end):
    return next((item for item in items if item.start < end and start < item.end), None)


# --- Weekly rules ----------------------------------------------------------------------------


def availability_rule_add(
    *, doctor, weekday, start, end, slot_minutes, mode, clinic=None
) -> AvailabilityRule:
    """Add weekly hours. Refused (AvailabilityError) when they overlap other hours
    on that weekday in any mode (the doctor cannot be in two places), when the
    doctor does not offer the mode, or when the clinic is missing, not needed
    or someone else's.

    Side effects: one AvailabilityRule row. Adding time strands no booking.
    """
    check_hours(start, end, slot_minutes)
    check_mode_and_clinic(doctor, mode, clinic)
    with transaction.atomic():
        _lock_doctor(doctor)
        _check_clinic_still_there(clinic)
        clash = _overlapping(AvailabilityRule.objects.filter(doctor=doctor, weekday=weekday), start, end)
        if clash:
            raise AvailabilityError(f"Overlaps {clash}.")
        schedule_refresh(doctor.pk)
        return AvailabilityRule.objects.create(
            doctor=doctor,
            weekday=weekday,
            start=start,
            end=end,
            slot_minutes=slot_minutes,
            mode=mode,
            clinic=clinic,
        )


def availability_rule_remove(*, rule, now=None) -> Change:
    """Delete a weekly rule (already scoped to its doctor by the caller).

    Side effects: the AvailabilityRule row is deleted. No booking changes; the
    returned Change lists the future active appointments that fell in these
    hours and that no other hours still cover.
    """
    now = now or timezone.now()
    doctor = rule.doctor
    with transaction.atomic():
        _lock_doctor(doctor)
        rule.delete()
        schedule_refresh(doctor.pk)
        tz = zone_of(doctor)
        candidates = (
            Appointment.objects.filter(Appointment.upcoming(now), doctor=doctor)
            .select_related("patient", "clinic")
            .annotate(local_weekday=ExtractIsoWeekDay("start", tzinfo=tz))
            .filter(local_weekday=rule.weekday + 1)
            .order_by("start")
        )
        within = [a for a in candidates if _local_overlap(a, tz, rule.start, rule.end)]
        return Change(saved=rule, colliding=_uncovered(doctor, within, tz))


def _local_overlap(appointment, tz, start: time, end: time) -> bool:
    local_start = appointment.start.astimezone(tz)
    day = local_start.date()
    first, last = datetime.combine(day, start), datetime.combine(day, end)
    return (
        local_start.replace(tzinfo=None) < last
        and appointment.end.astimezone(tz).replace(tzinfo=None) > first
    )


def _uncovered(doctor, appointments, tz) -> list:
    """The appointments no remaining weekly rule or extra hours of the same mode
    (and clinic) still hold whole."""
    if not appointments:
        return []
    rules = list(AvailabilityRule.objects.filter(doctor=doctor))
    days = {a.start.astimezone(tz).date() for a in appointments}
    extras = list(AvailabilityException.objects.filter(doctor=doctor, kind=Kind.EXTRA, date__in=days))

    def holds(hours, appointment, day):
        local_start = appointment.start.astimezone(tz).replace(tzinfo=None)
        local_end = appointment.end.astimezone(tz).replace(tzinfo=None)
        return (
            hours.mode == appointment.mode
            and hours.clinic_id == appointment.clinic_id
            and datetime.combine(day, hours.start) <= local_start
            and local_end <= datetime.combine(day, hours.end)
        )

    stranded = []
    for appointment in appointments:
        day = appointment.start.astimezone(tz).date()
        same_day = [r for r in rules if r.weekday == day.weekday()] + [e for e in extras if e.date == day]
        if not any(holds(hours, appointment, day) for hours in same_day):
            stranded.append(appointment)
    return stranded


# --- Exceptions ------------------------------------------------------------------------------


def availability_exception_add(
    *,
    doctor,
    kind,
    date,
    end_date=None,
    start=None,
    end=None,
    slot_minutes=None,
    mode="",
    clinic=None,
    note="",
    now=None,
) -> Change:
    """Add leave (date..end_date), blocked hours (date, start..end) or extra
    hours (date, start..end, slot length, mode, clinic) to the doctor's calendar.

    Refused (AvailabilityError) for a date in the past, leave ending before it
    starts or longer than a year, times that end before they start, and extra
    hours the doctor cannot give (a mode not offered, a wrong clinic, a leave
    day, or overlapping other hours that day).

    Side effects: one AvailabilityException row. No booking changes; for leave
    and blocked hours the returned Change lists the active appointments inside them.
    """
    now = now or timezone.now()
    tz = zone_of(doctor)
    check_date(doctor, date, now=now)
    fields = {"doctor": doctor, "kind": kind, "date": date, "note": note}
    if kind == Kind.LEAVE:
        end_date = end_date or date
        check_leave(date, end_date)
        fields["end_date"] = end_date
        window = _day_range(date, end_date, tz)
    elif kind == Kind.BLOCK:
        check_times(start, end)
        fields.update(start=start, end=end)
        window = (_instant(date, start, tz), _instant(date, end, tz))
    elif kind == Kind.EXTRA:
        check_hours(start, end, slot_minutes)
        check_mode_and_clinic(doctor, mode, clinic)
        fields.update(start=start, end=end, slot_minutes=slot_minutes, mode=mode, clinic=clinic)
        window = None
    else:
        raise AvailabilityError("Unknown kind of change.")

    with transaction.atomic():
        _lock_doctor(doctor)
        if kind == Kind.EXTRA:
            _check_clinic_still_there(clinic)
            _check_extra_fits(doctor, date, start, end)
        exception = AvailabilityException.objects.create(**fields)
        schedule_refresh(doctor.pk)
        colliding = (
            selectors.colliding_appointments(doctor=doctor, start=window[0], end=window[1], now=now)
            if window
            else []
        )
        return Change(saved=exception, colliding=colliding)


def _check_extra_fits(doctor, day, start, end):
    on_leave = AvailabilityException.objects.filter(
        doctor=doctor, kind=Kind.LEAVE, date__lte=day, end_date__gte=day
    ).exists()
    if on_leave:
        raise AvailabilityError("You are on leave that day. Remove the leave first.", field="date")
    clash = _overlapping(AvailabilityRule.objects.filter(doctor=doctor, weekday=day.weekday()), start, end)
    if clash:
        raise AvailabilityError(f"Overlaps your weekly hours, {clash}.")
    clash = _overlapping(
        AvailabilityException.objects.filter(doctor=doctor, kind=Kind.EXTRA, date=day), start, end
    )
    if clash:
        raise AvailabilityError(f"Overlaps your extra hours that day, {_span(clash)}.")


def availability_exception_remove(*, exception, now=None) -> Change:
    """Delete an exception (already scoped to its doctor by the caller).

    Side effects: the AvailabilityException row is deleted. Removing leave or
    blocked hours only gives time back; removing extra hours returns, in the
    Change, the active appointments in them that no weekly rule still covers.
    """
    now = now or timezone.now()
    doctor = exception.doctor
    with transaction.atomic():
        _lock_doctor(doctor)
        exception.delete()
        schedule_refresh(doctor.pk)
        if exception.kind != Kind.EXTRA:
            return Change(saved=exception, colliding=[])
        tz = zone_of(doctor)
        inside = selectors.colliding_appointments(
            doctor=doctor,
            start=_instant(exception.date, exception.start, tz),
            end=_instant(exception.date, exception.end, tz),
            now=now,
        )
        return Change(saved=exception, colliding=_uncovered(doctor, inside, tz))


# --- Booking settings ------------------------------------------------------------------------


def booking_settings_update(
    *, doctor, min_notice_minutes, horizon_days, approval_required
) -> BookingSettings:
    """Save the doctor's booking settings, creating the row on first save.

    Side effects: one BookingSettings row created or updated. Existing
    bookings keep their status; the settings apply to new bookings.
    """
    with transaction.atomic():
        settings, _ = BookingSettings.objects.update_or_create(
            doctor=doctor,
            defaults={
                "min_notice_minutes": min_notice_minutes,
                "horizon_days": horizon_days,
                "approval_required": approval_required,
            },
        )
        schedule_refresh(doctor.pk)
    return settings


# --- Bookings a change collided with ---------------------------------------------------------


def colliding_appointments_cancel(*, doctor, appointment_ids, actor, reason, now=None) -> list:
    """Cancel, with one reason, the doctor's active appointments among `appointment_ids`.

    Ids of other doctors' or no longer active appointments are skipped.
    Side effects (per appointment, through appointments.services.appointment_cancel):
    status CANCELLED with an event row, notifications to patient and doctor,
    reminders withdrawn, appointment_cancelled after commit (refunds).
    """
    reason = (reason or "").strip()
    if not reason:
        raise AvailabilityError("Please give the patients a reason.", field="reason")
    cancelled = []
    with transaction.atomic():
        for appointment in Appointment.objects.filter(
            doctor=doctor, pk__in=appointment_ids, status__in=Appointment.ACTIVE
        ).order_by("start"):
            try:
                cancelled.append(
                    appointment_cancel(appointment=appointment, actor=actor, reason=reason, now=now)
                )
            except IllegalTransition:
                continue  # the patient cancelled it meanwhile
    return cancelled
