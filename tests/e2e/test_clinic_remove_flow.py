"""A doctor removes clinics from the profile page: one with a booking is kept
and its booking listed; one without is removed after a confirm step that names
the hours going with it."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from profiles.models import Clinic, Locality, Mode
from tests.factories import PASSWORD, AvailabilityRuleFactory, ClinicFactory, PatientFactory, verified_doctor

pytestmark = pytest.mark.django_db(transaction=True)


def test_doctor_removes_a_clinic_after_seeing_what_stops_or_goes(page, url, screenshot):
    doctor = verified_doctor(full_name="Dr. Asha Rao")
    booked = doctor.clinics.get()
    baner = Locality.objects.get_or_create(city=booked.city, slug="baner-e2e", defaults={"name": "Baner"})[0]
    spare = ClinicFactory(doctor=doctor, name="Baner Skin Centre", locality=baner, city=baner.city)
    AvailabilityRuleFactory(
        doctor=doctor, weekday=0, start=time(13), end=time(17), mode=Mode.IN_PERSON, clinic=spare
    )
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    Appointment.objects.create(
        doctor=doctor,
        patient=PatientFactory(full_name="Priya Nair"),
        mode=Mode.IN_PERSON,
        clinic=booked,
        start=start,
        end=start + timedelta(minutes=30),
        status="CONFIRMED",
        reason="Rash",
        fee=70000,
    )
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(doctor.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(url("/doctor/profile/#clinics"))

    # The booked clinic stays: its booking is listed, nothing changes.
    page.get_by_role("link", name=f"Remove {booked.name}").click()
    expect(page.locator("main")).to_contain_text("Bookings at this clinic")
    expect(page.locator("main")).to_contain_text("Priya Nair")
    expect(page.get_by_role("button", name=f"Remove {booked.name}")).to_have_count(0)
    screenshot(page, "clinic-remove-blocked", variants=True)

    # The other one goes, with the hours at it named.
    page.goto(url("/doctor/profile/#clinics"))
    page.get_by_role("link", name="Remove Baner Skin Centre").click()
    expect(page.locator("main")).to_contain_text("Mondays 13:00–17:00 (Clinic visit)")
    screenshot(page, "clinic-remove-confirm", variants=True)
    page.get_by_role("button", name="Remove Baner Skin Centre").click()
    expect(page.get_by_role("status").filter(has_text="Baner Skin Centre removed.")).to_be_visible()
    expect(page.locator("#clinics")).not_to_contain_text("Baner Skin Centre")
    assert list(Clinic._base_manager.filter(doctor=doctor).values_list("name", flat=True)) == [booked.name]
