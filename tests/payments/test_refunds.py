"""Refunds: by policy on cancellation, exactly once, sent with an idempotency key, retried, settled."""

import json
from datetime import timedelta

import pytest
import responses
from django.core.management import call_command
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from core.models import Notification
from payments import services
from payments.models import Refund
from tests.payments.conftest import RAZORPAY_API, checkout_fields, event_body, post_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client_for, payer, payment):
    from django.urls import reverse

    client_for(payer).post(reverse("payments:callback", args=[payment.pk]), checkout_fields(payment))
    payment.refresh_from_db()
    return payment


def starting_in(payment, delta):
    start = timezone.now() + delta
    Appointment.objects.filter(pk=payment.appointment_id).update(
        start=start, end=start + timedelta(minutes=30)
    )
    return Appointment.objects.get(pk=payment.appointment_id)


def cancel(appointment, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_cancel(appointment=appointment, actor=actor, reason="Cannot make it")


@pytest.mark.parametrize(
    ("ahead", "share"),
    [
        (timedelta(hours=4, minutes=1), 1),
        (timedelta(hours=3, minutes=59), 0.5),
        (timedelta(hours=2, minutes=1), 0.5),
    ],
)
def test_patient_cancelling_a_paid_consult_is_refunded_by_the_hours_left(
    paid, payer, ahead, share, django_capture_on_commit_callbacks
):
    appointment = starting_in(paid, ahead)

    cancel(appointment, payer, django_capture_on_commit_callbacks)

    refund = Refund.objects.get()
    assert refund.amount == int(paid.amount * share)
    appointment.refresh_from_db()
    assert appointment.payment_state == Appointment.PaymentState.REFUND_PENDING


def test_doctor_cancelling_a_paid_consult_refunds_in_full_and_sends_it_once(
    paid, online_doctor, payer, django_capture_on_commit_callbacks
):
    appointment = starting_in(paid, timedelta(minutes=90))

    cancel(appointment, online_doctor.user, django_capture_on_commit_callbacks)
    services.on_appointment_cancelled(sender=Appointment, appointment=appointment)  # a repeated receiver

    refund = Refund.objects.get()
    assert (refund.amount, refund.attempts) == (paid.amount, 1)
    assert refund.razorpay_refund_id.startswith("rfnd_fake")
    assert Notification.objects.filter(user=payer, kind="payment.refund_started").count() == 1


def test_unpaid_cancellation_writes_no_refund(held, payer, django_capture_on_commit_callbacks):
    cancel(held, payer, django_capture_on_commit_callbacks)

    assert not Refund.objects.exists()


def test_refund_api_failure_is_retried_once_razorpay_answers(
    paid, online_doctor, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENT_GATEWAY = "razorpay"
    url = f"{RAZORPAY_API}/payments/{paid.payment_id}/refund"
    with responses.RequestsMock() as api:
        api.post(url, status=503, json={"error": {"code": "SERVER_ERROR", "description": "down"}})
        cancel(paid.appointment, online_doctor.user, django_capture_on_commit_callbacks)
        refund = Refund.objects.get()
        assert (refund.status, refund.attempts, refund.razorpay_refund_id) == (Refund.Status.PENDING, 1, "")
        assert refund.next_attempt_at > timezone.now()

        api.replace(
            responses.POST, url, json={"id": "rfnd_Real0001", "entity": "refund", "status": "pending"}
        )
        Refund.objects.filter(pk=refund.pk).update(next_attempt_at=timezone.now())
        call_command("reconcile_payments")

        sent = api.calls[-1].request
        assert sent.headers["X-Refund-Idempotency"] == refund.idempotency_key
        assert json.loads(sent.body) == {
            "amount": paid.amount,
            "speed": "normal",
            "receipt": refund.idempotency_key,
        }
    refund.refresh_from_db()
    assert (refund.attempts, refund.razorpay_refund_id) == (2, "rfnd_Real0001")


def test_refund_processed_settles_and_tells_the_patient(
    client, paid, online_doctor, payer, django_capture_on_commit_callbacks
):
    cancel(paid.appointment, online_doctor.user, django_capture_on_commit_callbacks)
    refund = Refund.objects.get()

    response = post_webhook(client, event_body("refund.processed", refund=refund), event_id="evt_rf")

    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSED
    assert Appointment.objects.get(pk=paid.appointment_id).payment_state == Appointment.PaymentState.REFUNDED
    assert Notification.objects.filter(user=payer, kind="payment.refunded").count() == 1


def test_refund_failed_is_retried_with_a_new_key_then_left_to_staff(
    client, paid, online_doctor, payer, django_capture_on_commit_callbacks
):
    cancel(paid.appointment, online_doctor.user, django_capture_on_commit_callbacks)
    refund = Refund.objects.get()
    first_key = refund.idempotency_key

    body = event_body("refund.processed", refund=refund).replace(b'"refund.processed"', b'"refund.failed"')
    post_webhook(client, body, event_id="evt_f1")

    refund.refresh_from_db()
    assert (refund.status, refund.failures, refund.razorpay_refund_id) == (Refund.Status.PENDING, 1, "")
    assert refund.idempotency_key != first_key

    for attempt in range(2, services.MAX_REFUND_FAILURES + 1):
        services.refund_submit(refund.pk)
        refund.refresh_from_db()
        body = event_body("refund.processed", refund=refund).replace(
            b'"refund.processed"', b'"refund.failed"'
        )
        post_webhook(client, body, event_id=f"evt_f{attempt}")

    refund.refresh_from_db()
    assert (refund.status, refund.failures) == (Refund.Status.FAILED, services.MAX_REFUND_FAILURES)
    assert Notification.objects.filter(user=payer, kind="payment.refund_delayed").count() == 1


def test_refund_processed_that_overtakes_the_api_answer_is_matched_by_our_receipt(client, paid, payer):
    from django.db import transaction

    with transaction.atomic():
        locked = type(paid).objects.select_for_update().get(pk=paid.pk)
        refund = services._refund_create(locked, amount=paid.amount, reason="Test.", now=timezone.now())
    body = event_body("refund.processed", refund=refund)
    body = body.replace(b'"receipt": null', b'"receipt": "%s"' % refund.idempotency_key.encode())
    body = body.replace(b'"id": ""', b'"id": "rfnd_Early0001"')

    response = post_webhook(client, body, event_id="evt_early")

    assert response.status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.razorpay_refund_id) == (Refund.Status.PROCESSED, "rfnd_Early0001")
