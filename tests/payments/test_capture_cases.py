"""Every case of money meeting an appointment that cannot take it: a full refund, the patient told why."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from core.models import Notification
from payments.models import Payment, Refund
from profiles.models import Mode
from tests.factories import PatientFactory
from tests.payments.conftest import event_body, post_webhook

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def lapse(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )


def refund_told(payer):
    return Notification.objects.filter(user=payer, kind="payment.refund_started").values_list(
        "body", flat=True
    )


def test_capture_after_expiry_with_the_slot_free_confirms(client, payment):
    lapse(payment.appointment)
    appointment_services.expire_lapsed()

    post_webhook(client, event_body("payment.captured", payment=payment))

    appointment = Appointment.objects.get(pk=payment.appointment_id)
    assert (appointment.status, appointment.payment_state) == (Status.CONFIRMED, "PAID")
    assert not Refund.objects.exists()


def test_capture_after_expiry_with_the_slot_taken_refunds_in_full(client, payment, online_doctor, payer):
    appointment = payment.appointment
    lapse(appointment)
    appointment_services.appointment_book(
        patient=PatientFactory(),
        doctor=online_doctor,
        start=appointment.start,
        mode=Mode.ONLINE,
        reason="Cough",
    )

    post_webhook(client, event_body("payment.captured", payment=payment))

    appointment.refresh_from_db()
    assert appointment.status == Status.EXPIRED
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.status) == (
        payment.pk,
        payment.amount,
        Refund.Status.PENDING,
    )
    assert "booked by someone else" in refund_told(payer)[0]


def test_capture_for_a_cancelled_appointment_refunds_in_full(client, payment, payer):
    appointment_services.appointment_cancel(
        appointment=payment.appointment, actor=payer, reason="Feeling better"
    )

    post_webhook(client, event_body("payment.captured", payment=payment))

    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CAPTURED
    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.CANCELLED
    assert Refund.objects.get().amount == payment.amount
    assert "appointment that is cancelled" in refund_told(payer)[0]


def test_capture_after_the_start_refunds_in_full(client, payment, payer):
    start = timezone.now() - timedelta(minutes=2)
    Appointment.objects.filter(pk=payment.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )

    post_webhook(client, event_body("payment.captured", payment=payment))

    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.PENDING_PAYMENT
    assert Refund.objects.get().amount == payment.amount
    assert "after the appointment's start" in refund_told(payer)[0]


def test_a_second_payment_for_a_confirmed_appointment_is_refunded(client, payment, payer):
    post_webhook(client, event_body("payment.captured", payment=payment, payment_id="pay_1"), event_id="e1")
    second = Payment.objects.create(
        appointment=payment.appointment,
        gateway="fake",
        receipt="mc-second",
        order_id="order_second0001",
        amount=payment.amount,
    )

    post_webhook(client, event_body("payment.captured", payment=second, payment_id="pay_2"), event_id="e2")

    assert Appointment.objects.get(pk=payment.appointment_id).payment_ref == "pay_1"
    assert list(Refund.objects.values_list("payment_id", "amount")) == [(second.pk, second.amount)]
