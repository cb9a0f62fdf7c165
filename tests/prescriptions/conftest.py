from datetime import date, timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment
from prescriptions import services
from profiles.models import Gender, Mode, PatientProfile
from tests.factories import AppointmentFactory, PatientFactory, verified_doctor


@pytest.fixture
def rx_doctor(db):
    """A verified doctor with a clinic, a qualification and a registration number."""
    return verified_doctor(full_name="Dr. Asha Rao", registration_number="MMC-2008-12345")


@pytest.fixture
def rx_patient(db):
    """A patient whose profile gives a date of birth and a gender."""
    user = PatientFactory(full_name="Priya Nair", email="priya.rx@example.com")
    PatientProfile.objects.update_or_create(
        user=user,
        defaults={"full_name": user.full_name, "date_of_birth": date(1990, 5, 17), "gender": Gender.FEMALE},
    )
    return user


def make_appointment(doctor, patient, *, mode=Mode.ONLINE, days_ago=0, status=Appointment.Status.COMPLETED):
    start = (timezone.now() - timedelta(days=days_ago, hours=2)).replace(second=0, microsecond=0)
    return AppointmentFactory(
        doctor=doctor,
        patient=patient,
        mode=mode,
        clinic=doctor.clinics.first() if mode == Mode.IN_PERSON else None,
        start=start,
        end=start + timedelta(minutes=30),
        status=status,
    )


@pytest.fixture
def appointment(rx_doctor, rx_patient):
    """A completed online consultation, today."""
    return make_appointment(rx_doctor, rx_patient)


ITEM = {
    "name": "Paracetamol",
    "strength": "500 mg",
    "form": "tablet",
    "dose": "1 tablet",
    "frequency": "1-0-1",
    "duration": 5,
    "duration_unit": "DAYS",
    "route": "oral",
    "instructions": "after food",
}


def item(name="Paracetamol", **fields):
    return {**ITEM, "name": name, **fields}


def draft_with(appointment, items=None, **fields):
    actor = appointment.doctor.user
    draft = services.prescription_start(appointment=appointment, actor=actor)
    fields = {"consult_kind": "VIDEO" if appointment.mode == Mode.ONLINE else "IN_PERSON", **fields}
    return services.prescription_save_draft(
        prescription=draft, actor=actor, fields=fields, items=items if items is not None else [item()]
    )


def issued(appointment, items=None, **fields):
    draft = draft_with(appointment, items, **fields)
    return services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
