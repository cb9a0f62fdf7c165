"""Issue 13 item 9: the booking confirmation links to the page where the patient
chooses what the doctor of that appointment may see (My Records' share page)."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.appointments.conftest import local

pytestmark = pytest.mark.django_db


def test_booking_confirmation_links_to_the_share_page(client_for, clinic_doctor, booker):
    client = client_for(booker)
    start = local(clinic_doctor, 3, 14, 0)
    url = reverse("appointments:book", args=[clinic_doctor.slug])

    response = client.post(
        url, {"start": start.isoformat(), "mode": "IN_PERSON", "reason": "Fever"}, follow=True
    )

    appointment = Appointment.objects.get(patient=booker)
    assert appointment.status == Appointment.Status.CONFIRMED
    page = response.content.decode()
    assert "Your appointment is booked." in page
    share = reverse("records:share", args=[appointment.pk])
    assert f'<a href="{share}">Share your reports with the doctor</a>' in page
    assert client.get(share).status_code == 200
