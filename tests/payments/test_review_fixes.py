"""Review findings on payments (issue 11): each test failed before its fix."""

import logging
from datetime import timedelta

import pytest
import responses
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from core import zones
from core.models import Notification
from payments import services
from payments.gateway import sign
from payments.models import Payment, Refund, WebhookEvent
from tests.factories import AdminFactory, AvailabilityExceptionFactory, BookingSettingsFactory
from tests.payments.conftest import RAZORPAY_API, checkout_fields, event_body, post_webhook

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def paid(client_for, payer, payment):
    client_for(payer).post(reverse("payments:callback", args=[payment.pk]), checkout_fields(payment))
    payment.refresh_from_db()
    return payment


def lapse_and_expire(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    appointment_services.expire_lapsed()


def age(payment, minutes):
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def starting_in(payment, delta):
    start = timezone.now() + delta
    Appointment.objects.filter(pk=payment.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )
    return Appointment.objects.get(pk=payment.appointment_id)


def order_payments(payment, **entity):
    return {
        "entity": "collection",
        "count": 1,
        "items": [
            {
                "id": "pay_Late00000001",
                "entity": "payment",
                "amount": payment.amount,
                "currency": "INR",
                "order_id": payment.order_id,
                **entity,
            }
        ],
    }


# --- 1. "refunded" without a capture is not a payment ------------------------------------------


def test_reconcile_refunded_uncaptured_payment_confirms_nothing_and_refunds_nothing(payment, settings):
    lapse_and_expire(payment.appointment)
    age(payment, 20)
    settings.PAYMENT_GATEWAY = "razorpay"

    with responses.RequestsMock() as api:
        api.get(
            f"{RAZORPAY_API}/orders/{payment.order_id}/payments",
            json=order_payments(payment, status="refunded", captured=False),
        )
        call_command("reconcile_payments")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "never captured" in payment.failure_reason
    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.EXPIRED
    assert not Refund.objects.exists()


def test_webhook_refunded_after_capture_still_counts_as_paid(client, payment):
    body = event_body("payment.captured", payment=payment, status="refunded", captured=True)

    post_webhook(client, body)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED
    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.CONFIRMED


def test_webhook_authorised_after_an_uncaptured_refund_does_not_reopen_it(client, payment):
    post_webhook(client, event_body("payment.captured", payment=payment, status="refunded", captured=False))

    post_webhook(
        client,
        event_body("payment.captured", payment=payment, status="authorized", captured=False),
        event_id="e2",
    )

    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.FAILED, services.RETURNED_UNCAPTURED)


# --- 2. A refund Razorpay refuses is not retried forever ----------------------------------------


def test_refund_refused_by_razorpay_is_left_failed_after_a_few_refusals(
    paid, online_doctor, payer, settings, caplog, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "razorpay"
    refused = {
        "error": {"code": "BAD_REQUEST_ERROR", "description": "The payment has been fully refunded already"}
    }
    with responses.RequestsMock() as api:
        api.post(f"{RAZORPAY_API}/payments/{paid.payment_id}/refund", status=400, json=refused)
        with django_capture_on_commit_callbacks(execute=True):
            appointment_services.appointment_cancel(
                appointment=paid.appointment, actor=online_doctor.user, reason="Emergency"
            )
        for _ in range(services.MAX_REFUND_FAILURES):
            Refund.objects.filter(status=Refund.Status.PENDING).update(next_attempt_at=timezone.now())
            call_command("reconcile_payments")

    refund = Refund.objects.get()
    assert (refund.status, refund.failures) == (Refund.Status.FAILED, services.MAX_REFUND_FAILURES)
    assert "fully refunded already" in refund.last_error
    assert Notification.objects.filter(user=payer, kind="payment.refund_delayed").count() == 1
    assert any(r.levelno == logging.ERROR and "left for staff" in r.getMessage() for r in caplog.records)


# --- 3. Bad signatures: a short body, no NUL, always 400 ----------------------------------------


def test_webhook_with_a_bad_signature_and_a_nul_byte_answers_400_and_keeps_only_a_short_body(client):
    body = b'{"event": "payment.captured", "x": "\x00' + b"A" * 100_000 + b'"}'

    response = post_webhook(client, body, signature="0" * 64)

    assert response.status_code == 400
    event = WebhookEvent.objects.get()
    assert not event.signature_valid
    assert len(event.body) <= services.UNSIGNED_BODY_KEPT
    assert "\x00" not in event.body


def test_signed_webhook_with_a_nul_byte_is_stored_without_it(client):
    body = b'{"event": "payment.nothing", "payload": {}}\x00'

    response = post_webhook(client, body, event_id="evt_nul")

    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="evt_nul")
    assert "\x00" not in event.body
    assert event.outcome == "ignored: unhandled event"


