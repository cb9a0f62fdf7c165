"""The checkout callback: verified against the order we stored, then confirmed once."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from core.models import Notification
from payments.models import Payment
from tests.payments.conftest import checkout_fields

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def post_callback(client, payment, fields):
    return client.post(reverse("payments:callback", args=[payment.pk]), fields)


def test_callback_with_a_good_signature_confirms_and_notifies_once(client_for, payer, payment):
    client = client_for(payer)

    response = post_callback(client, payment, checkout_fields(payment))

    assert response.url == reverse("appointments:detail", args=[payment.appointment_id])
    payment.refresh_from_db()
    assert (payment.status, payment.payment_id) == (Payment.Status.CAPTURED, "pay_Test000001")
    appointment = Appointment.objects.get(pk=payment.appointment_id)
    assert (appointment.status, appointment.payment_state, appointment.payment_ref) == (
        Status.CONFIRMED,
        "PAID",
        "pay_Test000001",
    )
    assert Notification.objects.filter(user=payer, kind="appointment.confirmed").count() == 1
    page = client.get(response.url).content.decode()
    assert "Payment received. Your appointment is confirmed" in page


def test_callback_posted_twice_confirms_once(client_for, payer, payment):
    client = client_for(payer)
    fields = checkout_fields(payment)

    post_callback(client, payment, fields)
    post_callback(client, payment, fields)

    appointment = Appointment.objects.get(pk=payment.appointment_id)
    assert appointment.events.filter(to_status=Status.CONFIRMED).count() == 1
    assert Notification.objects.filter(user=payer, kind="appointment.confirmed").count() == 1


def test_callback_with_one_character_changed_is_refused(client_for, payer, payment):
    fields = checkout_fields(payment)
    signature = fields["razorpay_signature"]
    fields["razorpay_signature"] = signature[:-1] + ("0" if signature[-1] != "0" else "1")

    response = post_callback(client_for(payer), payment, fields)

    assert response.url == reverse("payments:pay", args=[payment.appointment_id])
    payment.refresh_from_db()
    assert (payment.status, payment.payment_id) == (Payment.Status.CREATED, "")
    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.PENDING_PAYMENT
    assert not Notification.objects.filter(user=payer, kind="appointment.confirmed").exists()


def test_callback_with_the_signature_of_another_order_is_refused(client_for, payer, payment):
    # A genuine signature, but for an order the patient paid elsewhere (a cheaper one):
    # the check uses the order id we stored, so the posted order id cannot redirect it.
    fields = checkout_fields(payment, order_id="order_SomeoneElses1")

    response = post_callback(client_for(payer), payment, fields)

    assert response.url == reverse("payments:pay", args=[payment.appointment_id])
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CREATED
    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.PENDING_PAYMENT


def test_callback_with_fields_missing_changes_nothing(client_for, payer, payment):
    response = post_callback(client_for(payer), payment, {"razorpay_payment_id": "pay_1"})

    assert response.url == reverse("payments:pay", args=[payment.appointment_id])
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CREATED
