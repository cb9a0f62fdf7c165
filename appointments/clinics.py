"""Removing a clinic from a doctor's profile: the one flow that needs both the
clinic (profiles) and the bookings at it (appointments), so it lives here, on
the floor that can read both. profiles.services does the clinic write itself.

A clinic with upcoming active bookings stays until the doctor has moved or
cancelled them; one with only past bookings is archived (those appointments
keep its name and address); one never booked is deleted. Either way the
weekly hours and extra hours at it go, and the doctor is told which.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from appointments.availability import _lock_doctor, _span, local_today
from appointments.models import Appointment, AvailabilityException, AvailabilityRule
from profiles.services import doctor_clinic_remove, doctor_clinic_remove_check


class ClinicInUse(Exception):
    """The clinic still has upcoming bookings; `appointments` lists them."""

    def __init__(self, appointments):
        super().__init__("This clinic still has upcoming bookings. Move or cancel them first.")
        self.appointments = appointments


@dataclass(frozen=True)
class ClinicRemoval:
    """What removing the clinic did: archived (kept for history) or deleted, and
    the hours that went with it, in words for the doctor."""

    archived: bool
    hours: list


def clinic_upcoming_appointments(clinic, *, now=None) -> list:
    """Active bookings at `clinic` not yet over, soonest first, with their patients.
    A lapsed hold is not one: the slot is already free for others."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(Appointment.upcoming(now), clinic=clinic)
        .select_related("patient", "clinic")
        .order_by("start")
    )


def clinic_hours(clinic) -> list[str]:
    """The weekly hours and the coming extra hours at `clinic`, in words: what
    removing it takes away (past extra hours go too, unmentioned)."""
    rules = AvailabilityRule.objects.filter(clinic=clinic).order_by("weekday", "start")
    extras = AvailabilityException.objects.filter(
        clinic=clinic, kind=AvailabilityException.Kind.EXTRA, date__gte=local_today(clinic.doctor)
    ).order_by("date", "start")
    return [
        *(f"{AvailabilityRule.Weekday(rule.weekday).label}s {_span(rule)}" for rule in rules),
        *(
            f"extra hours on {extra.date:%a, %-d %b}, {extra.start:%H:%M}–{extra.end:%H:%M}"
            for extra in extras
        ),
    ]


def clinic_remove(*, doctor, clinic, now=None) -> ClinicRemoval:
    """Take `clinic` (already scoped to `doctor` by the caller) off the profile.

    Raises ClinicInUse with the upcoming bookings at it, and
    profiles.services.VerificationError for the last clinic of a doctor patients
    can book for visits; nothing changes then.
    Side effects: the weekly rules and extra hours at the clinic are deleted;
    the clinic is archived if any appointment ever named it, else deleted; the
    search document is refreshed; after commit, the next free slot per mode
    (profiles.signals.doctor_schedule_changed).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Holding the doctor's row keeps hours from being added at the clinic
        # while it goes (availability writes take the same lock).
        _lock_doctor(doctor)
        upcoming = clinic_upcoming_appointments(clinic, now=now)
        if upcoming:
            raise ClinicInUse(upcoming)
        doctor_clinic_remove_check(profile=doctor)
        hours = clinic_hours(clinic)
        AvailabilityRule.objects.filter(clinic=clinic).delete()
        AvailabilityException.objects.filter(clinic=clinic).delete()
        archived = Appointment.objects.filter(clinic=clinic).exists()
        # Also announces doctor_schedule_changed: the next free slots follow after commit.
        doctor_clinic_remove(profile=doctor, clinic=clinic, archive=archived)
    return ClinicRemoval(archived=archived, hours=hours)
