"""Orders, the checkout callback, webhooks, refunds and reconciliation.

One forward-only state machine per Payment is fed by three sources that may
arrive in any order, twice, or at the same moment: the browser's callback,
Razorpay's webhooks, and the reconciliation's fetches. Each locks the Payment
row first (then, through appointments.services, the appointment), so a capture
is acted on exactly once: the appointment confirmed, or the money refunded.

Gateway calls never happen inside a webhook request; refunds are written as
rows and sent to the gateway after commit (or by `reconcile_payments`).
"""

import hashlib
import json
import logging
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from appointments.refund_policy import refund_due
from core.notifications import emails_deferred, notify
from core.templatetags import ui
from payments.gateway import (
    GatewayError,
    GatewayRefused,
    gateway,
    payment_signature_valid,
    webhook_signature_valid,
)
from payments.models import FakeWebhook, Payment, Refund, WebhookEvent

logger = logging.getLogger(__name__)
PaymentState = Appointment.PaymentState

# An order still unpaid this long after it was made is asked about (reconcile).
STALE_ORDER = timedelta(minutes=15)
# Orders older than this are no longer asked about. A payment is captured within
# 12 minutes of its authorisation (the order's automatic_expiry_period) or never:
# Razorpay then refunds it by itself, and an hour leaves room for a late
# authorisation plus a few reconcile runs, without asking Razorpay about every
# abandoned order for days (each one a gateway call every 5 minutes).
ORDER_HORIZON = timedelta(hours=1)
# A refund the gateway accepted but no webhook has settled after this long is asked about.
UNSETTLED_REFUND = timedelta(hours=6)
# After this many `refund.failed`, a refund is left FAILED for staff to handle.
MAX_REFUND_FAILURES = 3


class PaymentError(Exception):
    """Something the patient should be told; the message is for them."""


class GatewayUnavailable(PaymentError):
    pass


def rupees(paise: int) -> str:
    return f"₹{ui.rupees(paise)}"


# --- Checkout ------------------------------------------------------------------------------


def _new_receipt(appointment) -> str:
    return f"mc-{appointment.pk}-{secrets.token_hex(6)}"  # well under Razorpay's 40 characters


