"""Money for online consults: one Payment per Razorpay order, its Refunds, and
every webhook delivery as it arrived. Amounts are integer paise."""

from django.db import models
from django.utils import timezone

from appointments.models import Appointment


class Payment(models.Model):
    """One gateway order for one appointment's hold, and what became of it.

    The amount and currency come from the appointment's fee when the order is
    made, never from a request. The status only moves forward (see RANK).
    """

    class Status(models.TextChoices):
        CREATED = "CREATED", "Created"
        AUTHORIZED = "AUTHORIZED", "Authorised"
        CAPTURED = "CAPTURED", "Paid"
        FAILED = "FAILED", "Failed"

    class Gateway(models.TextChoices):
        RAZORPAY = "razorpay", "Razorpay"
        FAKE = "fake", "Offline test gateway"

    # Forward only: a late `payment.failed` never undoes a capture, while a
    # failed attempt may still be authorised or captured (UPI retries).
    RANK = {Status.CREATED: 0, Status.FAILED: 1, Status.AUTHORIZED: 2, Status.CAPTURED: 3}

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=10, choices=Gateway.choices)
    receipt = models.CharField("our receipt id", max_length=40, unique=True)
    order_id = models.CharField("gateway order id", max_length=64, unique=True)
    payment_id = models.CharField("gateway payment id", max_length=64, blank=True, db_index=True)
    amount = models.PositiveIntegerField("amount (paise)")
    currency = models.CharField(max_length=3, default="INR")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED, db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    captured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The admin analytics page reads today's captured money live.
        indexes = [models.Index(fields=["captured_at"])]

    def __str__(self):
        return f"{self.receipt} ({self.get_status_display()})"

    def may_become(self, status) -> bool:
        return self.RANK[status] > self.RANK[self.status]

    @property
    def refunded(self) -> int:
        """Paise refunded or on their way back (failed refunds given up on excluded)."""
        return sum(r.amount for r in self.refunds.all() if r.status != Refund.Status.FAILED)


class Refund(models.Model):
    """Money going back for one payment. Written first, then sent to the gateway
    after commit with `idempotency_key`, so a retried call refunds once."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        PROCESSED = "PROCESSED", "Processed"
        FAILED = "FAILED", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField("amount (paise)")
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    razorpay_refund_id = models.CharField("gateway refund id", max_length=64, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField("calls to the gateway", default=0)
    failures = models.PositiveSmallIntegerField("refunds the gateway failed", default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The admin analytics page reads today's refunded money live.
        indexes = [models.Index(fields=["processed_at"])]

    def __str__(self):
        return f"Refund of {self.amount} paise for {self.payment.receipt} ({self.get_status_display()})"


class WebhookEvent(models.Model):
    """One webhook delivery, stored before anything else happens. The event id
    is unique, so a replayed delivery changes nothing. Deliveries with a bad
    signature are kept for the record without an id: they cannot block a real one."""

    event_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    event = models.CharField(max_length=64, blank=True, db_index=True)
    body = models.TextField()
    signature_valid = models.BooleanField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event or 'unknown'} {self.event_id or '(unsigned)'}"

    @classmethod
    def failed(cls) -> models.Q:
        """Deliveries that changed nothing and need a look: a bad signature, or
        an error while applying (services.webhook_receive writes these outcomes)."""
        return models.Q(signature_valid=False) | models.Q(outcome__startswith="error")


# --- The offline gateway's own books (PAYMENT_GATEWAY=fake) ----------------------------


class FakeCharge(models.Model):
    """A payment made on the fake checkout page, as Razorpay would keep it."""

    order_id = models.CharField(max_length=64, db_index=True)
    payment_id = models.CharField(max_length=64, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12)  # Razorpay's words: captured, failed
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.payment_id} ({self.status})"

    def as_entity(self) -> dict:
        return {
            "id": self.payment_id,
            "entity": "payment",
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "order_id": self.order_id,
            "captured": self.status == "captured",
            "error_description": self.error or None,
            "created_at": int(self.created_at.timestamp()),
        }


class FakeWebhook(models.Model):
    """A signed webhook the fake gateway will deliver to our own endpoint."""

    event_id = models.CharField(max_length=100)
    signature = models.CharField(max_length=128)
    body = models.TextField()
    deliver_after = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["deliver_after", "pk"]

    def __str__(self):
        return self.event_id
