"""Reads behind the appointment lists and the dashboards.

Each function returns a queryset carrying every join its rows display, so a
page costs the same few queries for one row or a hundred. The upcoming/past
boundaries come from appointments.selectors, where they are defined once.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from appointments import selectors
from appointments.models import Appointment
from core import zones

# Never became a booking on the doctor's side: a lapsed payment hold, a refused request.
NOT_ON_THE_DOCTORS_BOOK = (Appointment.Status.EXPIRED, Appointment.Status.DECLINED)


def doctor_local_today(doctor, *, now=None) -> date:
    """Today's date on the doctor's wall calendar, which is what "today" means on their lists."""
    return zones.local_date(now or timezone.now(), doctor.time_zone)


def doctor_day_bounds(doctor, *, now=None, days_ahead=0) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of the doctor's day `days_ahead` from
    today, in UTC. Midnights are built from dates, not by adding 24 hours, so a
    daylight-saving change (a 23- or 25-hour day) is counted right."""
    day = doctor_local_today(doctor, now=now) + timedelta(days=days_ahead)
    return zones.local_day_bounds(day, day, doctor.time_zone)


def doctor_week_bounds(doctor, *, now=None) -> tuple[datetime, datetime]:
    """The seven local days after today (tomorrow through today + 7), in UTC:
    the "Today" list already covers today."""
    start, _ = doctor_day_bounds(doctor, now=now, days_ahead=1)
    _, end = doctor_day_bounds(doctor, now=now, days_ahead=7)
    return start, end


# --- Patient --------------------------------------------------------------------------


def patient_appointments(patient, *, tab: str, now=None):
    """The patient's own appointments for one tab, with the doctor, clinic,
    locality and the doctor's specialties (one prefetch query)."""
    if tab == "past":
        rows = selectors.patient_past(patient, now=now)
    else:
        rows = selectors.patient_upcoming(patient, now=now)
    return rows.prefetch_related("doctor__specialties")


# --- Doctor ---------------------------------------------------------------------------


def doctor_today(doctor, *, now=None):
    start, end = doctor_day_bounds(doctor, now=now)
    return selectors.doctor_between(doctor, start, end, now=now).exclude(status__in=NOT_ON_THE_DOCTORS_BOOK)


def doctor_week(doctor, *, now=None):
    start, end = doctor_week_bounds(doctor, now=now)
    return selectors.doctor_between(doctor, start, end, now=now).exclude(status__in=NOT_ON_THE_DOCTORS_BOOK)


def doctor_waiting_requests(doctor, *, now=None):
    """REQUESTED appointments whose start is still ahead: they wait for an answer."""
    return selectors.doctor_requests(doctor, now=now)


def doctor_history(doctor, *, now=None):
    return (
        selectors.doctor_past(doctor, now=now)
        .exclude(status=Appointment.Status.EXPIRED)
        .exclude(Appointment.lapsed_hold(now))
    )


def doctor_appointments(doctor, *, tab: str, now=None):
    """The doctor's own appointments for one tab of the list page."""
    now = now or timezone.now()
    if tab == "week":
        return doctor_week(doctor, now=now)
    if tab == "requests":
        return doctor_waiting_requests(doctor, now=now)
    if tab == "past":
        return doctor_history(doctor, now=now)
    return doctor_today(doctor, now=now)
