"""Join consultation: on both dashboards (with unread counts) and on the appointment page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from consultations import services
from tests.consultations.conftest import make_session

pytestmark = pytest.mark.django_db


def test_patient_dashboard_lists_the_open_room_with_its_unread_count(client_for, session, patient, doctor):
    for text in ("Hello", "Please describe the rash"):
        services.message_send(session=session, sender=doctor, body=text)

    html = client_for(patient).get(reverse("patient_dashboard")).content.decode()

    assert reverse("consultations:room", args=[session.pk]) in html
    assert "Join consultation" in html
    assert "2 unread" in html


def test_doctor_dashboard_lists_the_room(client_for, session, patient, doctor):
    services.message_send(session=session, sender=patient, body="Hello doctor")
    html = client_for(doctor).get(reverse("doctor_dashboard")).content.decode()
    assert reverse("consultations:room", args=[session.pk]) in html
    assert "1 unread" in html


def test_dashboard_unread_counts_are_one_query_for_many_rooms(
    client_for, patient, doctor_profile, django_assert_max_num_queries
):
    from django.utils import timezone

    from consultations.selectors import rooms_for

    for hours in range(1, 6):
        room = make_session(patient=patient, doctor_profile=doctor_profile, starts_in=timedelta(hours=hours))
        room.appointment.refresh_from_db()
    with django_assert_max_num_queries(1):
        rooms = rooms_for(patient, now=timezone.now())
    assert len(rooms) == 5


def test_appointment_page_pulls_the_join_card(client_for, session, patient):
    html = (
        client_for(patient)
        .get(reverse("appointments:detail", args=[session.appointment_id]))
        .content.decode()
    )
    assert reverse("consultations:join_card", args=[session.appointment_id]) in html
    assert reverse("consultations:for_appointment", args=[session.appointment_id]) in html


def test_join_card_is_enabled_when_open_and_says_when_it_opens(client_for, patient, doctor_profile, session):
    later = make_session(patient=patient, doctor_profile=doctor_profile, starts_in=timedelta(hours=3))
    client = client_for(patient)

    open_card = client.get(reverse("consultations:join_card", args=[session.appointment_id])).content.decode()
    later_card = client.get(reverse("consultations:join_card", args=[later.appointment_id])).content.decode()

    assert "btn btn-primary btn-block" in open_card
    assert "Opens at" in later_card
    assert "btn btn-secondary btn-block" in later_card


def test_dashboard_lists_the_open_room_before_many_follow_ups(
    client_for, session, patient, doctor, doctor_profile
):
    from django.utils import timezone

    from appointments.models import Appointment
    from consultations.models import ConsultationSession

    for days in range(1, 12):
        room = make_session(
            patient=patient,
            doctor_profile=doctor_profile,
            starts_in=-timedelta(days=days % 6 + 1, hours=days),
            status=Appointment.Status.COMPLETED,
        )
        ConsultationSession.objects.filter(pk=room.pk).update(
            status=ConsultationSession.Status.COMPLETED, completed_at=timezone.now() - timedelta(hours=days)
        )

    html = client_for(doctor).get(reverse("doctor_dashboard")).content.decode()

    # a busy doctor's follow-ups must not push today's open consultation off the dashboard
    assert reverse("consultations:room", args=[session.pk]) in html