def payment_start(*, appointment, now=None) -> Payment:
    """The gateway order for this appointment's hold, made once.

    A second click (or a retry after the page reloads) returns the same order,
    so one hold never has two orders the patient could both pay. The amount is
    the appointment's fee, in paise. If the gateway does not answer, nothing is
    stored, the hold stays, and GatewayUnavailable lets the page offer a retry.

    Side effects: one order created at the gateway.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The appointment's row lock makes two clicks wait for each other, so the
        # second finds the first one's order instead of making another; it is
        # held for at most RAZORPAY_TIMEOUT while the gateway answers.
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("doctor")
            .get(pk=appointment.pk)
        )
        if appointment.status_at(now) != Appointment.Status.PENDING_PAYMENT:
            raise PaymentError("This booking is no longer waiting for payment.")
        existing = appointment.payments.exclude(status=Payment.Status.CAPTURED).order_by("-pk").first()
        if existing is not None:
            return existing
        receipt = _new_receipt(appointment)
        try:
            order = gateway().create_order(
                amount=appointment.fee,
                currency="INR",
                receipt=receipt,
                notes={"appointment": str(appointment.pk)},
            )
        except GatewayError as error:
            logger.error(
                "Payment order for appointment %s not created: the gateway did not answer",
                appointment.pk,
                extra={"event": "payment.order_failed", "appointment_id": appointment.pk},
            )
            raise GatewayUnavailable(
                "The payment service is not answering right now. Your slot is still held: please try again."
            ) from error
        return Payment.objects.create(
            appointment=appointment,
            gateway=gateway().name,
            receipt=receipt,
            order_id=order["id"],
            amount=appointment.fee,
            currency="INR",
            created_at=now,
        )


def payment_callback(*, payment, order_id, payment_id, signature, now=None) -> str:
    """The checkout's success handler posted here: verify and settle.

    The signature is checked against the order id we stored for this payment,
    never the one posted, with the key secret. A good one records the capture
    and confirms the appointment in one transaction (or refunds, when the
    appointment can no longer take it). Raises PaymentError on a bad signature.

    Side effects: as `_settle`.
    """
    if not payment_signature_valid(order_id=payment.order_id, payment_id=payment_id, signature=signature):
        logger.error(
            "Checkout callback with a bad signature for payment %s",
            payment.pk,
            extra={
                "event": "payment.callback_rejected",
                "payment_pk": payment.pk,
                "order_id": payment.order_id,
                "appointment_id": payment.appointment_id,
            },
        )
        raise PaymentError(
            "We could not verify this payment. If money left your account, it will be refunded."
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        return _apply(
            locked,
            status="captured",
            payment_id=payment_id,
            amount=locked.amount,
            currency=locked.currency,
            now=now or timezone.now(),
        )


# --- The one state machine -------------------------------------------------------------------

GATEWAY_STATUS = {
    "created": Payment.Status.CREATED,
    "authorized": Payment.Status.AUTHORIZED,
    "captured": Payment.Status.CAPTURED,
    "failed": Payment.Status.FAILED,
    # Razorpay's "refunded" with `captured` false (see _entity_status): authorised
    # too late, never captured, given back by Razorpay itself. Never paid, and final.
    "returned": Payment.Status.FAILED,
}

RETURNED_UNCAPTURED = "Authorised after the capture window and never captured; Razorpay returned the money."


def _entity_status(entity) -> str:
    """The state machine's word for a Razorpay payment entity.

    Paid means `captured` is true and the status captured or refunded (refunded
    after capture: it was paid). "refunded" with `captured` false is a late
    authorisation Razorpay gave back by itself: recorded, never settled nor
    refunded by us. A "captured" status without the flag is not trusted as paid.
    """
    status = entity.get("status", "")
    if status in ("captured", "refunded"):
        if entity.get("captured") is True:
            return "captured"
        if status == "refunded":
            return "returned"
        logger.error("Payment %s says captured but its captured flag is not true", entity.get("id"))
        return "authorized"
    return status


def _apply(payment, *, status, payment_id, amount, currency, error="", now) -> str:
    """Move the locked `payment` forward to the gateway's `status`; returns what happened.

    A capture (callback, webhook or fetch) settles the appointment exactly once.
    An amount or currency that is not ours never confirms anything.
    """
    target = GATEWAY_STATUS.get(status)
    if target is None:
        return f"ignored status {status}"
    returned = status == "returned"
    # Returned uncaptured is final and non-paying: it overrides an authorisation,
    # never a capture, and only another capture on the order moves it on.
    final = payment.status == Payment.Status.FAILED and payment.failure_reason == RETURNED_UNCAPTURED
    if returned:
        if payment.status == Payment.Status.CAPTURED or final:
            return f"no change ({payment.status} stays)"
        error = RETURNED_UNCAPTURED
    elif not payment.may_become(target) or (final and target != Payment.Status.CAPTURED):
        return f"no change ({payment.status} stays)"
    if target != Payment.Status.FAILED and (amount != payment.amount or currency != payment.currency):
        logger.error(
            "Payment %s for order %s: gateway says %s %s, our record %s %s; not confirmed",
            payment_id,
            payment.order_id,
            amount,
            currency,
            payment.amount,
            payment.currency,
        )
        return "amount or currency mismatch: not confirmed"
    payment.status = target
    payment.payment_id = payment_id or payment.payment_id
    fields = ["status", "payment_id", "updated_at"]
    if target == Payment.Status.FAILED:
        payment.failure_reason = (error or "Payment failed")[:500]
        fields.append("failure_reason")
        if not returned:
            logger.error(
                "Payment %s for order %s failed: %s",
                payment_id,
                payment.order_id,
                payment.failure_reason,
                extra={
                    "event": "payment.failed",
                    "payment_pk": payment.pk,
                    "order_id": payment.order_id,
                    "appointment_id": payment.appointment_id,
                    "amount_paise": payment.amount,
                },
            )
    if target == Payment.Status.CAPTURED:
        payment.captured_at = now
        fields.append("captured_at")
    payment.save(update_fields=fields)
    if target == Payment.Status.CAPTURED:
        return _settle(payment, now=now)
    if returned:
        logger.warning("Payment %s for order %s: %s", payment_id, payment.order_id, RETURNED_UNCAPTURED)
        return "returned by Razorpay uncaptured: nothing settled"
    return f"now {target}"


def _settle(payment, *, now) -> str:
    """A capture, recorded just now: confirm its appointment, or give the money back.

    Side effects: the confirmation (appointments.services); or a full Refund,
    the patient told why, and the refund sent after commit.
    """
    try:
        appointment_services.appointment_confirm_payment(
            appointment=payment.appointment, payment_ref=payment.payment_id, now=now
        )
    except appointment_services.BookingError as refusal:
        _refund_create(payment, amount=payment.amount, reason=str(refusal), now=now)
        return f"refunded in full: {refusal}"
    return "confirmed"


# --- Webhooks ------------------------------------------------------------------------------

# Inside a webhook request nothing calls the gateway (Razorpay gives us 5 seconds):
# refunds created there are sent by the next reconcile run.
_in_webhook = ContextVar("in_webhook", default=False)


@contextmanager
def _webhook_request():
    token = _in_webhook.set(True)
    try:
        yield
    finally:
        _in_webhook.reset(token)


# A delivery with a bad signature is kept for the record, but only its start:
# anyone can post here, and must not be able to write megabytes per request.
UNSIGNED_BODY_KEPT = 2000


def _storable(text: str) -> str:
    """PostgreSQL's text columns refuse NUL characters (DataError): drop them."""
    return text.replace("\x00", "")


