"""reconcile_payments: a lost webhook or a failed receiver never leaves a paid patient stranded."""

from datetime import timedelta

import pytest
import responses
from django.core.management import call_command
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from medconsult.management.commands.run_periodic import JOBS
from payments.models import Payment, Refund
from tests.payments.conftest import RAZORPAY_API

pytestmark = pytest.mark.django_db


def age(payment, minutes):
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_reconcile_settles_an_order_whose_webhook_was_lost(payment, settings):
    settings.PAYMENT_GATEWAY = "razorpay"
    age(payment, 16)
    with responses.RequestsMock() as api:
        api.get(
            f"{RAZORPAY_API}/orders/{payment.order_id}/payments",
            json={
                "entity": "collection",
                "count": 1,
                "items": [
                    {
                        "id": "pay_Lost00000001",
                        "entity": "payment",
                        "amount": payment.amount,
                        "currency": "INR",
                        "status": "captured",
                        "captured": True,
                        "order_id": payment.order_id,
                    }
                ],
            },
        )
        call_command("reconcile_payments")

    payment.refresh_from_db()
    assert (payment.status, payment.payment_id) == (Payment.Status.CAPTURED, "pay_Lost00000001")
    assert Appointment.objects.get(pk=payment.appointment_id).status == Appointment.Status.CONFIRMED


def test_reconcile_leaves_young_orders_alone(payment, settings):
    settings.PAYMENT_GATEWAY = "razorpay"
    age(payment, 5)
    with responses.RequestsMock() as api:  # any call would fail: none is registered
        call_command("reconcile_payments")
        assert len(api.calls) == 0


def test_reconcile_creates_the_refund_a_failed_receiver_missed(payment, online_doctor):
    # Paid, then cancelled by the doctor, while the refund receiver failed (not run here).
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CAPTURED, payment_id="pay_X")
    Appointment.objects.filter(pk=payment.appointment_id).update(
        status=Appointment.Status.CONFIRMED, payment_ref="pay_X", payment_state="PAID"
    )
    appointment_services.appointment_cancel(
        appointment=payment.appointment, actor=online_doctor.user, reason="Emergency at the hospital"
    )
    assert not Refund.objects.exists()

    call_command("reconcile_payments")

    refund = Refund.objects.get()
    assert (refund.amount, refund.attempts) == (payment.amount, 1)
    assert refund.razorpay_refund_id.startswith("rfnd_fake")

    call_command("reconcile_payments")
    assert Refund.objects.count() == 1


def test_reconcile_runs_in_the_periodic_loop():
    assert "reconcile_payments" in dict(JOBS)
    assert "deliver_fake_webhooks" in dict(JOBS)


def test_reconcile_settles_a_refund_whose_webhook_was_lost(payment, settings):
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CAPTURED, payment_id="pay_R")
    refund = Refund.objects.create(
        payment=payment,
        amount=payment.amount,
        reason="Test.",
        idempotency_key="key-lost",
        razorpay_refund_id="rfnd_Lost1",
    )
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(hours=7))
    settings.PAYMENT_GATEWAY = "razorpay"
    with responses.RequestsMock() as api:
        api.get(
            f"{RAZORPAY_API}/payments/pay_R/refunds/rfnd_Lost1",
            json={"id": "rfnd_Lost1", "entity": "refund", "payment_id": "pay_R", "status": "processed"},
        )
        call_command("reconcile_payments")

    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSED
    assert (
        Appointment.objects.get(pk=payment.appointment_id).payment_state == Appointment.PaymentState.REFUNDED
    )
