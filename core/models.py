from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditLog(models.Model):
    """Who did or read what, when. Rows are written once and never changed.

    Covers reads of another person's medical data and private files (allowed
    or denied) and decisions such as doctor verification. On PostgreSQL a
    trigger refuses UPDATE and DELETE as well, so not even raw SQL rewrites it.
    """

    class Outcome(models.TextChoices):
        ALLOWED = "ALLOWED", "Allowed"
        DENIED = "DENIED", "Denied"

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for anonymous requests and for the system itself.",
    )
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.ALLOWED)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person whose data this is about.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr} ({self.outcome})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class Notification(models.Model):
    """One message to one person: shown in the app and, through the outbox, emailed.

    The row is written in the same transaction as the change that causes it;
    the email is tried after commit and retried by `send_notifications` until
    it goes out or runs out of attempts. `send_after` delays both (reminders),
    and `key` makes a notification unique per subject and kind.
    """

    class EmailStatus(models.TextChoices):
        NONE = "NONE", "No email"
        PENDING = "PENDING", "Pending"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(max_length=8, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_subject = models.CharField(max_length=200, blank=True)
    email_text = models.TextField(blank=True)
    email_html = models.TextField(blank=True)
    email_attachment_name = models.CharField(max_length=100, blank=True)
    email_attachment_type = models.CharField(max_length=100, blank=True)
    email_attachment = models.TextField(blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(default=timezone.now)
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-send_after", "-id"]
        indexes = [
            models.Index(fields=["user", "-send_after"], name="core_notif_user_recent"),
            models.Index(
                fields=["email_next_attempt_at"],
                condition=models.Q(email_status="PENDING"),
                name="core_notif_email_due",
            ),
        ]

    def __str__(self):
        return f"{self.title} → {self.user}"

    @property
    def is_read(self):
        return self.read_at is not None


class EmailAttempt(models.Model):
    """One try at emailing a notification, kept so failures can be diagnosed."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self):
        return f"{'sent' if self.succeeded else 'failed'} at {self.attempted_at:%Y-%m-%d %H:%M}"