def webhook_receive(*, body: bytes, signature: str | None, event_id: str | None, now=None) -> int:
    """Verify, store and act on one webhook delivery; returns the HTTP status.

    400 for a bad or missing signature (nothing changes but a log row keeping
    the body's first UNSIGNED_BODY_KEPT characters); 200 for every validly
    signed delivery, including replays (the stored event id makes them no-ops),
    unknown events and orders we do not know (logged). A transient database
    error rolls everything back and answers 500, so Razorpay retries; any other
    error in a handler would fail the same way on every retry (and Razorpay
    disables the webhook after 24 hours of failures), so it is logged at error
    level, the event stored with an "error" outcome, and answered 200: the
    reconciliation repairs what the handler left undone.

    Side effects: as the handlers'; never a gateway call or an email inside the request.
    """
    now = now or timezone.now()
    text = _storable(body.decode("utf-8", errors="replace"))
    if not webhook_signature_valid(body, signature):
        logger.error(
            "Webhook rejected: bad or missing signature (claimed event id %s)",
            _storable(event_id or "-")[:100],
            extra={
                "event": "webhook.rejected",
                "claimed_event_id": _storable(event_id or "")[:100] or None,
                "signed": bool(signature),
                "size_bytes": len(body),
            },
        )
        WebhookEvent.objects.create(
            event_id=None,
            event="",
            body=text[:UNSIGNED_BODY_KEPT],
            signature_valid=False,
            received_at=now,
            outcome=_storable(f"rejected: bad or missing signature (claimed id {event_id or '-'})")[:300],
        )
        return 400
    # Razorpay always sends an event id; without one, the body itself identifies
    # the delivery, so a replay is still recognised.
    event_id = _storable(event_id or "") or "sha256:" + hashlib.sha256(body).hexdigest()[:64]
    try:
        data = json.loads(text)
        name = _storable(str(data.get("event", "")))
    except (ValueError, AttributeError):
        data, name = None, ""
    try:
        return _webhook_handle(data, name=name, text=text, event_id=event_id, now=now)
    except (OperationalError, InterfaceError):
        raise  # transient: 500, and Razorpay delivers it again
    except Exception as error:
        logger.exception(
            "Webhook %s (%s) failed in its handler; answered 200, left to reconcile", event_id, name
        )
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    event_id=event_id[:100],
                    event=name[:64],
                    body=text,
                    signature_valid=True,
                    received_at=now,
                    processed_at=timezone.now(),
                    outcome=f"error: {type(error).__name__}: {error}"[:300],
                )
        except IntegrityError:
            pass  # another delivery of the same event got stored meanwhile
        return 200