# --- 4. Reconcile: item by item, refunds first, an hour of orders, no endless re-examining -------


def test_reconcile_sends_due_refunds_even_when_another_item_fails(paid, online_doctor, monkeypatch, caplog):
    # One cancelled paid consult whose missing refund cannot be written (a bug, say)...
    Appointment.objects.filter(pk=paid.appointment_id).update(status=Status.CANCELLED)

    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    monkeypatch.setattr(services, "refund_for_cancellation", broken)
    # ...and another payment's refund, due to be sent.
    pending = Refund.objects.create(
        payment=Payment.objects.create(
            appointment=paid.appointment,
            gateway="fake",
            receipt="mc-other-1",
            order_id="order_other1",
            payment_id="pay_other1",
            amount=100,
            status=Payment.Status.CAPTURED,
        ),
        amount=100,
        reason="Test.",
        idempotency_key="key-due-0002",
        next_attempt_at=timezone.now(),
    )

    call_command("reconcile_payments")

    pending.refresh_from_db()
    assert pending.razorpay_refund_id.startswith("rfnd_fake")
    assert any(
        r.levelno == logging.ERROR and r.exc_info and "receiver bug" in str(r.exc_info[1])
        for r in caplog.records
    )


def test_reconcile_does_not_poll_orders_older_than_an_hour(payment, settings):
    settings.PAYMENT_GATEWAY = "razorpay"
    age(payment, 61)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(
            f"{RAZORPAY_API}/orders/{payment.order_id}/payments",
            json=order_payments(payment, status="failed"),
        )
        call_command("reconcile_payments")
        assert len(api.calls) == 0


