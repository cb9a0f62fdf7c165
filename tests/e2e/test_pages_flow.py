"""Issue 10, part I in the browser: the honest home page with its real
doctors, the search heading, Privacy and Terms; the doctor's view of the
patient and a fresh notification."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments import services as appointment_services
from appointments.next_available import refresh_all
from appointments.selectors import free_slots_for_doctor
from profiles.models import Mode
from tests.factories import PASSWORD, CityFactory, PatientProfileFactory, bookable_doctor

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, url, email):
    # Leave the last page first: a fragment it requests after the cookies are gone would get
    # the login page and a new CSRF cookie, and the login form below would then fail its check.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_visitor_sees_real_doctors_on_the_home_page_and_reads_privacy_and_terms(page, url, screenshot):
    bookable_doctor(full_name="Dr. Meera Joshi")
    bookable_doctor(full_name="Dr. Kabir Shah")
    CityFactory(name="Nagpur")
    refresh_all()

    page.goto(url("/"))
    hero = page.get_by_role("region", name="Soonest free in Pune")
    expect(hero.get_by_role("link", name="Dr. Meera Joshi")).to_be_visible()
    expect(hero.get_by_role("link", name="Dr. Kabir Shah")).to_be_visible()
    expect(hero.get_by_text("Next available:").first).to_be_visible()
    expect(page.get_by_role("heading", name="Popular specialties in Pune")).to_be_visible()
    expect(page.get_by_text("2 verified doctors in Pune")).to_be_visible()
    screenshot(page, "home-real-doctors", variants=True)

    # A city without doctors: no made-up doctor, no specialty leading nowhere.
    page.get_by_label("Your city").select_option(label="Nagpur")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Doctors in Nagpur")).to_be_visible()
    expect(page.get_by_text("No verified doctors in Nagpur yet.")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("^Soonest free"))).to_have_count(0)
    screenshot(page, "home-city-without-doctors", variants=True)

    page.goto(url("/doctors/?mode=online&fee_max=800&experience=10&language=en"))
    expect(
        page.get_by_role("heading", level=2, name=re.compile("^2 doctors for a video consultation"))
    ).to_have_text(
        "2 doctors for a video consultation, speaking English, 10+ years experience, fee up to ₹800"
    )
    screenshot(page, "search-heading-every-filter", variants=True)

    page.get_by_role("navigation", name="Footer").get_by_role("link", name="Privacy").click()
    expect(page).to_have_url(url("/privacy/"))
    expect(page.get_by_role("heading", name="How to get a copy")).to_be_visible()
    screenshot(page, "privacy", variants=True)

    page.get_by_role("navigation", name="Footer").get_by_role("link", name="Terms").click()
    expect(page).to_have_url(url("/terms/"))
    expect(page.get_by_text("MedConsult is not for emergencies.").first).to_be_visible()
    expect(page.get_by_text("online until 2 hours before it starts")).to_be_visible()
    screenshot(page, "terms", variants=True)


def test_doctor_sees_the_patients_details_and_a_fresh_notification(page, url, screenshot):
    doctor = bookable_doctor(full_name="Dr. Asha Rao")
    patient = PatientProfileFactory(
        user__full_name="Priya Nair",
        date_of_birth=date(1990, 6, 15),
        gender="FEMALE",
        phone="+91 98200 12345",
        allergies="Penicillin (hives)\nPeanuts",
        chronic_conditions="Asthma",
    ).user
    start = timezone.now() + timedelta(days=1)
    slot = free_slots_for_doctor(
        doctor, window_start=start, window_end=start + timedelta(days=3), mode=Mode.IN_PERSON
    )[0]
    appointment = appointment_services.appointment_book(
        patient=patient,
        doctor=doctor,
        start=slot.start,
        mode=Mode.IN_PERSON,
        reason="Itchy rash on both arms",
    )

    log_in(page, url, doctor.user.email)
    page.get_by_role("link", name=re.compile(r"Notifications, \d+ unread")).click()
    expect(page.locator(".notification__time").first).to_have_text("just now")
    screenshot(page, "doctor-notifications-just-now", variants=True)

    page.goto(url(f"/appointments/{appointment.pk}/"))
    about = page.get_by_role("region", name="About the patient")
    expect(about.get_by_text(re.compile(r"^\d+ years"))).to_be_visible()
    expect(about.get_by_role("link", name="+91 98200 12345")).to_be_visible()
    expect(about.get_by_text("Penicillin (hives)")).to_be_visible()
    screenshot(page, "doctor-appointment-patient-details", variants=True)
