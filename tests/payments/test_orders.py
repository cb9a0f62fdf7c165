"""Orders through the real razorpay SDK, with Razorpay's HTTP API intercepted by `responses`."""

import json

import pytest
import requests
import responses
from django.urls import reverse

from appointments.models import Appointment
from payments.models import Payment
from tests.payments.conftest import RAZORPAY_API

pytestmark = pytest.mark.django_db


@pytest.fixture
def razorpay(settings):
    settings.PAYMENT_GATEWAY = "razorpay"
    with responses.RequestsMock() as api:
        yield api


def order_answer(request):
    sent = json.loads(request.body)
    return 200, {}, json.dumps({"id": "order_Real00000001", "entity": "order", "status": "created", **sent})


def test_order_is_created_with_amount_and_receipt_from_our_record(razorpay, client_for, payer, held):
    razorpay.add_callback(responses.POST, f"{RAZORPAY_API}/orders", callback=order_answer)

    response = client_for(payer).get(reverse("payments:pay", args=[held.pk]))

    assert response.status_code == 200
    payment = Payment.objects.get()
    sent = json.loads(razorpay.calls[0].request.body)
    assert (sent["amount"], sent["currency"], sent["receipt"]) == (held.fee, "INR", payment.receipt)
    assert sent["payment"]["capture"] == "automatic"
    assert len(payment.receipt) <= 40
    assert (payment.order_id, payment.amount, payment.gateway) == ("order_Real00000001", held.fee, "razorpay")
    page = response.content.decode()
    assert 'data-order="order_Real00000001"' in page
    assert "https://checkout.razorpay.com/v1/checkout.js" in page
    assert "https://checkout.razorpay.com" in response["Content-Security-Policy"]


def test_a_second_visit_reuses_the_order(razorpay, client_for, payer, held):
    razorpay.add_callback(responses.POST, f"{RAZORPAY_API}/orders", callback=order_answer)
    client = client_for(payer)

    client.get(reverse("payments:pay", args=[held.pk]))
    client.get(reverse("payments:pay", args=[held.pk]))

    assert len(razorpay.calls) == 1
    assert Payment.objects.count() == 1


def test_razorpay_not_answering_keeps_the_hold_and_the_retry_works(razorpay, client_for, payer, held):
    razorpay.post(f"{RAZORPAY_API}/orders", body=requests.exceptions.ConnectTimeout("timed out"))
    client = client_for(payer)

    response = client.get(reverse("payments:pay", args=[held.pk]))

    assert response.status_code == 503
    page = response.content.decode()
    assert "not answering right now. Your slot is still held" in page
    assert "Try again" in page
    assert "checkout.razorpay.com" not in response["Content-Security-Policy"]
    assert Appointment.objects.get(pk=held.pk).status == Appointment.Status.PENDING_PAYMENT
    assert not Payment.objects.exists()

    razorpay.replace(
        responses.POST, f"{RAZORPAY_API}/orders", json={"id": "order_Retry0000001", "status": "created"}
    )
    retry = client.get(reverse("payments:pay", args=[held.pk]))

    assert retry.status_code == 200
    assert Payment.objects.get().order_id == "order_Retry0000001"


def test_the_sdk_is_given_a_request_timeout(razorpay, held, settings):
    from payments import services

    settings.RAZORPAY_TIMEOUT = 3.5
    seen = {}

    def answer(request):
        seen["timeout"] = request.req_kwargs.get("timeout")
        return order_answer(request)

    razorpay.add_callback(responses.POST, f"{RAZORPAY_API}/orders", callback=answer)

    services.payment_start(appointment=held)

    assert seen["timeout"] == 3.5


def test_the_csp_is_not_widened_on_other_pages_or_with_the_fake_gateway(client_for, payer, held):
    response = client_for(payer).get(reverse("payments:pay", args=[held.pk]))

    assert response.status_code == 200
    assert "razorpay.com" not in response["Content-Security-Policy"]
    assert "checkout.js" not in response.content.decode()
