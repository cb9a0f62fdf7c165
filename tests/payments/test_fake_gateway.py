"""The offline gateway: its checkout page and its webhooks take the real code path."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from core.models import Notification
from payments import services
from payments.gateway import FakeGateway
from payments.models import FakeWebhook, Payment, WebhookEvent

pytestmark = pytest.mark.django_db


def test_fake_pay_posts_a_signed_answer_to_the_callback(client_for, payer, payment):
    client = client_for(payer)

    page = client.post(reverse("payments:fake_checkout", args=[payment.pk]), {"action": "pay"})
    fields = page.context["fields"]
    done = client.post(page.context["callback"], fields)

    assert done.url == reverse("appointments:detail", args=[payment.appointment_id])
    assert Appointment.objects.get(pk=payment.appointment_id).status == Appointment.Status.CONFIRMED


def test_fake_webhooks_delivered_late_and_twice_confirm_once(payment, payer):
    FakeGateway().pay(
        order_id=payment.order_id,
        amount=payment.amount,
        currency="INR",
        succeed=True,
        duplicates=True,
        reverse=True,
    )
    assert FakeWebhook.objects.count() == 6

    assert services.deliver_fake_webhooks() == 6

    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CAPTURED
    assert Appointment.objects.get(pk=payment.appointment_id).status == Appointment.Status.CONFIRMED
    assert WebhookEvent.objects.filter(signature_valid=True).count() == 3
    assert Notification.objects.filter(user=payer, kind="appointment.confirmed").count() == 1
    assert services.deliver_fake_webhooks() == 0


def test_fake_fail_keeps_the_hold_and_offers_a_retry(client_for, payer, payment):
    client = client_for(payer)

    response = client.post(
        reverse("payments:fake_checkout", args=[payment.pk]), {"action": "fail"}, follow=True
    )
    services.deliver_fake_webhooks()

    assert "The payment failed. Your slot is still held" in response.content.decode()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.FAILED
    assert Appointment.objects.get(pk=payment.appointment_id).status == Appointment.Status.PENDING_PAYMENT
    retry = client.get(reverse("payments:pay", args=[payment.appointment_id]))
    assert retry.context["payment"].pk == payment.pk  # the same order, paid on a second try
