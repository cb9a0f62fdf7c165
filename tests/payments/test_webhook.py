"""The webhook: raw-body signature, stored event ids, every event and its order."""

import json
import logging

import pytest

from appointments.models import Appointment
from core.models import Notification
from payments.models import Payment, WebhookEvent
from tests.payments.conftest import checkout_fields, event_body, post_webhook

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def state(payment):
    payment.refresh_from_db()
    appointment = Appointment.objects.get(pk=payment.appointment_id)
    return payment.status, appointment.status


def test_webhook_captured_confirms_the_appointment(client, payment, payer):
    response = post_webhook(client, event_body("payment.captured", payment=payment))

    assert response.status_code == 200
    assert state(payment) == (Payment.Status.CAPTURED, Status.CONFIRMED)
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.event, event.signature_valid, event.outcome) == (
        "evt_1",
        "payment.captured",
        True,
        "confirmed",
    )
    assert event.processed_at is not None


def test_webhook_with_a_bad_signature_is_refused_and_changes_nothing(client, payment):
    response = post_webhook(client, event_body("payment.captured", payment=payment), signature="0" * 64)

    assert response.status_code == 400
    assert state(payment) == (Payment.Status.CREATED, Status.PENDING_PAYMENT)
    assert list(WebhookEvent.objects.values_list("event_id", "signature_valid")) == [(None, False)]


def test_webhook_without_a_signature_is_refused(client, payment):
    response = post_webhook(client, event_body("payment.captured", payment=payment), signature="")

    assert response.status_code == 400
    assert state(payment) == (Payment.Status.CREATED, Status.PENDING_PAYMENT)


def test_webhook_signed_with_the_key_secret_instead_of_the_webhook_secret_is_refused(
    client, payment, settings
):
    from payments.gateway import sign

    body = event_body("payment.captured", payment=payment)

    response = post_webhook(client, body, signature=sign(body, settings.RAZORPAY_KEY_SECRET))

    assert response.status_code == 400


def test_webhook_body_reserialised_after_signing_is_refused(client, payment, settings):
    from payments.gateway import sign

    body = event_body("payment.captured", payment=payment)
    signature = sign(body, settings.RAZORPAY_WEBHOOK_SECRET)
    reserialised = json.dumps(json.loads(body), indent=2).encode()

    response = post_webhook(client, reserialised, signature=signature)

    assert response.status_code == 400
    assert state(payment) == (Payment.Status.CREATED, Status.PENDING_PAYMENT)


def test_webhook_same_event_id_twice_confirms_once_and_notifies_once(client, payment, payer):
    body = event_body("payment.captured", payment=payment)

    first = post_webhook(client, body, event_id="evt_same")
    second = post_webhook(client, body, event_id="evt_same")

    assert (first.status_code, second.status_code) == (200, 200)
    assert WebhookEvent.objects.filter(event_id="evt_same").count() == 1
    appointment = Appointment.objects.get(pk=payment.appointment_id)
    assert appointment.events.filter(to_status=Status.CONFIRMED).count() == 1
    assert Notification.objects.filter(user=payer, kind="appointment.confirmed").count() == 1


def test_webhook_sends_no_email_inside_the_request(
    client, payment, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, event_body("payment.captured", payment=payment))

    assert mailoutbox == []
    assert Notification.objects.filter(kind="appointment.confirmed", email_status="PENDING").count() == 1


def test_webhook_before_callback_confirms_once(client_for, client, payment, payer):
    from django.urls import reverse

    post_webhook(client, event_body("order.paid", payment=payment))

    response = client_for(payer).post(
        reverse("payments:callback", args=[payment.pk]), checkout_fields(payment)
    )

    assert response.url == reverse("appointments:detail", args=[payment.appointment_id])
    assert state(payment) == (Payment.Status.CAPTURED, Status.CONFIRMED)
    assert Notification.objects.filter(user=payer, kind="appointment.confirmed").count() == 1


def test_webhook_payment_authorized_alone_does_not_confirm(client, payment):
    body = event_body("payment.captured", payment=payment, status="authorized", captured=False)
    body = body.replace(b'"event": "payment.captured"', b'"event": "payment.authorized"')

    response = post_webhook(client, body)

    assert response.status_code == 200
    assert state(payment) == (Payment.Status.AUTHORIZED, Status.PENDING_PAYMENT)


def test_webhook_payment_failed_after_capture_changes_nothing(client, payment):
    post_webhook(client, event_body("payment.captured", payment=payment), event_id="evt_a")

    post_webhook(client, event_body("payment.failed", payment=payment), event_id="evt_b")

    assert state(payment) == (Payment.Status.CAPTURED, Status.CONFIRMED)
    assert WebhookEvent.objects.get(event_id="evt_b").outcome == "no change (CAPTURED stays)"


def test_webhook_failed_then_captured_confirms(client, payment):
    post_webhook(client, event_body("payment.failed", payment=payment, payment_id="pay_A"), event_id="evt_a")
    assert state(payment) == (Payment.Status.FAILED, Status.PENDING_PAYMENT)
    assert "incorrect card details" in Payment.objects.get(pk=payment.pk).failure_reason

    post_webhook(
        client, event_body("payment.captured", payment=payment, payment_id="pay_B"), event_id="evt_b"
    )

    assert state(payment) == (Payment.Status.CAPTURED, Status.CONFIRMED)
    assert Appointment.objects.get(pk=payment.appointment_id).payment_ref == "pay_B"


@pytest.mark.parametrize(("amount", "currency"), [(100, None), (None, "USD")])
def test_webhook_amount_or_currency_mismatch_does_not_confirm_and_logs_an_error(
    client, payment, caplog, amount, currency
):
    with caplog.at_level(logging.ERROR, logger="payments.services"):
        response = post_webhook(
            client, event_body("payment.captured", payment=payment, amount=amount, currency=currency)
        )

    assert response.status_code == 200
    assert state(payment) == (Payment.Status.CREATED, Status.PENDING_PAYMENT)
    assert any(r.levelno == logging.ERROR and "not confirmed" in r.getMessage() for r in caplog.records)


def test_webhook_for_an_unknown_order_answers_200_and_logs(client, caplog):
    body = json.loads(event_body("payment.captured"))
    body["payload"]["payment"]["entity"]["order_id"] = "order_NotOurs00001"

    with caplog.at_level(logging.WARNING, logger="payments.services"):
        response = post_webhook(client, json.dumps(body).encode())

    assert response.status_code == 200
    assert "order we do not know: order_NotOurs00001" in caplog.text
    assert WebhookEvent.objects.get().outcome == "unknown order order_NotOurs00001"


def test_webhook_unknown_event_answers_200(client):
    body = json.dumps({"entity": "event", "event": "subscription.charged", "payload": {}}).encode()

    response = post_webhook(client, body)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "ignored: unhandled event"


def test_webhook_get_is_not_allowed(client):
    from django.urls import reverse

    assert client.get(reverse("payments:webhook")).status_code == 405


def test_webhook_without_an_event_id_is_still_recognised_when_replayed(client, payment, payer):
    from django.conf import settings
    from django.urls import reverse

    from payments.gateway import sign

    body = event_body("payment.captured", payment=payment)
    headers = {"HTTP_X_RAZORPAY_SIGNATURE": sign(body, settings.RAZORPAY_WEBHOOK_SECRET)}

    for _ in range(2):
        response = client.post(
            reverse("payments:webhook"), data=body, content_type="application/json", **headers
        )
        assert response.status_code == 200

    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().event_id.startswith("sha256:")
