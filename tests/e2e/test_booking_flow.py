import re
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from profiles.models import Mode
from tests.factories import (
    PASSWORD,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    PatientProfileFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db(transaction=True)


def midday_zone():
    """A fixed-offset zone where it is about noon now, so 'today' has free
    slots left whenever the suite runs."""
    offset = 12 - datetime.now(UTC).hour  # hours ahead of UTC
    offset = max(-12, min(offset, 14))
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset < 0 else "")


def doctor_open_all_day(zone, **kwargs):
    doctor = verified_doctor(time_zone=zone, **kwargs)
    clinic = doctor.clinics.first()
    for weekday in range(7):
        AvailabilityRuleFactory(
            doctor=doctor,
            weekday=weekday,
            start=time(0, 0),
            end=time(23, 45),
            slot_minutes=15,
            mode=Mode.IN_PERSON,
            clinic=clinic,
        )
    BookingSettingsFactory(doctor=doctor, min_notice_minutes=30)
    return doctor


def log_in(page, url, email, password=PASSWORD):
    # Leave the last page first: a fragment it requests after the cookies are gone would get
    # the login page and a new CSRF cookie, and the login form below would then fail its check.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def book_first_slot_today(page, url, doctor, reason):
    page.goto(url(f"/doctors/{doctor.slug}/"))
    picker = page.locator("#slot-picker")
    expect(picker).to_be_visible()  # rendered with the doctor page
    expect(picker.get_by_role("tab", name=re.compile("^Today"))).to_have_attribute("aria-selected", "true")
    first = picker.locator("a.slot").first
    chosen = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    page.get_by_label("Reason for the visit").fill(reason)
    page.get_by_role("button", name="Confirm booking").click()
    return chosen


def test_patient_books_doctor_sees_it_today_and_cancels_patient_is_told(page, url, screenshot):
    zone = midday_zone()
    doctor = doctor_open_all_day(zone, full_name="Dr. Asha Rao")
    patient = PatientProfileFactory(user__full_name="Priya Nair", time_zone=zone).user

    log_in(page, url, patient.email)
    page.goto(url(f"/doctors/{doctor.slug}/"))
    expect(page.locator("#slot-picker a.slot").first).to_be_visible()
    screenshot(page, "doctor-page-with-picker", variants=True)
    chosen = book_first_slot_today(page, url, doctor, "Itchy rash on both arms")

    expect(page.get_by_role("status").first).to_contain_text("Your appointment is booked.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    screenshot(page, "appointment-detail", variants=True)
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.CONFIRMED
    page.goto(url("/patient/"))
    expect(page.get_by_text("Dr. Asha Rao").first).to_be_visible()
    expect(page.get_by_text(chosen).first).to_be_visible()
    screenshot(page, "patient-dashboard-booked", variants=True)

    # The doctor sees it in today's list and cancels it with a reason.
    log_in(page, url, doctor.user.email)
    page.goto(url("/doctor/appointments/?tab=today"))
    row = page.get_by_text("Priya Nair").first
    expect(row).to_be_visible()
    screenshot(page, "doctor-today", variants=True)
    page.goto(url(f"/appointments/{appointment.pk}/"))
    page.get_by_text("Cancel appointment").first.click()
    page.get_by_label("Reason for cancelling").fill("Called away to an emergency")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("status").first).to_contain_text("The appointment is cancelled.")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED

    # The patient sees the notification.
    log_in(page, url, patient.email)
    page.get_by_role("link", name=re.compile(r"Notifications, \d+ unread")).click()
    expect(page.get_by_text("Dr. Asha Rao cancelled your appointment")).to_be_visible()
    expect(page.get_by_text("Called away to an emergency").first).to_be_visible()
    screenshot(page, "patient-notifications-cancelled", variants=True)


def test_approval_mode_doctor_accepts_a_request(page, url, screenshot):
    zone = midday_zone()
    doctor = doctor_open_all_day(zone, full_name="Dr. Vikram Iyer")
    doctor.booking_settings.approval_required = True
    doctor.booking_settings.save()
    patient = PatientProfileFactory(user__full_name="Karan Mehta", time_zone=zone).user

    log_in(page, url, patient.email)
    book_first_slot_today(page, url, doctor, "Knee pain after running")
    expect(page.get_by_role("status").first).to_contain_text("Your request is sent.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Waiting for the doctor")
    appointment = Appointment.objects.get()

    log_in(page, url, doctor.user.email)
    page.goto(url(f"/appointments/{appointment.pk}/"))
    screenshot(page, "doctor-request", variants=True)
    page.get_by_role("button", name="Accept request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED

    log_in(page, url, patient.email)
    page.get_by_role("link", name=re.compile(r"Notifications, \d+ unread")).click()
    expect(page.get_by_text("Dr. Vikram Iyer accepted your booking")).to_be_visible()
