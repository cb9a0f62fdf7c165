"""What the Privacy and Terms pages state, read from the code and settings that
decide it, so that a page can never promise other than what the site does.

The cancellation rules come from the lifecycle table (appointments.lifecycle),
the payment hold from the Appointment model and the booking limits from
settings; the record-keeping rules from the Indian Medical Council regulations
(shared/CLINICAL.md), which MedConsult follows and nothing else decides.
"""

from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils.translation import ngettext

from appointments import lifecycle
from appointments.models import Appointment

# IMC regulation 1.3.1: records kept 3 years from the start of treatment, and a
# copy given to the patient within 72 hours of asking.
RECORDS_KEPT_YEARS = 3
COPY_WITHIN_HOURS = 72
EMERGENCY_NUMBER = "112"  # India's single emergency number


def duration_words(span: timedelta) -> str:
    """ "2 hours", "90 minutes", "10 minutes", "1 day"."""
    minutes = int(span.total_seconds() // 60)
    if minutes and minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


@dataclass(frozen=True)
class Policies:
    cancel_notice: str  # "2 hours": patients cancel or move online until then
    payment_hold: str  # "10 minutes": an unpaid video consultation holds its slot this long
    max_unpaid_holds: int
    max_upcoming_per_doctor: int
    max_upcoming_total: int
    records_kept_years: int = RECORDS_KEPT_YEARS
    copy_within_hours: int = COPY_WITHIN_HOURS
    emergency_number: str = EMERGENCY_NUMBER
    contact_email: str = ""


def current() -> Policies:
    return Policies(
        cancel_notice=duration_words(lifecycle.CANCEL_NOTICE),
        payment_hold=duration_words(Appointment.HOLD),
        max_unpaid_holds=settings.BOOKING_MAX_UNPAID_HOLDS,
        max_upcoming_per_doctor=settings.BOOKING_MAX_UPCOMING_PER_DOCTOR,
        max_upcoming_total=settings.BOOKING_MAX_UPCOMING_TOTAL,
        contact_email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
    )