def _webhook_handle(data, *, name, text, event_id, now) -> int:
    with emails_deferred(), transaction.atomic(), _webhook_request():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    event_id=event_id[:100],
                    event=name[:64],
                    body=text,
                    signature_valid=True,
                    received_at=now,
                )
        except IntegrityError:
            logger.info("Webhook %s replayed; already handled", event_id)
            return 200
        handler = HANDLERS.get(name)
        if data is None:
            outcome = "unreadable body"
            logger.error(
                "Signed webhook %s with an unreadable body",
                event_id,
                extra={"event": "webhook.unreadable", "webhook_event_id": event_id},
            )
        elif handler is None:
            outcome = "ignored: unhandled event"
            logger.info("Webhook %s: event %s not handled", event_id, name)
        else:
            outcome = handler(data.get("payload") or {}, now=now)
        record.outcome = outcome[:300]
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "processed_at"])
    return 200


def _payment_event(payload, *, now) -> str:
    entity = (payload.get("payment") or {}).get("entity") or {}
    return _apply_entity(entity, now=now)


def _apply_entity(entity, *, now) -> str:
    """A Razorpay payment entity (from a webhook or a fetch) applied to our Payment."""
    order_id = entity.get("order_id")
    payment = Payment.objects.select_for_update().filter(order_id=order_id).first() if order_id else None
    if payment is None:
        logger.warning("Payment %s for an order we do not know: %s", entity.get("id"), order_id)
        return f"unknown order {order_id}"
    return _apply(
        payment,
        status=_entity_status(entity),
        payment_id=entity.get("id", ""),
        amount=entity.get("amount"),
        currency=entity.get("currency"),
        error=entity.get("error_description") or "",
        now=now,
    )


def _refund_event(processed):
    def handle(payload, *, now) -> str:
        entity = (payload.get("refund") or {}).get("entity") or {}
        # By Razorpay's id; else by the receipt we sent (our idempotency key), for a
        # webhook that overtakes the API answer we had not stored yet.
        found = Q(razorpay_refund_id=entity.get("id"))
        if entity.get("receipt"):
            found |= Q(idempotency_key=entity["receipt"], razorpay_refund_id="")
        refund = (
            Refund.objects.select_for_update()
            .select_related("payment__appointment__patient")
            .filter(found)
            .first()
        )
        if refund is None:
            logger.warning("Refund event for a refund we do not know: %s", entity.get("id"))
            return f"unknown refund {entity.get('id')}"
        if not refund.razorpay_refund_id:
            refund.razorpay_refund_id = entity.get("id", "")
            refund.save(update_fields=["razorpay_refund_id", "updated_at"])
        if processed:
            return _refund_processed(refund, now=now)
        return _refund_failed(refund, reason=entity.get("error_description") or "refund failed", now=now)

    return handle


HANDLERS = {
    "payment.authorized": _payment_event,
    "payment.captured": _payment_event,
    "payment.failed": _payment_event,
    "order.paid": _payment_event,
    "refund.processed": _refund_event(processed=True),
    "refund.failed": _refund_event(processed=False),
}


# --- Refunds --------------------------------------------------------------------------------


def _tell_patient(payment, *, kind, title, body):
    notify(
        user=payment.appointment.patient,
        kind=kind,
        title=title,
        body=body,
        url=reverse("payments:receipt", args=[payment.pk]),
    )


def _refund_create(payment, *, amount, reason, now) -> Refund | None:
    """Write a Refund for the locked `payment` (capped at what is left), and send it after commit.

    Side effects: the appointment's payment state becomes REFUND_PENDING; the
    patient is told; after commit (outside a webhook) the gateway call.
    """
    amount = min(amount, payment.amount - payment.refunded)
    if amount <= 0:
        return None
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason[:300],
        idempotency_key=f"mc-rfnd-{payment.pk}-{secrets.token_hex(8)}",
        next_attempt_at=now,
        created_at=now,
    )
    appointment = payment.appointment
    if appointment.payment_ref in ("", payment.payment_id):
        appointment_services.appointment_set_payment_state(
            appointment=appointment, state=PaymentState.REFUND_PENDING
        )
    _tell_patient(
        payment,
        kind="payment.refund_started",
        title=f"Refund of {rupees(amount)} on its way",
        body=f"{reason} We are refunding {rupees(amount)} to your original payment method; "
        "banks usually take 5-7 working days.",
    )
    if not _in_webhook.get():
        transaction.on_commit(lambda: refund_submit(refund.pk), robust=True)
    return refund


