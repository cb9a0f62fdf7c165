"""Paying for a video consultation on the offline gateway, a failed payment, and a doctor's refund."""

import re
from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from appointments.selectors import free_slots_for_doctor
from payments.models import Payment, Refund
from payments.services import deliver_fake_webhooks
from profiles.models import Mode
from tests.e2e.test_booking_flow import log_in, midday_zone
from tests.factories import (
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    PatientProfileFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db(transaction=True)


def doctor_online_all_day(zone, **kwargs):
    doctor = verified_doctor(time_zone=zone, **kwargs)
    for weekday in range(7):
        AvailabilityRuleFactory(
            doctor=doctor,
            weekday=weekday,
            start=time(0, 0),
            end=time(23, 45),
            slot_minutes=15,
            mode=Mode.ONLINE,
        )
    BookingSettingsFactory(doctor=doctor, min_notice_minutes=30)
    return doctor


def book_online(page, url, doctor, reason, index=0):
    page.goto(url(f"/doctors/{doctor.slug}/slots/?mode=ONLINE"))
    page.locator("a.slot").nth(index).click()
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    page.get_by_label("Reason for the visit").fill(reason)
    page.get_by_role("button", name=re.compile(r"^Book and pay ₹500")).click()
    expect(page.get_by_role("heading", name="Pay for your consultation")).to_be_visible()


def test_patient_pays_another_fails_and_the_doctor_refunds(page, url, screenshot):
    zone = midday_zone()
    doctor = doctor_online_all_day(zone, full_name="Dr. Asha Rao")
    priya = PatientProfileFactory(user__full_name="Priya Nair", time_zone=zone).user
    karan = PatientProfileFactory(user__full_name="Karan Mehta", time_zone=zone).user

    # Priya books a video slot and pays on the offline checkout.
    log_in(page, url, priya.email)
    book_online(page, url, doctor, "Itchy rash on both arms")
    expect(page.get_by_text("Your slot is held until")).to_be_visible()
    expect(page.get_by_text("Cancel up to 4 hours before the start for a full refund")).to_be_visible()
    screenshot(page, "payment-page", variants=True)
    page.get_by_role("link", name="Pay ₹500").click()
    expect(page.get_by_role("heading", name="Test checkout")).to_be_visible()
    screenshot(page, "fake-checkout", variants=True)
    page.get_by_role("button", name="Pay ₹500").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "Payment received. Your appointment is confirmed"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    expect(page.locator("#payments")).to_contain_text("Paid")  # the payments part, pulled in by HTMX
    screenshot(page, "appointment-paid", variants=True)
    paid = Appointment.objects.get(patient=priya)
    assert (paid.status, paid.payment_state) == (Appointment.Status.CONFIRMED, "PAID")
    page.get_by_role("link", name="Receipt").click()
    expect(page.get_by_text("MMC-2008-12345")).to_be_visible()
    screenshot(page, "receipt", variants=True)

    # Karan's payment fails: the slot stays held for him until the hold lapses, then it is free.
    log_in(page, url, karan.email)
    book_online(page, url, doctor, "Persistent cough")
    page.get_by_role("link", name="Pay ₹500").click()
    page.get_by_role("button", name="Make the payment fail").click()
    expect(page.get_by_role("heading", name="Pay for your consultation")).to_be_visible()
    expect(page.get_by_text("The payment failed. Your slot is still held")).to_be_visible()
    screenshot(page, "payment-failed-retry", variants=True)
    deliver_fake_webhooks()
    held = Appointment.objects.get(patient=karan)
    assert held.status == Appointment.Status.PENDING_PAYMENT
    assert Payment.objects.get(appointment=held).status == Payment.Status.FAILED

    def is_free(start):
        window = start - timedelta(minutes=1)
        slots = free_slots_for_doctor(
            doctor, window_start=window, window_end=start + timedelta(minutes=1), mode=Mode.ONLINE
        )
        return any(slot.start == start for slot in slots)

    assert not is_free(held.start)
    Appointment.objects.filter(pk=held.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    call_command("expire_holds")
    held.refresh_from_db()
    assert held.status == Appointment.Status.EXPIRED
    assert is_free(held.start)

    # The doctor cancels Priya's paid consult; she gets the whole fee back.
    log_in(page, url, doctor.user.email)
    page.goto(url(f"/appointments/{paid.pk}/"))
    expect(page.locator("#payments")).to_contain_text("Paid")
    page.get_by_text("Cancel appointment").first.click()
    expect(page.get_by_text("The patient gets the full fee back (₹500).")).to_be_visible()
    page.get_by_label("Reason for cancelling").fill("Called away to an emergency")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("status").first).to_contain_text("The appointment is cancelled.")
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (50000, Refund.Status.PENDING)
    deliver_fake_webhooks()  # Razorpay's refund.processed
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSED
    page.goto(url("/doctor/"))
    page.get_by_role("link", name=re.compile("Earnings")).click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("₹500")
    expect(row.locator("td").nth(0)).to_contain_text("1")
    screenshot(page, "doctor-earnings", variants=True)

    log_in(page, url, priya.email)
    page.goto(url(f"/appointments/{paid.pk}/"))
    expect(page.locator("#payments")).to_contain_text("Refunded")
    expect(page.locator("#payments")).to_contain_text("₹500")
    screenshot(page, "appointment-refunded", variants=True)
