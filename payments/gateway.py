"""The payment gateway: Razorpay through its official SDK, or the offline fake.

Both sign exactly as Razorpay does (HMAC-SHA256 with the key secret for the
checkout callback, with the webhook secret over the raw webhook body), and
both are checked the same way (the payment signature by the SDK's `utility`,
the webhook's by an HMAC over the raw bytes), so every code path but the HTTP
call to Razorpay runs in development and in tests.
"""

import hashlib
import hmac
import json
import logging
import secrets
from datetime import timedelta

import razorpay
import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from razorpay.errors import SignatureVerificationError

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """The gateway did not answer, or refused; the caller keeps state and retries."""


class GatewayRefused(GatewayError):
    """The gateway answered and said no (a 400: already refunded, amount too high,
    never captured): asking again the same way will not change its answer."""


class _TimeoutSession(requests.Session):
    """Every SDK call waits at most RAZORPAY_TIMEOUT seconds: a hanging Razorpay
    must not hold a patient's page (or a webhook worker) for long."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.RAZORPAY_TIMEOUT)
        return super().request(*args, **kwargs)


def sdk_client() -> razorpay.Client:
    return razorpay.Client(
        session=_TimeoutSession(), auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET)
    )


# --- Signatures (the same for both gateways) --------------------------------------------


def sign(message: bytes | str, secret: str) -> str:
    if isinstance(message, str):
        message = message.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def payment_signature_valid(*, order_id: str, payment_id: str, signature: str) -> bool:
    """The checkout callback's signature, checked against `order_id` (ours, never the posted one)."""
    try:
        sdk_client().utility.verify_payment_signature(
            {
                "razorpay_order_id": order_id,
                "razorpay_payment_id": payment_id,
                "razorpay_signature": signature,
            }
        )
    except (SignatureVerificationError, TypeError):
        return False
    return True


def webhook_signature_valid(body: bytes, signature: str | None) -> bool:
    """`X-Razorpay-Signature` over the raw bytes received, with the webhook secret.

    The HMAC is computed over `body` exactly as it arrived: decoding it first
    (replacing bytes that are not UTF-8) would check a different message.
    """
    if not signature:
        return False
    try:
        return hmac.compare_digest(sign(body, settings.RAZORPAY_WEBHOOK_SECRET), signature)
    except TypeError:  # a header that is not ASCII
        return False


# --- Razorpay --------------------------------------------------------------------------


