"""My Records in the browser: the patient adds a report, downloads a prescription,
shares the report for an appointment; the doctor opens the patient's history;
the patient sees who looked."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from tests.e2e.test_booking_flow import log_in
from tests.factories import (
    MINIMAL_PDF,
    AppointmentFactory,
    CapturedPaymentFactory,
    IssuedPrescriptionFactory,
    MedicalReportFactory,
    PatientProfileFactory,
    png_bytes,
    verified_doctor,
)
from tests.prescriptions.records.conftest import chat

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_keeps_and_shares_records_and_sees_the_doctor_look(page, url, screenshot, tmp_path):
    doctor = verified_doctor(full_name="Dr. Asha Rao")
    priya = PatientProfileFactory(user__full_name="Priya Nair").user
    start = (timezone.now() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    seen = AppointmentFactory(
        patient=priya,
        doctor=doctor,
        start=start,
        end=start + timedelta(minutes=30),
        status=Appointment.Status.COMPLETED,
        reason="Sore throat and fever",
    )
    CapturedPaymentFactory(appointment=seen)
    IssuedPrescriptionFactory(appointment=seen, diagnosis="Acute pharyngitis")
    chat(
        seen,
        (priya, "My throat hurts since Monday"),
        (doctor.user, "Please send a photo of your throat"),
        attachment=("throat.png", png_bytes(), "image/png"),
    )
    MedicalReportFactory(patient=priya, title="Vaccination card", kind="VACCINATION")
    upcoming = AppointmentFactory(patient=priya, doctor=doctor, reason="Follow-up for the throat")

    # Priya opens My Records from the header and adds a lab report.
    log_in(page, url, priya.email)
    page.get_by_role("link", name="My Records").first.click()
    expect(page.get_by_role("heading", name="My Records", level=1)).to_be_visible()
    expect(page.get_by_text("Prescription by Dr. Asha Rao")).to_be_visible()
    page.get_by_role("link", name="Add a report").first.click()
    page.get_by_label("Title").fill("Blood count, Apollo Labs")
    page.get_by_label("Type").select_option("LAB")
    page.get_by_label("Date of the report").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    report_file = tmp_path / "cbc.pdf"
    report_file.write_bytes(MINIMAL_PDF)
    page.get_by_label("File").set_input_files(report_file)
    page.get_by_role("button", name="Add to my records").click()
    expect(page.get_by_text("Your report is added to your records.")).to_be_visible()
    expect(page.locator(".record-row__title", has_text="Blood count, Apollo Labs")).to_be_visible()
    screenshot(page, "records-timeline", variants=True)

    # The prescription's PDF downloads from the timeline.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^PDF of the prescription")).click()
    assert download.value.suggested_filename.startswith("prescription-")
    assert download.value.path().read_bytes() == MINIMAL_PDF

    # The transcript reads back the chat.
    page.get_by_role("link", name="Chat with Dr. Asha Rao", exact=True).click()
    expect(page.get_by_text("My throat hurts since Monday")).to_be_visible()

    # From the upcoming appointment's page, she shares the blood count with the doctor.
    page.goto(url(f"/appointments/{upcoming.pk}/"))
    page.get_by_role("link", name="Share reports with the doctor").click()
    page.get_by_role("checkbox", name=re.compile("Blood count, Apollo Labs")).check()
    screenshot(page, "records-share", variants=True)
    page.get_by_role("button", name="Save what I share").click()
    expect(page.get_by_text("Saved. Dr. Asha Rao sees what you ticked.")).to_be_visible()

    # The doctor opens her history from the appointment and sees the report, not the vaccination card.
    log_in(page, url, doctor.user.email)
    page.goto(url(f"/appointments/{upcoming.pk}/"))
    page.get_by_role("link", name="Patient’s history").click()
    expect(page.get_by_role("heading", name="Priya Nair", level=1)).to_be_visible()
    expect(page.locator(".record-row__title", has_text="Blood count, Apollo Labs")).to_be_visible()
    expect(page.get_by_text("Vaccination card")).to_have_count(0)
    screenshot(page, "records-doctor-history", variants=True)

    # Priya sees that the doctor looked.
    log_in(page, url, priya.email)
    page.goto(url("/records/"))
    expect(page.locator(".looked-list")).to_contain_text("Dr. Asha Rao opened your records")
