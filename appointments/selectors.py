"""Reads for appointments: free slots (four queries; the bulk next-available
computation is appointments.next_available) and the appointment lists with
the joins their pages need."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import ngettext

from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
)
from appointments.slots import free_slots
from core import zones
from profiles.models import Gender, Mode

DEFAULT_SETTINGS = BookingSettings()
MAX_SLOT = timedelta(minutes=60)


# --- Availability (the doctor's own page, and what a change of it strands) -------------------


def week_of(rules) -> list[tuple[str, list]]:
    """Monday..Sunday, each with its rules in start order."""
    by_day = {day.value: [] for day in AvailabilityRule.Weekday}
    for rule in rules:
        by_day[rule.weekday].append(rule)
    return [(day.label, sorted(by_day[day.value], key=lambda r: r.start)) for day in AvailabilityRule.Weekday]


def rules_for(doctor):
    return (
        AvailabilityRule.objects.filter(doctor=doctor).select_related("clinic").order_by("weekday", "start")
    )


def upcoming_exceptions(doctor, *, today):
    """Exceptions still to come or under way on `today` (the doctor's local date)."""
    return (
        AvailabilityException.objects.filter(doctor=doctor)
        .filter(Q(date__gte=today) | Q(end_date__gte=today))
        .select_related("clinic")
        .order_by("date", "start", "pk")
    )


def appointments_to_review(doctor, ids, *, now=None):
    """The still active appointments of `doctor` among `ids`, with their patients
    (a hold that lapsed meanwhile is not: it reads as expired)."""
    if not ids:
        return []
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(Appointment.holding_slot(now), doctor=doctor, pk__in=ids)
        .select_related("patient", "clinic")
        .order_by("start")
    )


def colliding_appointments(*, doctor, start, end, now=None) -> list:
    """Active appointments of `doctor` between two UTC instants that have not ended yet."""
    now = now or timezone.now()
    return list(confirmed_between(doctor, start, end, now=now).filter(end__gt=now))


# --- Free slots ------------------------------------------------------------------------------


def booking_settings_for(doctor) -> BookingSettings:
    return BookingSettings.objects.filter(doctor=doctor).first() or BookingSettings(doctor=doctor)


def bookable_window(settings, *, now=None) -> tuple[datetime, datetime]:
    """The earliest and latest start a patient may book now."""
    now = now or timezone.now()
    return now + timedelta(minutes=settings.min_notice_minutes), now + timedelta(days=settings.horizon_days)


def taken_intervals(ids, *, window_start, window_end, now, ignore=None) -> dict:
    """{doctor id: [(start, end), ...]}: the times that active appointments of
    these doctors hold in [window_start, window_end) (one query). The slot
    picker, booking and next-available all read the taken times here.

    A hold whose 10 minutes have lapsed counts as free: the next booking of
    that slot expires it in its own transaction. `ignore` leaves one
    appointment out (it is being moved).
    """
    taken = defaultdict(list)
    busy = (
        Appointment.objects.filter(
            Appointment.holding_slot(now),
            doctor_id__in=ids,
            start__lt=window_end + MAX_SLOT,  # a slot starting just before the end may run past it
            end__gt=window_start,
        ).order_by()  # the engine merges the intervals itself
    )
    if ignore is not None:
        busy = busy.exclude(pk=ignore.pk)
    for doctor_id, start, end in busy.values_list("doctor_id", "start", "end"):
        taken[doctor_id].append((start, end))
    return taken


def _load(ids, *, window_start, window_end, now=None, mode=None, ignore=None):
    """Rules, exceptions, taken intervals and settings of many doctors: four queries."""
    now = now or timezone.now()
    rules, exceptions = defaultdict(list), defaultdict(list)
    rule_rows = AvailabilityRule.objects.filter(doctor_id__in=ids)
    if mode:
        rule_rows = rule_rows.filter(mode=mode)
    for rule in rule_rows:
        rules[rule.doctor_id].append(rule)
    # Widen by a day so exceptions written in the doctor's own dates are all seen.
    first, last = (window_start - timedelta(days=1)).date(), (window_end + timedelta(days=1)).date()
    for exception in AvailabilityException.objects.filter(doctor_id__in=ids, date__lte=last).filter(
        Q(date__gte=first) | Q(end_date__gte=first)
    ):
        if exception.kind != "EXTRA" or not mode or exception.mode == mode:
            exceptions[exception.doctor_id].append(exception)
    taken = taken_intervals(ids, window_start=window_start, window_end=window_end, now=now, ignore=ignore)
    settings = {s.doctor_id: s for s in BookingSettings.objects.filter(doctor_id__in=ids)}
    return rules, exceptions, taken, settings


def _inputs(doctor, loaded, *, window_start, window_end, now):
    rules, exceptions, taken, settings = loaded
    earliest, latest = bookable_window(settings.get(doctor.pk, DEFAULT_SETTINGS), now=now)
    return {
        "tz": doctor.time_zone,
        "rules": rules[doctor.pk],
        "exceptions": exceptions[doctor.pk],
        "taken": taken[doctor.pk],
        "not_before": max(window_start, earliest),
        "not_after": min(window_end, latest),
    }


def slot_inputs(doctor, *, window_start, window_end, now=None, mode=None, ignore=None) -> dict:
    """The keyword arguments of slots.free_slots for one doctor (four queries).

    `ignore` leaves one appointment out of the taken times (it is being moved).
    """
    loaded = _load(
        [doctor.pk], window_start=window_start, window_end=window_end, now=now, mode=mode, ignore=ignore
    )
    return _inputs(doctor, loaded, window_start=window_start, window_end=window_end, now=now)


