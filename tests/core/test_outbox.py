"""The notification outbox: written with the change, emailed after commit, retried by the command."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from core.models import EmailAttempt, Notification
from core.notifications import deliver_email, notify

pytestmark = pytest.mark.django_db


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server is down")


class SlowBackend(EmailBackend):
    """Sends, but slowly, so two runs overlap."""

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)


def test_notify_emails_after_commit_only(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            user=patient,
            kind="test",
            title="Your booking is confirmed",
            body="See you soon.",
            url="/patient/",
        )
        assert mail.outbox == []

    notification = Notification.objects.get()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your booking is confirmed"
    assert message.to == [patient.email]
    assert "See you soon." in message.body
    assert "http://127.0.0.1:8000/patient/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert notification.attempts.get().succeeded


def test_notify_inside_rolled_back_transaction_leaves_nothing(patient, django_capture_on_commit_callbacks):
    def change_that_fails():
        with transaction.atomic():
            notify(user=patient, kind="test", title="Never")
            raise RuntimeError("the change failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        change_that_fails()

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_failing_email_stays_pending_and_the_command_delivers_later(
    patient, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.core.test_outbox.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=patient, kind="test", title="Reminder")

    notification = Notification.objects.get()
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert notification.email_attempts == 1
    assert "SMTP server is down" in notification.attempts.get().error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_notifications", verbosity=0)
    assert mail.outbox == []  # the retry waits for its back-off

    Notification.objects.update(email_next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_notifications", verbosity=0)

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1
    assert [a.succeeded for a in notification.attempts.order_by("id")] == [False, True]


def test_email_gives_up_after_max_attempts(patient, settings):
    settings.EMAIL_BACKEND = "tests.core.test_outbox.FailingBackend"
    notify(user=patient, kind="test", title="x")
    notification = Notification.objects.get()

    for _ in range(8):
        Notification.objects.update(email_next_attempt_at=timezone.now())
        deliver_email(notification.pk)

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.FAILED
    assert EmailAttempt.objects.count() == 8


def test_scheduled_notification_waits_for_its_time(patient, client_for):
    notify(user=patient, kind="reminder", title="Tomorrow", send_after=timezone.now() + timedelta(hours=1))

    call_command("send_notifications", verbosity=0)
    page = client_for(patient).get("/notifications/").content.decode()

    assert mail.outbox == []
    assert "Tomorrow" not in page


def test_same_key_notifies_once(patient):
    first = notify(user=patient, kind="reminder", title="x", key="appointment:1:24h")
    second = notify(user=patient, kind="reminder", title="x", key="appointment:1:24h")

    assert first.pk == second.pk
    assert Notification.objects.count() == 1


def test_a_claimed_email_is_not_sent_by_a_second_caller(patient):
    notify(user=patient, kind="test", title="Once")
    notification = Notification.objects.get()
    Notification.objects.update(email_claimed_until=timezone.now() + timedelta(minutes=1))

    assert deliver_email(notification.pk) is False
    assert mail.outbox == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_send_each_email_once(patient, settings):
    settings.EMAIL_BACKEND = "tests.core.test_outbox.SlowBackend"
    for n in range(5):
        notify(user=patient, kind="test", title=f"Message {n}")
    errors = []

    def run():
        try:
            call_command("send_notifications", verbosity=0)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(m.subject for m in mail.outbox) == [f"Message {n}" for n in range(5)]
    assert EmailAttempt.objects.count() == 5
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"SENT"}
