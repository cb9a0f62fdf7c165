"""Review of issue 10, points 2 and 4 in a browser: a patient abroad moves a
clinic visit to the doctor's other clinic. The picker's pills give the
patient's own time with its day when it is another day there; the confirm page
names the new clinic and the old one; the move lands there."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments import services
from appointments.models import Appointment
from profiles.models import Mode
from tests.e2e.test_booking_flow import log_in
from tests.e2e.test_booking_keyboard import doctor_with_two_clinics
from tests.factories import PatientProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

IST = ZoneInfo("Asia/Kolkata")


def test_patient_abroad_moves_a_clinic_visit_to_the_other_clinic(page, url, screenshot):
    doctor = doctor_with_two_clinics()
    home = doctor.clinics.exclude(name="Baner Skin Care").get()
    patient = PatientProfileFactory(user__full_name="Ravi Kumar", time_zone="America/Los_Angeles").user
    day = timezone.localtime(timezone.now(), IST).date() + timedelta(days=2)
    appointment = services.appointment_book(
        patient=patient,
        doctor=doctor,
        start=datetime.combine(day, time(9), IST),
        mode=Mode.IN_PERSON,
        reason="Rash",
    )
    log_in(page, url, patient.email)

    page.goto(url(f"/appointments/{appointment.pk}/reschedule/?day={day.isoformat()}"))
    panel = page.locator("#day-panel")
    # 8:00 AM in Pune is the evening before in Los Angeles: the pill says which day.
    evening_before = datetime.combine(day, time(8), IST).astimezone(ZoneInfo("America/Los_Angeles"))
    expect(panel.locator(".slot").first).to_have_text(
        re.compile(rf"^8:00 AM, your time {evening_before:%a} \d+:\d\d PM$")
    )
    expect(panel.get_by_text("Baner Skin Care, Baner").first).to_be_visible()
    screenshot(page, "reschedule-picker-abroad", variants=True)

    page.locator(".slot-group", has_text="Baner Skin Care").locator(".slot").first.click()
    confirm = page.locator(".booking-confirm")
    expect(confirm).to_contain_text(f"At Baner Skin Care, Baner (was {home.name}, {home.locality.name})")
    screenshot(page, "reschedule-confirm-other-clinic", variants=True)

    page.get_by_role("button", name="Move my appointment").click()
    expect(page.get_by_role("status").first).to_contain_text("Your appointment is moved.")
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.clinic.name == "Baner Skin Care"
    assert moved.start.astimezone(IST).time() == time(14)
