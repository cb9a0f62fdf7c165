"""The notification outbox.

`notify()` writes the in-app notification, with its email rendered, inside the
caller's transaction; after commit the email is tried once at once. Anything
not delivered then is picked up by `manage.py send_notifications` (cron, every
minute), which retries with a growing pause and records every attempt.

Two runs never send the same email: a run first *claims* a row with one
conditional UPDATE (a lease that expires, so a crashed run's rows come back),
and only the run whose UPDATE matched sends it.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import EmailAttempt, Notification
from core.text import one_line

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 8
CLAIM_SECONDS = 120

_deferred = ContextVar("emails_deferred", default=False)


@contextmanager
def emails_deferred():
    """Within this block `notify()` only queues: no email is tried after commit,
    `send_notifications` sends it at its next run. For requests that must answer
    fast whatever the mail server does (payments' webhook: 5 seconds)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def notify(
    *,
    user,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email_template: str | None = "emails/notification",
    context: dict | None = None,
    send_after=None,
    key: str | None = None,
    attachment: tuple[str, str, str] | None = None,
) -> Notification:
    """Queue one notification for `user`.

    `email_template` names a pair `<name>.txt` / `<name>.html` rendered now with
    `context` (plus user, title, body, url); None means in-app only. `key`
    makes the notification unique (a second `notify` with the same key is a
    no-op returning the first). `attachment` is (filename, content type, text),
    e.g. an .ics file.

    Side effects: after commit, one attempt to send the email.
    """
    if key is not None:
        existing = Notification.objects.filter(key=key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    notification = Notification(
        user=user,
        kind=kind,
        title=title,
        body=body,
        url=url,
        key=key,
        send_after=send_after or now,
        email_next_attempt_at=send_after or now,
    )
    if email_template and user.email:
        ctx = {"user": user, "title": title, "body": body, "url": absolute_url(url), **(context or {})}
        notification.email_subject = one_line(title)
        notification.email_text = render_to_string(f"{email_template}.txt", ctx)
        notification.email_html = render_to_string(f"{email_template}.html", ctx)
        if attachment:
            (
                notification.email_attachment_name,
                notification.email_attachment_type,
                notification.email_attachment,
            ) = attachment
    else:
        notification.email_status = Notification.EmailStatus.NONE
    notification.save()
    if (
        notification.email_status == Notification.EmailStatus.PENDING
        and notification.send_after <= now
        and not _deferred.get()
    ):
        transaction.on_commit(lambda: deliver_email(notification.pk))
    return notification


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def due_emails(now=None):
    now = now or timezone.now()
    return Notification.objects.filter(
        Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lt=now),
        email_status=Notification.EmailStatus.PENDING,
        email_next_attempt_at__lte=now,
        send_after__lte=now,
    )


def _claim(pk: int, now) -> bool:
    """Take the lease on one due row; True only for the single caller that got it."""
    claimed = due_emails(now).filter(pk=pk).update(email_claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    return claimed == 1


def deliver_email(pk: int) -> bool:
    """Try to email one notification if it is due and nobody else is on it.

    Returns True when this call sent it. A failure is recorded and the row
    stays PENDING for a later run, until MAX_EMAIL_ATTEMPTS.
    """
    now = timezone.now()
    if not _claim(pk, now):
        return False
    notification = Notification.objects.select_related("user").get(pk=pk)
    try:
        _build_message(notification).send()
    except Exception as error:
        logger.error(
            "Email for notification %s failed (attempt %s): %s",
            pk,
            notification.email_attempts + 1,
            type(error).__name__,
            extra={
                "event": "email.failed",
                "notification_id": pk,
                "kind": notification.kind,
                "recipient_user_id": notification.user_id,
                "attempt": notification.email_attempts + 1,
                "error_type": type(error).__name__,
            },
        )
        _record_failure(notification, now, error)
        return False
    with transaction.atomic():
        EmailAttempt.objects.create(notification=notification, attempted_at=now, succeeded=True)
        Notification.objects.filter(pk=pk).update(
            email_status=Notification.EmailStatus.SENT,
            email_attempts=notification.email_attempts + 1,
            email_sent_at=timezone.now(),
            email_claimed_until=None,
        )
    return True


def _record_failure(notification, now, error):
    attempts = notification.email_attempts + 1
    # 1, 2, 4, 8 ... minutes between tries, so an outage is not hammered.
    retry_at = now + timedelta(minutes=2 ** (attempts - 1))
    status = (
        Notification.EmailStatus.FAILED
        if attempts >= MAX_EMAIL_ATTEMPTS
        else Notification.EmailStatus.PENDING
    )
    with transaction.atomic():
        EmailAttempt.objects.create(
            notification=notification, attempted_at=now, succeeded=False, error=str(error)[:2000]
        )
        Notification.objects.filter(pk=notification.pk).update(
            email_status=status,
            email_attempts=attempts,
            email_next_attempt_at=retry_at,
            email_claimed_until=None,
        )


def _build_message(notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        # Made one line again at sending: a row queued before names refused line
        # breaks may hold one, and a header with a newline fails the whole email.
        subject=one_line(notification.email_subject),
        body=notification.email_text,
        to=[notification.user.email],
    )
    if notification.email_html:
        message.attach_alternative(notification.email_html, "text/html")
    if notification.email_attachment:
        message.attach(
            notification.email_attachment_name,
            notification.email_attachment,
            notification.email_attachment_type,
        )
    return message


def deliver_due_emails(limit: int = 500) -> tuple[int, int]:
    """Send what is due; returns (sent, not sent). Used by send_notifications."""
    sent = failed = 0
    for pk in due_emails().order_by("email_next_attempt_at").values_list("pk", flat=True)[:limit]:
        if deliver_email(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed


# --- Reading and marking, for the bell and the list page ----------------------


def visible_notifications(user):
    return Notification.objects.filter(user=user, send_after__lte=timezone.now())


def unread_count(user) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, user, pk=None) -> int:
    """Mark one (pk) or all of the user's visible notifications read."""
    unread = visible_notifications(user).filter(read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


def notifications_withdraw(*, key_prefix: str) -> int:
    """Remove notifications (keys starting with `key_prefix`) whose email has not
    gone out, due or not: a reminder for a time that changed or was cancelled
    must not reach anyone, even one waiting on a retry."""
    deleted, _ = (
        Notification.objects.filter(key__startswith=key_prefix)
        .exclude(email_status=Notification.EmailStatus.SENT)
        .delete()
    )
    return deleted
