"""My Records: a patient with an appointment with their doctor, and the doctor's profile.

The `appointment` here (a completed consult a week ago, with the `patient` and `doctor`
personas) overrides prescriptions' own for these tests."""

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


def chat(appointment, *lines, attachment=None):
    """The appointment's consultation room with `lines` as (sender, body) messages;
    `attachment` (name, bytes, content type) goes with the last one."""
    import uuid

    from django.core.files.base import ContentFile

    from consultations import services
    from consultations.models import Attachment, Message

    session = services.consultation_session_ensure(appointment=appointment)
    message = None
    for sender, body in lines:
        message = Message.objects.create(session=session, sender=sender, body=body, client_id=uuid.uuid4())
    if attachment is not None:
        name, data, content_type = attachment
        stored = Attachment(message=message, original_name=name, content_type=content_type, size=len(data))
        stored.file.save(f"{uuid.uuid4().hex}.{name.rsplit('.', 1)[-1]}", ContentFile(data), save=False)
        stored.save()
    return session