def refund_submit(pk, *, now=None) -> bool:
    """Ask the gateway to make one pending refund; True when it accepted.

    The idempotency key makes a repeated call (a retry after a timeout whose
    request did arrive) refund once. A failure is recorded and retried later
    by `reconcile_payments` with a growing pause; a refusal (GatewayRefused)
    counts as a failed refund, so after MAX_REFUND_FAILURES it is left FAILED
    for staff, logged at error level, and the patient told (_refund_failed).
    """
    now = now or timezone.now()
    refund = Refund.objects.select_related("payment").get(pk=pk)
    if refund.status != Refund.Status.PENDING or refund.razorpay_refund_id:
        return False
    try:
        answer = gateway().refund(
            payment_id=refund.payment.payment_id,
            amount=refund.amount,
            idempotency_key=refund.idempotency_key,
            receipt=refund.idempotency_key[:40],
        )
    except GatewayRefused as error:
        # A refusal (already refunded, amount too high, never captured) will not
        # change by asking again: counted like a `refund.failed`, so after a few
        # it is left FAILED for staff and the patient is told.
        with transaction.atomic():
            refund = Refund.objects.select_for_update().select_related("payment__appointment").get(pk=pk)
            refund.attempts += 1
            refund.save(update_fields=["attempts", "updated_at"])
            _refund_failed(refund, reason=str(error), now=now)
            if refund.status == Refund.Status.PENDING:
                refund.next_attempt_at = now + timedelta(minutes=min(2**refund.attempts, 60))
                refund.save(update_fields=["next_attempt_at", "updated_at"])
        return False
    except GatewayError as error:
        attempts = refund.attempts + 1
        Refund.objects.filter(pk=pk).update(
            attempts=attempts,
            last_error=str(error)[:500],
            next_attempt_at=now + timedelta(minutes=min(2**attempts, 60)),
            updated_at=now,
        )
        return False
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment__appointment").get(pk=pk)
        refund.attempts += 1
        refund.razorpay_refund_id = answer.get("id", "")
        refund.last_error = ""
        refund.next_attempt_at = None
        refund.save(
            update_fields=["attempts", "razorpay_refund_id", "last_error", "next_attempt_at", "updated_at"]
        )
        if answer.get("status") == "processed":
            _refund_processed(refund, now=now)
    return True


def _refund_processed(refund, *, now) -> str:
    if refund.status == Refund.Status.PROCESSED:
        return "refund already processed"
    refund.status = Refund.Status.PROCESSED
    refund.processed_at = now
    refund.save(update_fields=["status", "processed_at", "updated_at"])
    payment = refund.payment
    appointment = payment.appointment
    still_pending = Refund.objects.filter(
        payment__appointment=appointment, status=Refund.Status.PENDING
    ).exists()
    if not still_pending and appointment.payment_ref in ("", payment.payment_id):
        returned = sum(
            r.amount for r in payment.refunds.filter(status=Refund.Status.PROCESSED).only("amount")
        )
        appointment_services.appointment_set_payment_state(
            appointment=appointment,
            state=PaymentState.REFUNDED if returned >= payment.amount else PaymentState.PARTLY_REFUNDED,
        )
    _tell_patient(
        payment,
        kind="payment.refunded",
        title=f"Refund of {rupees(refund.amount)} processed",
        body=f"We have refunded {rupees(refund.amount)} for your appointment with "
        f"{appointment.doctor.display_name}. Your bank may take a few days to show it.",
    )
    return "refund processed"


