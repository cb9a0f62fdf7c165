from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment, AvailabilityRule
from core.models import Notification
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.factories import PASSWORD, PatientFactory, bookable_doctor

pytestmark = pytest.mark.django_db(transaction=True)


def test_doctor_adds_hours_then_leave_over_a_booking_and_cancels_it(page, url, screenshot):
    doctor = bookable_doctor(full_name="Dr. Asha Rao", weekdays=[0, 1, 2, 3, 4, 5, 6])
    slot = next_slot(doctor)
    appointment = Appointment.objects.create(
        doctor=doctor,
        patient=PatientFactory(full_name="Priya Nair"),
        mode=Mode.IN_PERSON,
        clinic_id=slot.clinic_id,
        start=slot.start,
        end=slot.end,
        status="CONFIRMED",
        reason="Rash",
        fee=70000,
    )
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(doctor.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Hours, leave and booking settings").click()
    screenshot(page, "availability", variants=True)

    # Overlapping hours are refused inline (HTMX), then good hours are added.
    rules = page.locator("#rules")
    rules.locator("summary", has_text="Add hours").click()
    rules.get_by_role("combobox", name="Day").select_option(label="Sunday")
    rules.get_by_label("From").fill("10:00")
    rules.get_by_label("Until").fill("11:00")
    rules.get_by_role("combobox", name="Consultation type").select_option(label="Video consultation")
    rules.get_by_role("button", name="Add hours").click()
    expect(page.locator("#rules")).to_contain_text("Overlaps Sunday 09:00–13:00")
    screenshot(page, "availability-overlap")
    rules = page.locator("#rules")
    rules.get_by_label("From").fill("19:00")
    rules.get_by_label("Until").fill("21:00")
    rules.get_by_role("button", name="Add hours").click()
    expect(page.locator("#rules")).to_contain_text("19:00")
    assert AvailabilityRule.objects.filter(doctor=doctor, start=time(19, 0)).exists()

    # Leave over the booking lists it; the doctor cancels it with a reason.
    day = timezone.localtime(slot.start).date()
    exceptions = page.locator("#exceptions")
    exceptions.locator("summary", has_text="Add leave").click()
    exceptions.get_by_label("First day").fill(day.isoformat())
    exceptions.get_by_role("button", name="Add leave").click()
    collisions = page.get_by_role("region", name="Bookings in the time you took away")
    expect(collisions).to_contain_text("Priya Nair")
    screenshot(page, "availability-collisions", variants=True)
    collisions.get_by_label("Reason (sent to each patient)").fill("I am on leave that day")
    collisions.get_by_role("button", name="Cancel the ticked bookings").click()
    expect(page.get_by_role("region", name="Bookings in the time you took away")).to_have_count(0)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert Notification.objects.filter(user=appointment.patient, kind="appointment.cancelled").exists()
