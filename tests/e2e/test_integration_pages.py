"""Issues 13 and 14 wired together, seen in the browser: the room's header names a
minor's accompanying adult for the doctor; the prescription editor takes the
video kind from the call record; My Records lists the consultation's calls."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from consultations import services as consultation_services
from consultations.models import Call
from prescriptions import services as rx_services
from tests.e2e.test_booking_flow import log_in
from tests.factories import AppointmentFactory, PatientProfileFactory, verified_doctor
from tests.prescriptions.records.conftest import chat

pytestmark = pytest.mark.django_db(transaction=True)


def test_room_header_editor_and_records_show_the_call_record_and_the_companion(page, url, screenshot):
    doctor = verified_doctor(full_name="Dr. Asha Rao")
    child = PatientProfileFactory(user__full_name="Aarav Iyer").user
    soon = (timezone.now() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    upcoming = AppointmentFactory(
        patient=child,
        doctor=doctor,
        start=soon,
        end=soon + timedelta(minutes=30),
        status=Appointment.Status.CONFIRMED,
        reason="Cough for a week",
        companion_name="Meera Iyer",
        companion_relation="Mother",
    )
    room = consultation_services.consultation_session_ensure(appointment=upcoming)
    start = (timezone.now() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    seen = AppointmentFactory(
        patient=child,
        doctor=doctor,
        start=start,
        end=start + timedelta(minutes=30),
        status=Appointment.Status.COMPLETED,
        reason="Rash on the arm",
    )
    session = chat(seen, (child, "The rash is spreading"), (doctor.user, "Let us look on video"))
    connected = start + timedelta(minutes=3)
    Call.objects.create(
        session=session,
        started_by=doctor.user,
        status=Call.Status.ENDED,
        created_at=connected - timedelta(seconds=8),
        patient_joined_at=connected,
        connected_at=connected,
        last_seen_at=connected + timedelta(minutes=6, seconds=12),
        ended_at=connected + timedelta(minutes=6, seconds=12),
        doctor_video=True,
        patient_video=True,
    )
    draft = rx_services.prescription_start(appointment=seen, actor=doctor.user)

    log_in(page, url, doctor.user.email)
    page.goto(url(f"/consultations/{room.pk}/"))
    expect(page.locator(".room-head")).to_contain_text("accompanied by Meera Iyer (Mother)")
    screenshot(page, "integ-room-companion", variants=True)
    page.goto(url(f"/rx/{draft.pk}/edit/"))
    expect(page.locator("#rx-consult-kind")).to_contain_text("Video (from the call record)")
    expect(page.locator('input[name="consult_kind"]')).to_have_count(0)
    screenshot(page, "integ-rx-kind-from-call", variants=True)

    log_in(page, url, child.email)
    page.goto(url("/records/"))
    expect(page.locator(".call-history__row").first).to_contain_text("Video call")
    expect(page.locator(".call-history__row").first).to_contain_text("6 min 12 s")
    screenshot(page, "integ-records-calls", variants=True)
    page.goto(url(f"/records/consultations/{session.pk}/"))
    expect(page.get_by_role("heading", name="Calls")).to_be_visible()
    expect(page.locator(".flash")).to_have_count(0)  # the chat is not shown as flash messages
    screenshot(page, "integ-transcript-calls", variants=True)
