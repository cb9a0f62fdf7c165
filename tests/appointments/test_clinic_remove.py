"""Removing a clinic (bug 1.5): refused while bookings there are upcoming,
archived once any appointment names it, deleted otherwise; the hours at it go
with a message naming them, and the next free slot is recomputed."""

import re
from datetime import time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AvailabilityException, AvailabilityRule
from appointments.next_available import refresh_doctor
from profiles.models import Clinic, Locality, Mode
from profiles.services import doctor_search_text_refresh
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    ClinicFactory,
    PatientFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def doctor():
    """Verified, with two clinics: clinic visits only at the Baner one (13:00-17:00
    every day, plus extra hours in ten days), nothing booked yet."""
    doctor = verified_doctor(full_name="Dr. Asha Rao")
    baner = Locality.objects.get(city__slug="pune", slug="baner")
    leaving = ClinicFactory(
        doctor=doctor, name="Baner Skin Centre", address="7 Baner Road", locality=baner, city=baner.city
    )
    for weekday in range(7):
        AvailabilityRuleFactory(
            doctor=doctor, weekday=weekday, start=time(13), end=time(17), mode=Mode.IN_PERSON, clinic=leaving
        )
    AvailabilityExceptionFactory(
        doctor=doctor,
        kind=AvailabilityException.Kind.EXTRA,
        date=timezone.localdate() + timedelta(days=10),
        start=time(18),
        end=time(20),
        slot_minutes=30,
        mode=Mode.IN_PERSON,
        clinic=leaving,
    )
    doctor_search_text_refresh(profile=doctor)
    refresh_doctor(doctor.pk)
    doctor.refresh_from_db()
    return doctor


def leaving_clinic(doctor):
    return Clinic._base_manager.get(doctor=doctor, name="Baner Skin Centre")


def remove_url(clinic):
    return reverse("appointments:clinic_remove", args=[clinic.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def booking_at(clinic, *, days, status=Status.CONFIRMED, patient=None):
    start = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return AppointmentFactory(
        doctor=clinic.doctor,
        patient=patient or PatientFactory(full_name="Priya Nair"),
        mode=Mode.IN_PERSON,
        clinic=clinic,
        start=start,
        end=start + timedelta(minutes=30),
        status=status,
    )


def hours_at(clinic):
    return (
        AvailabilityRule.objects.filter(clinic=clinic).count(),
        AvailabilityException.objects.filter(clinic=clinic).count(),
    )


def found_by_search(client, words, doctor):
    return doctor.full_name in client.get("/doctors/", {"q": words}).content.decode()


def test_clinic_remove_with_an_upcoming_booking_is_refused_and_lists_it(client_for, doctor):
    clinic = leaving_clinic(doctor)
    booking_at(clinic, days=-3, status=Status.COMPLETED)
    booking_at(clinic, days=2, patient=PatientFactory(full_name="Kavya Menon"))

    response = client_for(doctor.user).post(remove_url(clinic))

    page = response.content.decode()
    assert response.status_code == 409
    assert "Kavya Menon" in page
    assert "1 upcoming booking" in page
    assert "Nothing has been changed" in page
    clinic.refresh_from_db()
    assert clinic.archived_at is None
    assert hours_at(clinic) == (7, 1)
    assert doctor.clinics.count() == 2


def test_clinic_remove_page_shows_what_goes_and_changes_nothing(client_for, doctor):
    clinic = leaving_clinic(doctor)

    response = client_for(doctor.user).get(remove_url(clinic))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Mondays 13:00–17:00 (Clinic visit)" in page
    assert "extra hours on" in page
    assert hours_at(clinic) == (7, 1)


def test_clinic_remove_with_only_past_bookings_archives_it_and_hides_it(
    client, client_for, doctor, django_capture_on_commit_callbacks
):
    clinic = leaving_clinic(doctor)
    past = booking_at(clinic, days=-3, status=Status.COMPLETED)
    booking_at(clinic, days=4, status=Status.CANCELLED)
    assert found_by_search(client, "baner", doctor)
    assert doctor.next_in_person_at is not None

    with_doctor = client_for(doctor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = with_doctor.post(remove_url(clinic), follow=True)

    clinic.refresh_from_db()
    assert clinic.archived_at is not None
    assert hours_at(clinic) == (0, 0)
    assert any(
        "Baner Skin Centre removed. Past appointments there still show it." in m
        and "Mondays 13:00–17:00 (Clinic visit)" in m
        for m in messages_of(response)
    )
    # Hidden from the profile editor, the availability forms, the public page and search.
    assert "Baner Skin Centre" not in with_doctor.get(reverse("profiles:doctor_profile")).content.decode()
    assert "Baner Skin Centre" not in with_doctor.get(reverse("appointments:availability")).content.decode()
    client.logout()
    public = client.get(reverse("profiles:doctor_page", args=[doctor.slug])).content.decode()
    assert "Baner Skin Centre" not in public
    assert not found_by_search(client, "baner", doctor)
    doctor.refresh_from_db()
    assert "Baner" not in doctor.search_text
    # No clinic slot is offered any more: the next one is gone at once.
    assert doctor.next_in_person_at is None
    # History keeps the clinic's name and address.
    history = client_for(past.patient).get(reverse("appointments:detail", args=[past.pk])).content.decode()
    assert "Baner Skin Centre, 7 Baner Road" in history


def test_clinic_remove_without_bookings_deletes_it_and_refreshes_next_available(
    client_for, doctor, django_capture_on_commit_callbacks
):
    clinic = leaving_clinic(doctor)
    assert doctor.next_in_person_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(doctor.user).post(remove_url(clinic), follow=True)

    assert not Clinic._base_manager.filter(pk=clinic.pk).exists()
    assert hours_at(clinic) == (0, 0)
    [message] = messages_of(response)
    assert message.startswith(
        "Baner Skin Centre removed. Your hours there were removed too: Mondays 13:00–17:00"
    )
    assert re.search(r"extra hours on \w{3}, \d+ \w{3}, 18:00–20:00\.$", message)
    doctor.refresh_from_db()
    assert doctor.next_in_person_at is None
    assert doctor.next_online_at is None  # unchanged: this doctor has no video hours


def test_clinic_remove_of_an_archived_or_another_doctors_clinic_is_404(client_for, doctor):
    clinic = leaving_clinic(doctor)
    booking_at(clinic, days=-3, status=Status.COMPLETED)
    client = client_for(doctor.user)
    client.post(remove_url(clinic))

    again = client.post(remove_url(clinic))
    stranger = client_for(verified_doctor().user).post(remove_url(doctor.clinics.get()))

    assert again.status_code == 404
    assert stranger.status_code == 404
    assert doctor.clinics.count() == 1


def test_clinic_remove_lapsed_hold_does_not_block(client_for, doctor):
    clinic = leaving_clinic(doctor)
    hold = booking_at(clinic, days=1, status=Status.PENDING_PAYMENT)
    Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))

    response = client_for(doctor.user).post(remove_url(clinic))

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.archived_at is not None


def test_archived_clinic_is_left_out_of_the_doctors_clinics(doctor):
    clinic = leaving_clinic(doctor)
    Clinic.objects.filter(pk=clinic.pk).update(archived_at=timezone.now())

    names = [c.name for c in doctor.clinics.all()]

    assert len(names) == 1
    assert "Baner Skin Centre" not in names
    assert Clinic._base_manager.filter(pk=clinic.pk).exists()
