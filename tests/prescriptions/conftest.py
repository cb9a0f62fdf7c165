"""My Records: a patient with an appointment with their doctor, and the doctor's profile."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from tests.factories import AppointmentFactory, DoctorProfileFactory


@pytest.fixture
def doctor_profile(doctor):
    return DoctorProfileFactory(user=doctor, full_name=doctor.full_name)


@pytest.fixture
def other_doctor_profile(other_doctor):
    return DoctorProfileFactory(user=other_doctor, full_name=other_doctor.full_name)


@pytest.fixture
def appointment(patient, doctor_profile):
    """A completed consult a week ago: the doctor's access to shared items lasts."""
    start = (timezone.now() - timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    return AppointmentFactory(
        patient=patient,
        doctor=doctor_profile,
        start=start,
        end=start + timedelta(minutes=30),
        status=Appointment.Status.COMPLETED,
    )
