"""A doctor writes and issues a prescription after a completed consultation; the
patient is notified and downloads it; a pharmacist checks it; a correction
supersedes it."""

import hashlib
import re
import subprocess
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from prescriptions.models import Medicine, Prescription
from profiles.models import Gender, Mode, PatientProfile
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, AppointmentFactory, PatientFactory, verified_doctor

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


def fill_row(page, index, name, strength, frequency, duration, instructions):
    page.locator(f"#id_items-{index}-name").fill(name)
    page.locator(f"#id_items-{index}-strength").fill(strength)
    page.locator(f"#id_items-{index}-form").fill("tablet")
    page.locator(f"#id_items-{index}-dose").fill("1 tablet")
    page.locator(f"#id_items-{index}-frequency").fill(frequency)
    page.locator(f"#id_items-{index}-duration").fill(str(duration))
    page.locator(f"#id_items-{index}-route").fill("oral")
    page.locator(f"#id_items-{index}-instructions").fill(instructions)


def test_doctor_issues_patient_downloads_pharmacist_verifies_correction_supersedes(
    page, url, screenshot, tmp_path
):
    # The catalogue is reference data: it is back after every flush.
    assert Medicine.objects.filter(name="Sitagliptin").exists()
    doctor = verified_doctor(full_name="Dr. Asha Rao", registration_number="MMC-2008-12345")
    patient = PatientFactory(full_name="Priya Nair", email="priya.e2e@example.com")
    PatientProfile.objects.update_or_create(
        user=patient,
        defaults={"full_name": "Priya Nair", "date_of_birth": date(1988, 8, 8), "gender": Gender.FEMALE},
    )
    # She saw the doctor in the clinic 40 days ago for her diabetes; today's video consult just ended.
    earlier = timezone.now() - timedelta(days=40)
    AppointmentFactory(
        doctor=doctor,
        patient=patient,
        mode=Mode.IN_PERSON,
        clinic=doctor.clinics.first(),
        start=earlier,
        end=earlier + timedelta(minutes=30),
        status=Appointment.Status.COMPLETED,
    )
    start = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    today = AppointmentFactory(
        doctor=doctor,
        patient=patient,
        mode=Mode.ONLINE,
        start=start,
        end=start + timedelta(minutes=30),
        status=Appointment.Status.CONFIRMED,
        reason="Sugar levels high despite metformin",
    )

    # The doctor completes the consultation and starts the prescription from the appointment page.
    log_in(page, url, doctor.user.email)
    page.goto(url(f"/appointments/{today.pk}/"))
    page.get_by_role("button", name="Mark as completed").click()
    expect(page.get_by_role("status").first).to_contain_text("Marked as completed")
    page.get_by_role("button", name="Write a prescription").click()  # pulled in by hx-get
    expect(page.get_by_role("heading", name="Write a prescription")).to_be_visible()
    page.get_by_label("Complaints").fill("High fasting sugar for two weeks")
    page.get_by_label("Diagnosis (provisional)").fill("Type 2 diabetes, not controlled")
    fill_row(page, 0, "Metformin", "500 mg", "1-0-1", 30, "after food")
    page.get_by_role("button", name="Add another medicine").click()
    expect(page.locator("#id_items-1-name")).to_be_focused()  # the new row, by HTMX, ready to type in
    fill_row(page, 1, "Sitagliptin", "100 mg", "1-0-0", 30, "after breakfast")
    page.get_by_role("button", name="Issue prescription").click()

    # A first consultation (not marked as a follow-up): List B is refused, with the reason.
    expect(page.locator("#id_items-1-name_error")).to_contain_text("Sitagliptin is on List B")
    screenshot(page, "prescription-refused", variants=True)
    assert Prescription.objects.get().status == Prescription.Status.DRAFT

    # It is a same-condition follow-up of the clinic visit: accepted.
    page.get_by_label("follow-up for the same condition").check()
    page.get_by_role("button", name="Issue prescription").click()
    expect(page.get_by_role("status").first).to_contain_text("The prescription is issued")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Valid")
    screenshot(page, "prescription-issued-doctor")
    rx = Prescription.objects.get()
    assert rx.status == Prescription.Status.ISSUED

    # The patient is notified and downloads the PDF from the appointment page.
    log_in(page, url, patient.email)
    page.goto(url("/notifications/"))
    page.get_by_role("button", name=re.compile("Your prescription from Dr. Asha Rao")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prescription")
    screenshot(page, "prescription-patient", variants=True)
    page.goto(url(f"/appointments/{today.pk}/"))
    fragment = page.locator("#prescriptions")
    expect(fragment.get_by_text("Valid")).to_be_visible()
    with page.expect_download() as download_info:
        fragment.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "prescription.pdf"
    download_info.value.save_as(pdf_path)
    content = pdf_path.read_bytes()
    assert hashlib.sha256(content).hexdigest() == rx.pdf_sha256
    subprocess.run(
        [
            "/usr/bin/pdftoppm",
            "-png",
            "-r",
            "70",
            "-singlefile",
            str(pdf_path),
            str(SCREENSHOTS / "prescription-pdf"),
        ],
        check=True,
    )
    text = subprocess.run(
        ["/usr/bin/pdftotext", str(pdf_path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "METFORMIN" in text
    assert "SITAGLIPTIN" in text

    # The pharmacist opens the URL the QR code carries (printed under it too): valid.
    verify_path = re.search(r"https?://[^/\s]+(/rx/verify/[\w-]+/)", text).group(1)
    assert verify_path == f"/rx/verify/{rx.verification_code}/"
    page.context.clear_cookies()
    page.goto(url(verify_path))
    expect(page.get_by_role("status").first).to_contain_text("Valid.")
    expect(page.locator("main")).not_to_contain_text("Priya")
    screenshot(page, "prescription-verify-valid", variants=True)

    # The doctor corrects it: the old one shows superseded, the new one valid.
    log_in(page, url, doctor.user.email)
    page.goto(url(f"/rx/{rx.pk}/"))
    page.get_by_role("button", name="Write a correction").click()
    expect(page.get_by_role("heading", name="Correct the prescription")).to_be_visible()
    page.locator("#id_items-0-duration").fill("60")
    page.get_by_role("button", name="Issue prescription").click()
    expect(page.get_by_role("status").first).to_contain_text("The prescription is issued")
    page.context.clear_cookies()
    page.goto(url(verify_path))
    expect(page.get_by_role("status").first).to_contain_text("Superseded.")
    screenshot(page, "prescription-verify-superseded")
    rx.refresh_from_db()
    assert rx.status == Prescription.Status.SUPERSEDED
    assert rx.superseded_by.status == Prescription.Status.ISSUED
