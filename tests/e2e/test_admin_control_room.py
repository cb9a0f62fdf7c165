"""Staff in the control room: the admin home, the appointments list, a staff
cancel with a reason, and the analytics page, in both themes (screenshots)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from profiles.models import DoctorProfile, Mode
from tests.e2e.conftest import SCREENSHOTS, VIEWPORTS
from tests.e2e.test_verification_flow import log_in
from tests.factories import (
    AdminFactory,
    AppointmentFactory,
    ClinicFactory,
    DoctorProfileFactory,
    LocalityFactory,
    PatientFactory,
    SpecialtyFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def both_themes(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size(VIEWPORTS["desktop"])
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=SCREENSHOTS / f"{name}-{scheme}-desktop.png", full_page=True)
    page.emulate_media(color_scheme="light")


@pytest.fixture
def control_room_data():
    now = timezone.now()
    derma = SpecialtyFactory(name="Dermatologist", slug="dermatologist")
    asha = DoctorProfileFactory(
        full_name="Dr. Asha Rao",
        status=DoctorProfile.Status.VERIFIED,
        submitted_at=now - timedelta(days=4),
        decided_at=now - timedelta(days=2),
    )
    asha.specialties.add(derma)
    clinic = ClinicFactory(doctor=asha, locality=LocalityFactory(name="Kothrud"))
    DoctorProfileFactory(
        full_name="Dr. Vikram Iyer", status=DoctorProfile.Status.PENDING, submitted_at=now - timedelta(days=1)
    )
    priya = PatientFactory(full_name="Priya Nair", email="priya@example.com")
    for day in range(12):
        AppointmentFactory(
            doctor=asha,
            patient=priya,
            mode=Mode.ONLINE if day % 3 else Mode.IN_PERSON,
            clinic=None if day % 3 else clinic,
            start=now + timedelta(days=1 + day, hours=day % 5),
            created_at=now - timedelta(days=day),
            status=[Appointment.Status.CONFIRMED, Appointment.Status.CANCELLED, Appointment.Status.EXPIRED][
                day % 3
            ],
            payment_state="PAID" if day % 3 == 1 else "UNPAID",
        )


def test_staff_see_what_needs_action_cancel_an_appointment_and_read_analytics(page, url, control_room_data):
    AdminFactory(email="meera@example.com")
    log_in(page, url, "meera@example.com")
    expect(page).to_have_url(url("/admin/"))

    # The home says what needs action, each tile a link to its list.
    expect(page.get_by_role("heading", name="Needs action today")).to_be_visible()
    expect(page.get_by_role("link", name="1 Doctors waiting for verification")).to_be_visible()
    both_themes(page, "admin-home")

    # The appointments list, filtered by specialty.
    page.goto(url("/admin/appointments/appointment/?specialty=dermatologist"))
    expect(page.locator("#result_list")).to_contain_text("Dr. Asha Rao")
    both_themes(page, "admin-appointments")

    # Staff cancel a confirmed one with a reason.
    page.get_by_role("link", name="Confirmed", exact=True).click()
    page.locator("#result_list tbody tr a").first.click()
    page.get_by_role("link", name="Cancel with a reason").click()
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.locator(".errornote")).to_contain_text("Please give a reason.")
    page.get_by_label("Reason").fill("The doctor is unwell today")
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.locator(".messagelist")).to_contain_text("Cancelled. Patient and doctor are notified")

    # Analytics, 90 days.
    page.get_by_role("link", name="Analytics").first.click()
    page.get_by_role("link", name="90 days").click()
    expect(page.get_by_role("heading", name="Revenue and refunds per day")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(6)
    both_themes(page, "admin-analytics")
