"""Booking needs a confirmed email address (one rule, in appointment_book)."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from tests.appointments.conftest import next_slot
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(db):
    return PatientFactory(full_name="Priya Nair", email="priya.new@example.com", email_verified_at=None)


def _book(patient, doctor, slot):
    return services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=slot.mode, reason="Itchy rash for a week"
    )


def test_unverified_patient_cannot_book_through_the_service(clinic_doctor, unverified):
    slot = next_slot(clinic_doctor)

    with pytest.raises(services.BookingError, match="Please confirm your email address before booking"):
        _book(unverified, clinic_doctor, slot)

    assert not Appointment.objects.exists()


def test_patient_books_once_the_address_is_confirmed(clinic_doctor, unverified):
    slot = next_slot(clinic_doctor)
    unverified.email_verified_at = timezone.now()
    unverified.save(update_fields=["email_verified_at"])

    appointment = _book(unverified, clinic_doctor, slot)

    assert appointment.patient == unverified


def _first_link(client, doctor):
    page = client.get(reverse("appointments:slots", args=[doctor.slug])).content.decode()
    return re.findall(r'class="slot" href="([^"]+)"', page)[0].replace("&amp;", "&")


def test_booking_page_tells_unverified_patient_and_offers_resend(client_for, clinic_doctor, unverified):
    client = client_for(unverified)
    link = _first_link(client, clinic_doctor)

    page = client.get(link).content.decode()

    assert "Please confirm your email address." in page
    assert f'action="{reverse("accounts:verify_email_resend")}"' in page


def test_booking_post_by_unverified_patient_is_refused_with_the_resend_form(
    client_for, clinic_doctor, unverified
):
    client = client_for(unverified)
    link = _first_link(client, clinic_doctor)
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}

    response = client.post(link, {**query, "reason": "Rash on both arms"})

    assert response.status_code == 409
    page = response.content.decode()
    assert services.EMAIL_UNVERIFIED in page
    assert "Email me a new link" in page
    assert not Appointment.objects.exists()