def _refund_failed(refund, *, reason, now) -> str:
    """The gateway could not make the refund: try again a few times, then leave it to staff."""
    if refund.status != Refund.Status.PENDING:
        return f"no change (refund {refund.status})"
    refund.failures += 1
    refund.last_error = reason[:500]
    if refund.failures < MAX_REFUND_FAILURES:
        # A new attempt needs a new key: the old one names the refund that failed.
        refund.razorpay_refund_id = ""
        refund.idempotency_key = f"mc-rfnd-{refund.payment_id}-{secrets.token_hex(8)}"
        refund.next_attempt_at = now
        refund.save(
            update_fields=[
                "failures",
                "last_error",
                "razorpay_refund_id",
                "idempotency_key",
                "next_attempt_at",
                "updated_at",
            ]
        )
        return f"refund failed ({refund.failures}); retrying"
    refund.status = Refund.Status.FAILED
    refund.next_attempt_at = None
    refund.save(update_fields=["failures", "last_error", "status", "next_attempt_at", "updated_at"])
    logger.error(
        "Refund %s failed %s times; left for staff",
        refund.pk,
        refund.failures,
        extra={
            "event": "refund.failed",
            "refund_pk": refund.pk,
            "payment_pk": refund.payment_id,
            "amount_paise": refund.amount,
            "failures": refund.failures,
        },
    )
    _tell_patient(
        refund.payment,
        kind="payment.refund_delayed",
        title="Your refund is delayed",
        body=f"The bank could not take back {rupees(refund.amount)} automatically. "
        "Our team has been told and will complete it; you need do nothing.",
    )
    return "refund failed; left for staff"


def refund_for_cancellation(*, appointment, actor, at, now=None) -> Refund | None:
    """What the refund policy gives back for this cancellation, written once.

    Idempotent: a payment that already has a Refund gets no second one, so the
    receiver, a retry of it and the reconciliation can all call this.
    """
    now = now or timezone.now()
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("appointment__doctor", "appointment__patient")
            .filter(
                appointment_id=appointment.pk,
                status=Payment.Status.CAPTURED,
                payment_id=appointment.payment_ref,
            )
            .first()
        )
        if payment is None or payment.refunds.exists():
            return None
        amount = refund_due(payment.appointment, actor=actor, at=at)
        if amount <= 0:
            # Nothing comes back (a late cancellation by the patient): said once,
            # so the reconciliation does not ask again every run.
            if payment.appointment.payment_state == PaymentState.PAID:
                appointment_services.appointment_set_payment_state(
                    appointment=payment.appointment, state=PaymentState.KEPT
                )
            return None
        if actor is not None and actor.pk == appointment.patient_id:
            reason = "You cancelled the appointment."
        elif actor is not None and actor.pk == payment.appointment.doctor.user_id:
            reason = f"{payment.appointment.doctor.display_name} cancelled the appointment."
        elif actor is not None and actor.is_staff:
            reason = "MedConsult cancelled the appointment."
        else:
            reason = "The appointment was cancelled."
        return _refund_create(payment, amount=amount, reason=reason, now=now)


def on_appointment_cancelled(sender, appointment, **kwargs):
    """appointments' signal, after the cancellation committed: refund by policy."""
    event = appointment.events.filter(to_status=Appointment.Status.CANCELLED).order_by("-at", "-pk").first()
    refund_for_cancellation(
        appointment=appointment,
        actor=event.actor if event else None,
        at=event.at if event else timezone.now(),
    )


# --- Reconciliation ---------------------------------------------------------------------------


def _guarded(what, item, work, *args, **kwargs):
    """`work(*args, **kwargs)` for one item of a reconcile phase; an error is
    logged at error level and skipped, so one bad row never stops the others."""
    try:
        return work(*args, **kwargs)
    except Exception:
        logger.exception("Reconcile: %s %s failed; the next run tries again", what, item)
        return None


