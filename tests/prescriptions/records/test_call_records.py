"""Issue 14 item 5 / issue 13 item 8: a consultation's calls (start, duration, who
joined, audio or video) show in My Records: on the timeline entry and on the
transcript page, read in one query whatever the number of consultations."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from consultations import services as consultation_services
from consultations.models import Call
from tests.factories import AppointmentFactory
from tests.prescriptions.records.conftest import chat

pytestmark = pytest.mark.django_db

INDEX = reverse("records:index")


def call(session, *, seconds, video=True, joined=True):
    connected = session.appointment.start + timedelta(minutes=2)
    return Call.objects.create(
        session=session,
        started_by=session.appointment.doctor.user,
        status=Call.Status.ENDED,
        created_at=connected - timedelta(seconds=10),
        patient_joined_at=connected if joined else None,
        connected_at=connected if joined else None,
        last_seen_at=connected + timedelta(seconds=seconds),
        ended_at=connected + timedelta(seconds=seconds),
        doctor_video=video,
        patient_video=video,
    )


def test_timeline_entry_lists_the_consultations_calls(client_for, patient, doctor, appointment):
    session = chat(appointment, (patient, "Hello doctor"))
    call(session, seconds=125)
    call(session, seconds=40, video=False)

    body = client_for(patient).get(INDEX).content.decode()

    assert "1 message · 2 calls" in body
    assert "Video call" in body
    assert "2 min 5 s" in body
    assert "Audio call" in body
    assert "40 s" in body
    assert "doctor and patient joined" in body


def test_a_consultation_with_a_call_and_no_messages_is_on_the_timeline(client_for, patient, appointment):
    session = consultation_services.consultation_session_ensure(appointment=appointment)
    call(session, seconds=300)

    body = client_for(patient).get(INDEX).content.decode()

    assert f"Consultation with {appointment.doctor.display_name}" in body
    assert reverse("records:transcript", args=[session.pk]) in body
    assert "5 min 0 s" in body


def test_a_room_with_neither_messages_nor_calls_stays_off_the_timeline(client_for, patient, appointment):
    consultation_services.consultation_session_ensure(appointment=appointment)

    body = client_for(patient).get(INDEX).content.decode()

    assert "record-row__kind--consultation" not in body


def test_transcript_page_shows_the_calls(client_for, patient, doctor, appointment):
    session = chat(appointment, (patient, "Hello"))
    call(session, seconds=90)
    call(session, seconds=0, joined=False)

    page = client_for(patient).get(reverse("records:transcript", args=[session.pk])).content.decode()

    assert 'id="calls-title"' in page
    assert "Video call" in page
    assert "1 min 30 s" in page
    assert "Call not connected" in page
    assert "doctor only" in page


def test_transcript_page_without_calls_has_no_calls_section(client_for, patient, appointment):
    session = chat(appointment, (patient, "Hello"))

    page = client_for(patient).get(reverse("records:transcript", args=[session.pk])).content.decode()

    assert 'id="calls-title"' not in page


def test_another_patients_calls_never_show(client_for, patient, other_patient, doctor_profile, appointment):
    chat(appointment, (patient, "Hello"))
    theirs = AppointmentFactory(
        patient=other_patient, doctor=doctor_profile, status=Appointment.Status.COMPLETED
    )
    call(consultation_services.consultation_session_ensure(appointment=theirs), seconds=777)

    body = client_for(patient).get(INDEX).content.decode()

    assert "12 min 57 s" not in body


@pytest.mark.parametrize("count", [1, 4])
def test_timeline_with_calls_costs_the_same_queries_for_one_or_many(
    client_for, patient, doctor, doctor_profile, count, django_assert_num_queries
):
    for n in range(count):
        appointment = AppointmentFactory(
            patient=patient,
            doctor=doctor_profile,
            start=timezone.now() - timedelta(days=n + 1),
            status=Appointment.Status.COMPLETED,
        )
        session = chat(appointment, (patient, "Hello"))
        call(session, seconds=60 + n)
        call(session, seconds=30, video=False)
    http = client_for(patient)
    http.get(INDEX)

    # user, profile zone, count, page of the UNION, appointments, consultations,
    # their calls (one query), who looked, unread notifications
    with django_assert_num_queries(9):
        response = http.get(INDEX)

    assert response.content.decode().count("call-history__row") == 2 * count


def test_transcript_messages_are_not_shown_as_flash_messages(client_for, patient, appointment):
    session = chat(appointment, (patient, "Hello"))

    page = client_for(patient).get(reverse("records:transcript", args=[session.pk])).content.decode()

    assert "flash-stack" not in page
    assert "Hello" in page