def _call(what, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except (requests.RequestException, razorpay.errors.ServerError, razorpay.errors.GatewayError) as error:
        logger.warning("Razorpay %s failed: %s", what, error)
        raise GatewayError(f"Razorpay did not answer ({what}).") from error
    except razorpay.errors.BadRequestError as error:
        logger.error("Razorpay refused %s: %s", what, error)
        raise GatewayRefused(f"Razorpay refused {what}: {error}") from error


class RazorpayGateway:
    name = "razorpay"

    def create_order(self, *, amount: int, currency: str, receipt: str, notes: dict) -> dict:
        data = {
            "amount": amount,
            "currency": currency,
            "receipt": receipt,
            "notes": notes,
            # Captured automatically; an authorised payment not captured within
            # 12 minutes (Razorpay's minimum) is left to Razorpay to refund.
            "payment": {"capture": "automatic", "capture_options": {"automatic_expiry_period": 12}},
        }
        return _call("order creation", sdk_client().order.create, data)

    def order_payments(self, order_id: str) -> list[dict]:
        answer = _call("order payments", sdk_client().order.payments, order_id)
        return answer.get("items", [])

    def fetch_refund(self, *, payment_id: str, refund_id: str) -> dict:
        return _call("refund fetch", sdk_client().payment.fetch_refund_id, payment_id, refund_id)

    def refund(self, *, payment_id: str, amount: int, idempotency_key: str, receipt: str) -> dict:
        # The options as a dict: the SDK's positional integer form sends the wrong body.
        return _call(
            "refund",
            sdk_client().payment.refund,
            payment_id,
            {"amount": amount, "speed": "normal", "receipt": receipt},
            headers={"X-Refund-Idempotency": idempotency_key},
        )


# --- The offline fake -------------------------------------------------------------------


def _fake_id(prefix: str) -> str:
    return f"{prefix}_fake{secrets.token_hex(7)}"


class FakeGateway:
    """Razorpay's behaviour without Razorpay: orders and payments in our own
    tables (FakeCharge), signatures with the configured secrets, and webhooks
    queued (FakeWebhook) for `deliver_fake_webhooks` to post to our endpoint."""

    name = "fake"

    def create_order(self, *, amount: int, currency: str, receipt: str, notes: dict) -> dict:
        return {
            "id": _fake_id("order"),
            "entity": "order",
            "amount": amount,
            "currency": currency,
            "receipt": receipt,
            "status": "created",
        }

    def order_payments(self, order_id: str) -> list[dict]:
        from payments.models import FakeCharge

        return [charge.as_entity() for charge in FakeCharge.objects.filter(order_id=order_id).order_by("pk")]

    def refund(self, *, payment_id: str, amount: int, idempotency_key: str, receipt: str) -> dict:
        # Razorpay answers "pending" and settles with a webhook later; so does the fake.
        refund_id = "rfnd_fake" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:14]
        entity = {
            "id": refund_id,
            "entity": "refund",
            "amount": amount,
            "currency": "INR",
            "payment_id": payment_id,
            "receipt": receipt,
            "status": "processed",
        }
        transaction.on_commit(lambda: queue_webhook("refund.processed", {"refund": {"entity": entity}}))
        return {**entity, "status": "pending"}

    def fetch_refund(self, *, payment_id: str, refund_id: str) -> dict:
        return {"id": refund_id, "entity": "refund", "payment_id": payment_id, "status": "processed"}

    # The fake checkout page's buttons.

    def pay(
        self, *, order_id: str, amount: int, currency: str, succeed: bool, duplicates=False, reverse=False
    ):
        """A payment attempt on `order_id`: returns the fields Razorpay's checkout
        posts to the callback on success (None on failure), and queues the
        webhooks Razorpay would send (twice each, or in reverse order, on request)."""
        from payments.models import FakeCharge

        charge = FakeCharge.objects.create(
            order_id=order_id,
            payment_id=_fake_id("pay"),
            amount=amount,
            currency=currency,
            status="captured" if succeed else "failed",
            error="" if succeed else "Payment failed at the fake checkout.",
        )
        entity = charge.as_entity()
        if succeed:
            order = {
                "id": order_id,
                "entity": "order",
                "amount": amount,
                "amount_paid": amount,
                "status": "paid",
            }
            events = [
                (
                    "payment.authorized",
                    {"payment": {"entity": {**entity, "status": "authorized", "captured": False}}},
                ),
                ("payment.captured", {"payment": {"entity": entity}}),
                ("order.paid", {"payment": {"entity": entity}, "order": {"entity": order}}),
            ]
        else:
            events = [("payment.failed", {"payment": {"entity": entity}})]
        if reverse:
            events.reverse()
        for event, payload in events:
            for _ in range(2 if duplicates else 1):
                queue_webhook(event, payload, event_id=f"evt_{charge.payment_id}_{event}")
        if not succeed:
            return None
        return {
            "razorpay_order_id": order_id,
            "razorpay_payment_id": charge.payment_id,
            "razorpay_signature": sign(f"{order_id}|{charge.payment_id}", settings.RAZORPAY_KEY_SECRET),
        }


def queue_webhook(event: str, payload: dict, *, event_id: str | None = None, delay_seconds: int = 0):
    """Queue a webhook signed with the webhook secret, as Razorpay would send it."""
    from payments.models import FakeWebhook

    body = json.dumps(
        {
            "entity": "event",
            "account_id": "acc_fake",
            "event": event,
            "contains": list(payload),
            "payload": payload,
            "created_at": int(timezone.now().timestamp()),
        }
    )
    return FakeWebhook.objects.create(
        event_id=event_id or _fake_id("evt"),
        signature=sign(body, settings.RAZORPAY_WEBHOOK_SECRET),
        body=body,
        deliver_after=timezone.now() + timedelta(seconds=delay_seconds),
    )


def gateway():
    """The gateway the settings choose (settings refuse the fake in production)."""
    return FakeGateway() if settings.PAYMENT_GATEWAY == "fake" else RazorpayGateway()
