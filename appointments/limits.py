"""How much of the calendar one patient may hold: the booking limits.

One patient once placed 40 online holds on one doctor in 3 seconds, and 15
clinic bookings with one doctor went straight to CONFIRMED. The services call
`booking_refusal` inside their transaction before they write; the limits
themselves are settings (BOOKING_MAX_*).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import ngettext

from appointments.locks import lock_patient
from appointments.models import Appointment
from profiles.models import Mode

Status = Appointment.Status


@dataclass(frozen=True)
class Refusal:
    message: str
    hold: Appointment | None = None  # the patient's open hold, to link to


def open_holds(patient, *, now):
    """The patient's online bookings still waiting for payment (hold not lapsed)."""
    return Appointment.objects.filter(Appointment.open_hold(now), patient=patient)


def upcoming_active(patient, *, now):
    """The patient's appointments that still take a doctor's time and are not over
    (Appointment.upcoming: what "wait until one is over" in the refusals means)."""
    return Appointment.objects.filter(Appointment.upcoming(now), patient=patient)


def booking_refusal(*, patient, doctor, mode, now, moving=None) -> Refusal | None:
    """Why `patient` may not book `doctor` in `mode` now, or None when they may.

    `moving` is an appointment being rescheduled: it is the slot being given
    up, so it does not count. Call inside the booking's transaction: this
    locks the patient's user row (see below).
    """
    # Counting and then inserting is a check-then-act race: two bookings sent at
    # once would both count 1 and both insert. Locking the patient's own user
    # row makes one patient's bookings take turns (the second counts after the
    # first commits, as READ COMMITTED reads a new snapshot per statement),
    # while other patients' bookings of the same doctor do not wait on it. The
    # user row, rather than the profile, because every booking has one and
    # little else writes it. SQLite ignores the lock but runs one writer at a time.
    # FOR NO KEY UPDATE (appointments.locks): a plain FOR UPDATE would also block
    # the FOR KEY SHARE that inserting a Notification for this patient takes, so
    # expire_holds could deadlock with the patient's own booking.
    lock_patient(patient)

    if mode == Mode.ONLINE and moving is None:
        holds = list(open_holds(patient, now=now).select_related("doctor").order_by("-created_at"))
        if len(holds) >= settings.BOOKING_MAX_UNPAID_HOLDS:
            hold = holds[0]
            return Refusal(
                f"You already have a video consultation with {hold.doctor.display_name} waiting for payment. "
                "Pay for it or cancel it before booking another online consultation.",
                hold=hold,
            )

    upcoming = upcoming_active(patient, now=now)
    if moving is not None:
        upcoming = upcoming.exclude(pk=moving.pk)
    counts = upcoming.aggregate(total=Count("pk"), with_doctor=Count("pk", filter=Q(doctor=doctor)))
    per_doctor = settings.BOOKING_MAX_UPCOMING_PER_DOCTOR
    if counts["with_doctor"] >= per_doctor:
        return Refusal(
            ngettext(
                "You already have %(count)d upcoming appointment with %(doctor)s, the most one patient "
                "can have with one doctor. Cancel it, or wait until it is over, to book another.",
                "You already have %(count)d upcoming appointments with %(doctor)s, the most one patient "
                "can have with one doctor. Cancel one, or wait until one is over, to book another.",
                counts["with_doctor"],
            )
            % {"count": counts["with_doctor"], "doctor": doctor.display_name}
        )
    total = settings.BOOKING_MAX_UPCOMING_TOTAL
    if counts["total"] >= total:
        return Refusal(
            ngettext(
                "You already have %(count)d upcoming appointment, the most one patient can have at once. "
                "Cancel it, or wait until it is over, to book another.",
                "You already have %(count)d upcoming appointments, the most one patient can have at once. "
                "Cancel one, or wait until one is over, to book another.",
                counts["total"],
            )
            % {"count": counts["total"]}
        )
    return None
