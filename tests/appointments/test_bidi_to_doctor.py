"""A right-to-left override typed by a patient never reaches the doctor's page
(issue 10, point 15): not in the booking reason, not in the patient's details
the doctor now sees, not in a cancellation reason."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from appointments.models import Appointment
from core.text import BIDI_CONTROLS
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.factories import PatientProfileFactory

pytestmark = pytest.mark.django_db

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def has_bidi(text: str) -> bool:
    return any(char in BIDI_CONTROLS for char in text)


def test_bidi_overrides_typed_by_the_patient_never_reach_the_doctors_page(client, clinic_doctor, booker):
    PatientProfileFactory(user=booker)
    client.force_login(booker)
    details = client.post(
        reverse("profiles:patient_profile"),
        {
            "full_name": f"Priya {RLO}Nair",
            "date_of_birth": "1990-06-15",
            "gender": "FEMALE",
            "phone": f"98200{RLO}12345",
            "time_zone": "Asia/Kolkata",
            "allergies": f"Penicillin{RLO} (hives)\r\nPeanuts",
            "chronic_conditions": f"{LRI}Asthma{PDI}",
            "emergency_contact_name": "Anil Nair",
        },
    )
    assert details.status_code == 302
    slot = next_slot(clinic_doctor, Mode.IN_PERSON)
    query = {"start": slot.start.isoformat(), "mode": Mode.IN_PERSON}
    booked = client.post(
        f"{reverse('appointments:book', args=[clinic_doctor.slug])}?{urlencode(query)}",
        {**query, "reason": f"Rash {RLO}on both arms"},
    )
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    client.force_login(clinic_doctor.user)
    # The patient's details reach the doctor while the appointment stands (not once cancelled).
    booked_page = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    client.force_login(booker)
    client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": f"Feeling {RLO}better"})

    client.force_login(clinic_doctor.user)
    page = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    listing = client.get(reverse("appointments:doctor_list"), {"tab": "past"}).content.decode()

    assert not has_bidi(booked_page)
    assert not has_bidi(page)
    assert not has_bidi(listing)
    assert "Priya Nair" in page
    assert "Rash on both arms" in page
    assert "Penicillin (hives)\r\nPeanuts" in booked_page
    assert '<dd class="prewrap">Asthma</dd>' in booked_page
    assert "9820012345" in booked_page
    assert "Feeling better" in page
