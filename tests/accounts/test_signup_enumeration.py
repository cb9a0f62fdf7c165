"""Sign-up must not tell anyone whether an address already has an account
(OWASP ASVS 4.0.3, 2.x / 3.x): the same page, status and redirect either way;
the owner of a taken address learns of the attempt by email."""

import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.services import SIGNUP_NOTICE_INTERVAL
from tests.factories import PASSWORD, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

FORM = {"full_name": "Priya Nair", "email": "priya.nair@example.com", "password": "monsoon-tea-garden-7"}


def _answer(response):
    """Everything the visitor can see of the answer, including where it leads."""
    followed = response.client.get(response.url)
    # The CSRF token is masked afresh for every page; it is not part of the answer.
    page = re.sub(r"[A-Za-z0-9]{64}", "<csrf>", followed.content.decode())
    return response.status_code, response.url, followed.status_code, page


@pytest.mark.parametrize("url_name", ["accounts:signup", "accounts:signup_doctor"])
def test_signup_answer_is_the_same_for_new_and_taken_email(
    client, url_name, django_capture_on_commit_callbacks
):
    PatientFactory(email="taken@example.com", full_name="Karan Mehta")

    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(reverse(url_name), {**FORM, "email": "new@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(reverse(url_name), {**FORM, "email": "TAKEN@example.com"})

    assert _answer(new) == _answer(taken)
    assert new.url == reverse("accounts:signup_sent")
    assert "Check your email" in _answer(taken)[3]
    assert "already exists" not in _answer(taken)[3]
    # Neither visitor is logged in.
    assert client.get(reverse("dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_signup_with_taken_email_changes_nothing_and_emails_the_owner(
    client, django_capture_on_commit_callbacks
):
    owner = DoctorFactory(email="asha.rao@example.com", full_name="Dr. Asha Rao")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), {**FORM, "email": "Asha.Rao@Example.com"})

    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.role == User.Role.DOCTOR
    assert owner.check_password(PASSWORD)
    assert owner.full_name == "Dr. Asha Rao"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["asha.rao@example.com"]
    assert message.subject == "Someone tried to sign up with your email address"
    assert "Hello Dr. Asha Rao" in message.body
    assert f"{settings.SITE_URL}/accounts/login/" in message.body
    assert f"{settings.SITE_URL}/accounts/password/reset/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_signup_with_new_email_sends_verification_link_not_attempt_notice(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), FORM)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["priya.nair@example.com"]
    assert re.search(r"/accounts/verify/\S+/", mail.outbox[0].body)


def test_signup_attempt_notice_is_sent_once_per_interval(client, django_capture_on_commit_callbacks):
    PatientFactory(email="taken@example.com")
    taken = {**FORM, "email": "taken@example.com"}

    with time_machine.travel("2026-12-01 10:00 +0000", tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(reverse("accounts:signup"), taken)
            second = client.post(reverse("accounts:signup"), taken)
        assert len(mail.outbox) == 1

        traveller.shift(SIGNUP_NOTICE_INTERVAL.total_seconds() - 1)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), taken)
        assert len(mail.outbox) == 1

        traveller.shift(2)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:signup"), taken)
        assert len(mail.outbox) == 2

    # The throttle is invisible: every attempt got the same answer.
    assert first.url == second.url == reverse("accounts:signup_sent")


def test_signup_race_on_taken_email_gets_the_same_answer(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    """A parallel sign-up takes the address between the check and the insert."""
    from accounts import services

    PatientFactory(email="race@example.com")
    exists = iter([False])
    real_filter = User.objects.filter

    class FirstLooksFree:
        def __call__(self, *args, **kwargs):
            queryset = real_filter(*args, **kwargs)
            if next(exists, True) is False:
                return queryset.none()
            return queryset

    monkeypatch.setattr(services.User.objects, "filter", FirstLooksFree())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), {**FORM, "email": "race@example.com"})

    assert response.url == reverse("accounts:signup_sent")
    assert User.objects.count() == 1
    assert [m.subject for m in mail.outbox] == ["Someone tried to sign up with your email address"]
