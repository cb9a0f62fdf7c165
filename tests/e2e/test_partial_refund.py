"""A patient who cancels a paid consult inside the partial-refund window sees it
as partly refunded, not as refunded (issue 11 review)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from appointments import services as appointment_services
from appointments.models import Appointment
from appointments.selectors import free_slots_for_doctor
from payments import services
from payments.gateway import sign
from payments.services import deliver_fake_webhooks
from profiles.models import Mode
from tests.e2e.test_booking_flow import log_in, midday_zone
from tests.e2e.test_payment_flow import doctor_online_all_day
from tests.factories import PatientProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_cancelling_late_sees_the_consult_partly_refunded(page, url, screenshot):
    zone = midday_zone()
    doctor = doctor_online_all_day(zone, full_name="Dr. Asha Rao")
    priya = PatientProfileFactory(user__full_name="Priya Nair", time_zone=zone).user
    after = timezone.now() + timedelta(hours=1)
    slot = free_slots_for_doctor(
        doctor, window_start=after, window_end=after + timedelta(days=2), mode=Mode.ONLINE
    )[0]
    held = appointment_services.appointment_book(
        patient=priya, doctor=doctor, start=slot.start, mode=Mode.ONLINE, reason="Itchy rash on both arms"
    )
    payment = services.payment_start(appointment=held)
    services.payment_callback(
        payment=payment,
        order_id=payment.order_id,
        payment_id="pay_Partly0001",
        signature=sign(f"{payment.order_id}|pay_Partly0001", settings.RAZORPAY_KEY_SECRET),
    )
    # Three hours before the start: half the fee comes back.
    start = timezone.now() + timedelta(hours=3)
    Appointment.objects.filter(pk=held.pk).update(start=start, end=start + (slot.end - slot.start))
    held.refresh_from_db()
    appointment_services.appointment_cancel(appointment=held, actor=priya, reason="Cannot make it")
    deliver_fake_webhooks()  # Razorpay's refund.processed
    held.refresh_from_db()
    assert held.payment_state == Appointment.PaymentState.PARTLY_REFUNDED

    log_in(page, url, priya.email)
    page.goto(url("/patient/appointments/?tab=upcoming"))
    row = page.locator(".pay-mark").first
    if not row.count():
        page.goto(url("/patient/appointments/?tab=past"))
    expect(page.locator(".pay-mark").first).to_have_text("Partly refunded")
    screenshot(page, "appointments-partly-refunded", variants=True)
