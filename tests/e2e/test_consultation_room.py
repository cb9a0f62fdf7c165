"""A doctor and a patient in one consultation room, in two browsers: messages
both ways within 3 seconds, a photo on both sides, the doctor completes, the
patient writes during follow-up, and past the window the patient can no longer send."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations import poll, services
from consultations.models import ConsultationSession
from tests.e2e.test_booking_flow import log_in
from tests.factories import (
    AppointmentFactory,
    PatientProfileFactory,
    QualificationFactory,
    png_bytes,
    verified_doctor,
)

pytestmark = pytest.mark.django_db(transaction=True)
SEEN_WITHIN = 3_000  # ms: the poll runs every 2 s


def _console_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_doctor_and_patient_chat_complete_and_follow_up(page, url, screenshot, tmp_path):
    doctor = verified_doctor(
        full_name="Dr. Asha Rao",
        registration_number="KMC-2011-4455",
        registration_council="Karnataka Medical Council",
    )
    QualificationFactory(doctor=doctor, degree="MD (Dermatology)")
    patient = PatientProfileFactory(user__full_name="Priya Nair", time_zone=doctor.time_zone).user
    start = (timezone.now() - timedelta(minutes=1)).replace(second=0, microsecond=0)
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=start, end=start + timedelta(minutes=30)
    )
    session = services.consultation_session_ensure(appointment=appointment)

    # The patient joins from the dashboard.
    log_in(page, url, patient.email)
    page.goto(url("/patient/"))
    page.get_by_role("link", name="Join consultation").first.click()
    expect(page.get_by_role("heading", name="Dr. Asha Rao")).to_be_visible()
    expect(page.get_by_text("KMC-2011-4455")).to_be_visible()

    # The doctor, in a browser of their own.
    doctor_context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        _in_the_room(page, doctor_context, url, screenshot, tmp_path, session)
    finally:
        doctor_context.close()


def _in_the_room(page, doctor_context, url, screenshot, tmp_path, session):
    doctor = session.appointment.doctor
    doctor_page = doctor_context.new_page()
    doctor_page.set_default_timeout(10_000)
    doctor_errors = _console_errors(doctor_page)
    log_in(doctor_page, url, doctor.user.email)
    doctor_page.goto(url(f"/consultations/{session.pk}/"))
    expect(doctor_page.get_by_role("heading", name="Priya Nair")).to_be_visible()

    # Enter sends; the other side sees it without reloading, within 3 seconds.
    box = page.get_by_role("textbox", name="Message")
    box.fill("Hello doctor, the rash on my arm is itchy at night.")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(doctor_page.locator("#messages")).to_contain_text("itchy at night", timeout=SEEN_WITHIN)
    doctor_box = doctor_page.get_by_role("textbox", name="Message")
    doctor_box.fill("Hello Priya.")
    doctor_box.press("Shift+Enter")
    doctor_box.type("Could you send a photo of it?")
    doctor_box.press("Enter")
    expect(page.locator("#messages")).to_contain_text("Could you send a photo of it?", timeout=SEEN_WITHIN)
    assert (
        "Hello Priya.<br>Could you send" in page.locator("#messages .msg-theirs .msg-body").last.inner_html()
    )

    # A photo shows as a thumbnail on both sides.
    photo = tmp_path / "rash.png"
    photo.write_bytes(png_bytes(size=(900, 600), color=(200, 90, 80)))
    page.locator("#composer input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name="Send").click()
    for side in (page, doctor_page):
        thumb = side.locator("#messages img").last
        expect(thumb).to_be_visible(timeout=SEEN_WITHIN)
        assert side.evaluate("img => img.naturalWidth", thumb.element_handle()) == 480
    # The patient's messages read by the doctor (who has the room open).
    expect(page.locator("#messages .msg-mine .msg-read").first).to_have_text("Read", timeout=6_000)
    screenshot(page, "consultation-room-patient", variants=True)
    screenshot(doctor_page, "consultation-room-doctor")

    # The doctor starts and completes; the patient's room turns to follow-up.
    doctor_page.get_by_role("button", name="Start consultation").click()
    doctor_page.get_by_role("button", name="Complete consultation").click()
    expect(doctor_page.get_by_text("Consultation completed")).to_be_visible()
    expect(page.locator("#room-state")).to_contain_text("Follow-up", timeout=SEEN_WITHIN)
    box.fill("Day 2: the itching is better with the cream.")
    box.press("Enter")
    expect(doctor_page.locator("#messages")).to_contain_text("the itching is better", timeout=SEEN_WITHIN)
    screenshot(page, "consultation-follow-up", variants=True)

    # Eight days later (the data moved, not the clock): read-only, nothing to send with.
    ConsultationSession.objects.filter(pk=session.pk).update(completed_at=timezone.now() - timedelta(days=8))
    poll.forget_snapshot_after_commit(session.pk)
    expect(page.locator("#room-state")).to_contain_text("Closed", timeout=SEEN_WITHIN)
    expect(page.get_by_text("closed for new messages")).to_be_visible()
    expect(page.get_by_role("textbox", name="Message")).to_have_count(0)
    expect(page.locator("#poller")).not_to_have_attribute("hx-trigger", "every 2s, consult-poll from:body")
    page.reload()
    expect(page.get_by_role("textbox", name="Message")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("the itching is better")
    screenshot(page, "consultation-read-only", variants=True)

    assert doctor_errors == []
