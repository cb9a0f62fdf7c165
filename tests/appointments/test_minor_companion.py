"""A minor books an online consultation only with the accompanying adult recorded (CLINICAL.md)."""

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from profiles.models import Mode, PatientProfile
from tests.appointments.conftest import next_slot

pytestmark = pytest.mark.django_db


def with_birthday(patient, born):
    PatientProfile.objects.update_or_create(
        user=patient, defaults={"full_name": patient.full_name, "date_of_birth": born}
    )
    return patient


def years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


def book(doctor, patient, slot, **companion):
    return services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=slot.mode, reason="Fever", **companion
    )


def test_minor_online_booking_refused_without_the_accompanying_adult(clinic_doctor, booker):
    with_birthday(booker, years_ago(15))
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    with pytest.raises(services.CompanionRequired, match="under 18"):
        book(clinic_doctor, booker, slot)
    with pytest.raises(services.CompanionRequired):
        book(clinic_doctor, booker, slot, companion_name="Anita Nair", companion_relation=" ")
    assert not Appointment.objects.exists()


def test_minor_online_booking_records_the_accompanying_adult(clinic_doctor, booker):
    with_birthday(booker, years_ago(18, days=-1))  # turns 18 tomorrow: still a minor today
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    appointment = book(
        clinic_doctor, booker, slot, companion_name=" Anita Nair ", companion_relation="Mother"
    )
    assert (appointment.companion_name, appointment.companion_relation) == ("Anita Nair", "Mother")


@pytest.mark.parametrize("born", [years_ago(18), None])
def test_adult_or_unknown_age_books_online_without_companion(clinic_doctor, booker, born):
    with_birthday(booker, born)
    appointment = book(clinic_doctor, booker, next_slot(clinic_doctor, Mode.ONLINE))
    assert appointment.companion_name == ""


def test_minor_clinic_visit_needs_no_companion_field(clinic_doctor, booker):
    with_birthday(booker, years_ago(10))
    appointment = book(clinic_doctor, booker, next_slot(clinic_doctor, Mode.IN_PERSON), companion_name="X")
    assert appointment.companion_name == ""  # not asked, not stored


def test_booking_page_asks_a_minor_for_the_adult_and_shows_errors_under_the_fields(
    client, clinic_doctor, booker
):
    with_birthday(booker, years_ago(12))
    client.force_login(booker)
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    query = urlencode({"start": slot.start.isoformat(), "mode": Mode.ONLINE})
    url = f"/doctors/{clinic_doctor.slug}/book/?{query}"
    page = client.get(url)
    assert "Accompanying adult" in page.text
    refused = client.post(url, {"start": slot.start.isoformat(), "mode": Mode.ONLINE, "reason": "Fever"})
    assert refused.status_code == 400
    assert 'id="id_companion_name_error"' in refused.text
    done = client.post(
        url,
        {
            "start": slot.start.isoformat(),
            "mode": Mode.ONLINE,
            "reason": "Fever",
            "companion_name": "Anita Nair",
            "companion_relation": "Mother",
        },
    )
    assert done.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.companion_name == "Anita Nair"
    client.force_login(clinic_doctor.user)
    detail = client.get(f"/appointments/{appointment.pk}/")
    assert "Anita Nair (Mother)" in detail.text


def test_booking_page_does_not_ask_an_adult(client, clinic_doctor, booker):
    with_birthday(booker, date(1990, 1, 1))
    client.force_login(booker)
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    query = urlencode({"start": slot.start.isoformat(), "mode": Mode.ONLINE})
    assert "Accompanying adult" not in client.get(f"/doctors/{clinic_doctor.slug}/book/?{query}").text