def reconcile(*, now=None) -> dict:
    """What a lost webhook or a failed receiver left undone, done now.

    The refund phases run first, so a slow or failing gateway while polling
    orders never holds back money owed; each item is done on its own (one that
    fails is logged at error level and retried by the next run).

    1. Captured payments whose appointment is cancelled or expired and that have
       no Refund: write it (policy for a paid cancellation, in full otherwise).
    2. Pending refunds the gateway has not accepted yet, when due: send them.
    3. Refunds it accepted long ago that no webhook settled: ask, and settle them.
    4. Orders still unpaid after STALE_ORDER (up to ORDER_HORIZON old): ask the
       gateway for their payments and apply them through the webhook's own code path.
    """
    now = now or timezone.now()
    counts = {"orders": 0, "refunds_created": 0, "refunds_sent": 0, "refunds_settled": 0}
    # A paid cancellation the policy refunds nothing for is marked KEPT by
    # refund_for_cancellation, so it is not examined again every run.
    unrefunded = (
        Payment.objects.filter(
            status=Payment.Status.CAPTURED,
            appointment__status__in=[Appointment.Status.CANCELLED, Appointment.Status.EXPIRED],
            refunds__isnull=True,
        )
        .exclude(appointment__payment_state=PaymentState.KEPT)
        .select_related("appointment")
    )
    for payment in unrefunded:
        refund = _guarded("missing refund for payment", payment.pk, _refund_missing, payment, now=now)
        counts["refunds_created"] += refund is not None
    due = Refund.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=Refund.Status.PENDING,
        razorpay_refund_id="",
    )
    for pk in due.values_list("pk", flat=True):
        counts["refunds_sent"] += bool(_guarded("sending refund", pk, refund_submit, pk, now=now))
    unsettled = Refund.objects.filter(
        status=Refund.Status.PENDING, updated_at__lte=now - UNSETTLED_REFUND
    ).exclude(razorpay_refund_id="")
    for refund in unsettled.select_related("payment"):
        counts["refunds_settled"] += bool(
            _guarded("settling refund", refund.pk, _refund_settle_from_gateway, refund, now=now)
        )
    stale = Payment.objects.filter(
        status__in=[Payment.Status.CREATED, Payment.Status.FAILED, Payment.Status.AUTHORIZED],
        created_at__lte=now - STALE_ORDER,
        created_at__gte=now - ORDER_HORIZON,
    )
    for payment in stale:
        counts["orders"] += bool(_guarded("polling order", payment.order_id, _poll_order, payment, now=now))
    return counts


def _refund_missing(payment, *, now) -> Refund | None:
    appointment = payment.appointment
    if appointment.status == Appointment.Status.CANCELLED and appointment.payment_ref == payment.payment_id:
        event = appointment.events.filter(to_status=Appointment.Status.CANCELLED).order_by("-at").first()
        return refund_for_cancellation(
            appointment=appointment, actor=event and event.actor, at=event.at if event else now, now=now
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.refunds.exists():
            return None
        return _refund_create(
            locked,
            amount=locked.amount,
            reason="Your payment arrived for an appointment that could not take it.",
            now=now,
        )


def _refund_settle_from_gateway(refund, *, now) -> bool:
    try:
        entity = gateway().fetch_refund(
            payment_id=refund.payment.payment_id, refund_id=refund.razorpay_refund_id
        )
    except GatewayError:
        return False
    if entity.get("status") not in ("processed", "failed"):
        return False
    with transaction.atomic():
        _refund_event(processed=entity["status"] == "processed")({"refund": {"entity": entity}}, now=now)
    return True


def _poll_order(payment, *, now) -> bool:
    try:
        entities = gateway().order_payments(payment.order_id)
    except GatewayError:
        return False
    for entity in entities:
        with transaction.atomic():
            _apply_entity(entity, now=now)
    return True


# --- The offline gateway's webhook deliveries -----------------------------------------------


def deliver_fake_webhooks(*, now=None, limit=100) -> int:
    """Post the fake gateway's queued webhooks to our own webhook code, as Razorpay
    would (the periodic loop runs this; tests call it). Returns how many went."""
    now = now or timezone.now()
    delivered = 0
    for pk in FakeWebhook.objects.filter(delivered_at__isnull=True, deliver_after__lte=now).values_list(
        "pk", flat=True
    )[:limit]:
        # Claimed with one conditional update, so two loops never deliver one twice.
        if not FakeWebhook.objects.filter(pk=pk, delivered_at__isnull=True).update(delivered_at=now):
            continue
        hook = FakeWebhook.objects.get(pk=pk)
        status = webhook_receive(body=hook.body.encode(), signature=hook.signature, event_id=hook.event_id)
        FakeWebhook.objects.filter(pk=pk).update(response_status=status)
        delivered += 1
    return delivered
