from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from consultations import services
from tests.factories import AppointmentFactory, DoctorProfileFactory


@pytest.fixture
def doctor_profile(doctor):
    return DoctorProfileFactory(
        user=doctor, registration_number="KMC-12345", registration_council="Karnataka Medical Council"
    )


def make_session(
    *, patient, doctor_profile, starts_in=timedelta(minutes=5), status=Appointment.Status.CONFIRMED
):
    start = (timezone.now() + starts_in).replace(microsecond=0)
    appointment = AppointmentFactory(
        doctor=doctor_profile, patient=patient, status=status, start=start, end=start + timedelta(minutes=30)
    )
    return services.consultation_session_ensure(appointment=appointment)


@pytest.fixture
def session(patient, doctor_profile):
    """An open room: the appointment starts in 5 minutes."""
    return make_session(patient=patient, doctor_profile=doctor_profile)