def free_slots_for_doctor(doctor, *, window_start, window_end, now=None, mode=None):
    return free_slots(
        **slot_inputs(doctor, window_start=window_start, window_end=window_end, now=now, mode=mode)
    )


# --- Appointments ------------------------------------------------------------------------


def _with_people():
    return Appointment.objects.select_related("doctor__user", "patient", "clinic__locality", "clinic__city")


def appointment_for(user, pk):
    """The appointment if `user` is its patient or its doctor, else None (the view 404s).
    With the patient's details joined, for what its doctor sees (patient_facts)."""
    if not user.is_authenticated:
        return None
    return (
        _with_people()
        .select_related("patient__patient_profile")
        .prefetch_related(Prefetch("events", queryset=AppointmentEvent.objects.select_related("actor")))
        .filter(pk=pk)
        .filter(Q(patient=user) | Q(doctor__user=user))
        .first()
    )


@dataclass(frozen=True)
class PatientFacts:
    """What the doctor of an appointment sees of its patient, from the patient's
    own details. The telemedicine guidelines require the doctor to know the
    patient's age before prescribing (shared/CLINICAL.md). Empty strings for
    what the patient has not given."""

    age: str  # on the day of the appointment: "34 years", "1 year, 4 months", "8 months"
    born: date | None
    gender: str
    phone: str  # for a clinic visit to come only (phone_shared): an online consult happens here
    allergies: str
    conditions: str
    phone_shared: bool = False  # whether the page has a Phone line ("Not given" when phone is "")


def _age_words(age) -> str:
    if age is None:
        return ""
    years, months = age
    month_words = ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    if years == 0:
        return month_words
    year_words = ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    # Months matter for a toddler's dose, not for an adult's.
    return f"{year_words}, {month_words}" if years < 2 and months else year_words


# While the doctor and patient share a live relationship through the appointment
# (asked, held for payment, booked, or seen); a cancelled, declined or expired
# one ends it, and with it the doctor's view of the patient's details.
FACTS_SHARED = frozenset(
    {
        Appointment.Status.REQUESTED,
        Appointment.Status.PENDING_PAYMENT,
        Appointment.Status.CONFIRMED,
        Appointment.Status.COMPLETED,
        Appointment.Status.NO_SHOW,
    }
)
# The phone is for reaching the patient about a clinic visit still to come.
PHONE_SHARED = frozenset({Appointment.Status.REQUESTED, Appointment.Status.CONFIRMED})


def patient_facts_shared(appointment, *, now) -> tuple[bool, bool]:
    """(whether the appointment's doctor sees the patient's details at `now`,
    whether the phone too): what patient_facts shows, and what the patient's
    own page says the doctor sees."""
    status = appointment.status_at(now)
    if status not in FACTS_SHARED:
        return False, False
    return True, appointment.mode == Mode.IN_PERSON and status in PHONE_SHARED and appointment.end > now


def patient_facts(appointment, viewer, *, now=None) -> PatientFacts | None:
    """The patient's facts for `viewer` if they are the appointment's doctor and
    the appointment still binds them at `now` (FACTS_SHARED, a lapsed hold being
    expired), else None: nobody else sees them here. The phone only for a clinic
    visit asked for or booked and not over. No query for an appointment from
    appointment_for, which joins the patient's details."""
    if viewer is None or viewer.pk != appointment.doctor.user_id:
        return None
    facts_shared, phone_shared = patient_facts_shared(appointment, now=now or timezone.now())
    if not facts_shared:
        return None
    try:
        profile = appointment.patient.patient_profile
    except ObjectDoesNotExist:
        profile = None
    if profile is None:
        return PatientFacts(
            age="", born=None, gender="", phone="", allergies="", conditions="", phone_shared=phone_shared
        )
    day = zones.local_date(appointment.start, zones.zone(appointment.doctor.time_zone))
    return PatientFacts(
        age=_age_words(profile.age_on(day)),
        born=profile.date_of_birth,
        gender=Gender(profile.gender).label if profile.gender in Gender.values else "",
        phone=profile.phone if phone_shared else "",
        phone_shared=phone_shared,
        allergies=profile.allergies.strip(),
        conditions=profile.chronic_conditions.strip(),
    )


def _upcoming(now):
    """Still ahead and holding its slot (a lapsed hold does not: it reads as expired)."""
    return Appointment.upcoming(now)


def patient_upcoming(patient, *, now=None):
    now = now or timezone.now()
    return _with_people().filter(_upcoming(now), patient=patient).order_by("start")


def patient_past(patient, *, now=None):
    now = now or timezone.now()
    return _with_people().filter(patient=patient).exclude(_upcoming(now)).order_by("-start")


def doctor_between(doctor, start, end, *, now=None):
    now = now or timezone.now()
    return (
        _with_people()
        .filter(doctor=doctor, start__gte=start, start__lt=end)
        .exclude(status__in=[Appointment.Status.EXPIRED])
        .exclude(Appointment.lapsed_hold(now))
        .order_by("start")
    )


def doctor_requests(doctor, *, now=None):
    now = now or timezone.now()
    return (
        _with_people()
        .filter(doctor=doctor, status=Appointment.Status.REQUESTED, start__gt=now)
        .order_by("start")
    )


def doctor_past(doctor, *, now=None):
    now = now or timezone.now()
    return _with_people().filter(doctor=doctor, start__lt=now).order_by("-start")


def confirmed_between(doctor, start, end, *, now=None):
    """Active appointments that a change of availability over [start, end) would strand."""
    now = now or timezone.now()
    return (
        _with_people()
        .filter(Appointment.holding_slot(now), doctor=doctor, start__lt=end, end__gt=start)
        .order_by("start")
    )
