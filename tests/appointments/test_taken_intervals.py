"""The one loader of taken times, read by the slot picker, booking and next-available."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import next_available, selectors
from appointments.models import Appointment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def at(doctor, hours, **fields):
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    start += timedelta(hours=hours)
    return AppointmentFactory(doctor=doctor, start=start, end=start + timedelta(minutes=30), **fields)


def test_taken_intervals_hold_active_appointments_only(clinic_doctor, django_assert_num_queries):
    now = timezone.now()
    confirmed = at(clinic_doctor, 0)
    held = at(clinic_doctor, 1, status=Status.PENDING_PAYMENT, hold_expires_at=now + timedelta(minutes=5))
    at(clinic_doctor, 2, status=Status.PENDING_PAYMENT, hold_expires_at=now - timedelta(minutes=1))
    at(clinic_doctor, 3, status=Status.CANCELLED)
    moving = at(clinic_doctor, 4, status=Status.REQUESTED)

    with django_assert_num_queries(1):
        taken = selectors.taken_intervals(
            [clinic_doctor.pk],
            window_start=now,
            window_end=now + timedelta(days=3),
            now=now,
            ignore=moving,
        )

    assert sorted(taken[clinic_doctor.pk]) == [(confirmed.start, confirmed.end), (held.start, held.end)]


def test_next_available_and_the_picker_share_the_loader():
    assert next_available.taken_intervals is selectors.taken_intervals