def test_reconcile_looks_at_a_paid_cancellation_without_refund_once(
    paid, payer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REFUND_PARTIAL_BEFORE_HOURS = 3  # so a patient may still cancel when nothing comes back
    appointment = starting_in(paid, timedelta(hours=2, minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_cancel(appointment=appointment, actor=payer, reason="Cannot make it")
    assert not Refund.objects.exists()
    calls = []
    real = services.refund_for_cancellation
    monkeypatch.setattr(services, "refund_for_cancellation", lambda **kw: calls.append(kw) or real(**kw))

    call_command("reconcile_payments")
    call_command("reconcile_payments")

    assert calls == []
    appointment.refresh_from_db()
    assert appointment.payment_state == Appointment.PaymentState.KEPT
    assert not Refund.objects.exists()


# --- 5. The callback tells what happened, even when the webhook was first -----------------------


def test_callback_after_the_webhook_refunded_says_refund_not_confirmed(client, client_for, payer, payment):
    appointment_services.appointment_cancel(
        appointment=payment.appointment, actor=payer, reason="Changed my mind"
    )
    post_webhook(client, event_body("payment.captured", payment=payment))
    assert Refund.objects.filter(payment=payment).exists()

    patient = client_for(payer)
    response = patient.post(reverse("payments:callback", args=[payment.pk]), checkout_fields(payment))

    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("refunding it in full" in m for m in shown)
    assert not any("confirmed" in m for m in shown)


# --- 6. A lapsed hold is re-confirmed only if the slot is still offered -------------------------


def test_capture_after_expiry_when_the_doctor_took_leave_refunds_in_full(client, payment, online_doctor):
    appointment = payment.appointment
    lapse_and_expire(appointment)
    AvailabilityExceptionFactory(
        doctor=online_doctor, date=zones.local_date(appointment.start, online_doctor.time_zone)
    )

    post_webhook(client, event_body("payment.captured", payment=payment))

    appointment.refresh_from_db()
    assert appointment.status == Status.EXPIRED
    refund = Refund.objects.get()
    assert refund.amount == payment.amount
    assert "no longer available" in refund.reason


def test_capture_after_expiry_when_the_doctor_is_no_longer_bookable_refunds_in_full(
    client, payment, online_doctor
):
    appointment = payment.appointment
    lapse_and_expire(appointment)
    online_doctor.user.is_active = False
    online_doctor.user.save(update_fields=["is_active"])

    post_webhook(client, event_body("payment.captured", payment=payment))

    assert Appointment.objects.get(pk=appointment.pk).status == Status.EXPIRED
    assert "no longer taking" in Refund.objects.get().reason


def test_capture_after_expiry_ignores_the_minimum_notice(client, payment, online_doctor):
    lapse_and_expire(payment.appointment)
    BookingSettingsFactory(doctor=online_doctor, min_notice_minutes=60 * 24 * 5)

    post_webhook(client, event_body("payment.captured", payment=payment))

    assert Appointment.objects.get(pk=payment.appointment_id).status == Status.CONFIRMED
    assert not Refund.objects.exists()


# --- 7. A handler's bug is not answered 500 for a day -------------------------------------------


def test_signed_webhook_whose_handler_fails_answers_200_and_is_stored_as_error(
    client, payment, monkeypatch, caplog
):
    def broken(payload, *, now):
        raise KeyError("surprise")

    monkeypatch.setitem(services.HANDLERS, "payment.captured", broken)

    response = post_webhook(client, event_body("payment.captured", payment=payment), event_id="evt_bug")

    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="evt_bug")
    assert event.outcome.startswith("error: KeyError")
    assert payment.appointment.status == Status.PENDING_PAYMENT
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_signed_webhook_with_a_transient_database_error_is_left_to_razorpay_to_retry(
    payment, monkeypatch, settings
):
    def down(payload, *, now):
        raise OperationalError("server closed the connection")

    monkeypatch.setitem(services.HANDLERS, "payment.captured", down)
    body = event_body("payment.captured", payment=payment)

    with pytest.raises(OperationalError):
        services.webhook_receive(
            body=body, signature=sign(body, settings.RAZORPAY_WEBHOOK_SECRET), event_id="evt_db"
        )

    assert not WebhookEvent.objects.filter(event_id="evt_db").exists()


# --- 8. The webhook's HMAC is over the raw bytes -------------------------------------------------


def test_webhook_signed_over_bytes_that_are_not_utf8_is_accepted(client):
    body = b'{"event": "payment.nothing", "payload": {}, "note": "caf\xe9"}'

    response = post_webhook(client, body, event_id="evt_latin1")

    assert response.status_code == 200
    assert WebhookEvent.objects.get(event_id="evt_latin1").signature_valid


# --- 9. Small ones ------------------------------------------------------------------------------


def test_payments_csv_export_needs_the_payments_view_permission(client_for):
    staff = AdminFactory(is_superuser=False, is_staff=True)

    response = client_for(staff).get(
        reverse("admin:payments_payment_export"), {"start": "2026-01-01", "end": "2026-12-31"}
    )

    assert response.status_code == 403


def test_partial_refund_shows_the_appointment_as_partly_refunded(
    client, paid, payer, django_capture_on_commit_callbacks
):
    appointment = starting_in(paid, timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_cancel(appointment=appointment, actor=payer, reason="Cannot make it")
    refund = Refund.objects.get()
    assert refund.amount == paid.amount // 2

    post_webhook(client, event_body("refund.processed", refund=refund), event_id="evt_half")

    appointment.refresh_from_db()
    assert appointment.payment_state == Appointment.PaymentState.PARTLY_REFUNDED
