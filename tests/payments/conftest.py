"""Payments test helpers: a held online consult, its order, and Razorpay's
webhooks built from its documented example bodies, signed as Razorpay signs."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from appointments import services as appointment_services
from appointments.selectors import free_slots_for_doctor
from payments import services
from payments.gateway import sign
from profiles.models import Mode
from tests.factories import PatientFactory, bookable_doctor

FIXTURES = Path(__file__).parent / "fixtures"
RAZORPAY_API = "https://api.razorpay.com/v1"


@pytest.fixture
def online_doctor(db):
    return bookable_doctor(full_name="Dr. Asha Rao", registration_number="MMC-2008-12345")


@pytest.fixture
def payer(db):
    return PatientFactory(full_name="Priya Nair", email="priya.payer@example.com")


def online_slot(doctor, index=0):
    start = timezone.now() + timedelta(days=1)
    return free_slots_for_doctor(
        doctor, window_start=start, window_end=start + timedelta(days=3), mode=Mode.ONLINE
    )[index]


@pytest.fixture
def held(online_doctor, payer):
    slot = online_slot(online_doctor)
    return appointment_services.appointment_book(
        patient=payer, doctor=online_doctor, start=slot.start, mode=Mode.ONLINE, reason="Rash on the arm"
    )


@pytest.fixture
def payment(held):
    """The order for the hold, made by the (fake) gateway the tests run with."""
    return services.payment_start(appointment=held)


def event_body(
    name, *, payment=None, payment_id="pay_Test000001", amount=None, currency=None, refund=None, **fields
):
    """Razorpay's example body for `name`, pointed at our payment (and refund)."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    entity = data["payload"].get("payment", {}).get("entity")
    if entity is not None and payment is not None:
        entity.update(
            order_id=payment.order_id,
            id=payment_id,
            amount=payment.amount if amount is None else amount,
            currency=currency or payment.currency,
            **fields,
        )
    if "order" in data["payload"] and payment is not None:
        data["payload"]["order"]["entity"].update(
            id=payment.order_id, amount=payment.amount, amount_paid=payment.amount
        )
    if refund is not None:
        data["payload"]["refund"]["entity"].update(
            id=refund.razorpay_refund_id, amount=refund.amount, payment_id=refund.payment.payment_id
        )
    return json.dumps(data).encode()


def post_webhook(client, body: bytes, *, event_id="evt_1", signature=None):
    headers = {"HTTP_X_RAZORPAY_EVENT_ID": event_id}
    signature = sign(body, settings.RAZORPAY_WEBHOOK_SECRET) if signature is None else signature
    if signature:
        headers["HTTP_X_RAZORPAY_SIGNATURE"] = signature
    return client.post(reverse("payments:webhook"), data=body, content_type="application/json", **headers)


def checkout_fields(payment, payment_id="pay_Test000001", *, order_id=None):
    """What Razorpay's checkout hands the page on success, signed with the key secret."""
    order_id = order_id or payment.order_id
    return {
        "razorpay_order_id": order_id,
        "razorpay_payment_id": payment_id,
        "razorpay_signature": sign(f"{order_id}|{payment_id}", settings.RAZORPAY_KEY_SECRET),
    }
