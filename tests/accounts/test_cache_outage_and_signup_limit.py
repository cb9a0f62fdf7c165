"""Review of issue 9, points 6-8: with the cache (Redis) down, sign-up and the
resend button still work and the search reference data loads from the
database; sign-up POSTs are limited per client address; the booking POST
limit is checked at start-up like the other limits."""

import os
import subprocess
import sys

import pytest
from django.core import mail
from django.core.cache.backends.base import BaseCache
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from accounts.services import user_email_verification_send
from profiles.models import Specialty
from profiles.search.reference import reference_data
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

GOOD = {"full_name": "Priya Nair", "email": "priya.nair@example.com", "password": "monsoon-tea-garden-7"}


class DownCache(BaseCache):
    """A cache whose server does not answer: every call raises, as the Redis backend does."""

    def __init__(self, location, params):
        super().__init__(params)

    def _down(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = touch = delete = incr = decr = has_key = clear = get_many = set_many = _down


cache_down = override_settings(
    CACHES={"default": {"BACKEND": f"{__name__}.DownCache"}},
    SESSION_ENGINE="django.contrib.sessions.backends.db",
)


@cache_down
def test_signup_with_the_cache_down_creates_the_account_and_sends_the_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), GOOD)

    assert response.status_code == 302
    assert response.url == reverse("accounts:signup_sent")
    assert User.objects.get().email == "priya.nair@example.com"
    assert [m.subject for m in mail.outbox] == ["Confirm your email address for MedConsult"]


@cache_down
def test_signup_with_a_taken_address_and_the_cache_down_still_tells_its_owner(
    client, django_capture_on_commit_callbacks
):
    PatientFactory(email="priya.nair@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), GOOD)

    assert response.url == reverse("accounts:signup_sent")
    assert [m.subject for m in mail.outbox] == ["Someone tried to sign up with your email address"]


@cache_down
def test_resend_with_the_cache_down_sends_the_link(django_capture_on_commit_callbacks):
    user = PatientFactory(email_verified_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        sent = user_email_verification_send(user=user)

    assert sent is True
    assert [m.subject for m in mail.outbox] == ["Confirm your email address for MedConsult"]


def test_reference_data_with_the_cache_down_is_read_from_the_database():
    Specialty.objects.create(name="Sleep Medicine", slug="sleep-medicine")

    with cache_down:
        names = [s.name for s in reference_data().specialties]
        Specialty.objects.create(name="Zoonoses", slug="zoonoses")  # saving bumps: no error either
        again = [s.name for s in reference_data().specialties]

    assert "Sleep Medicine" in names
    assert "Zoonoses" in again  # nothing was kept from the first read


# --- Point 7: sign-up limited per client address ----------------------------------------


@override_settings(SIGNUP_POSTS_PER_HOUR=3)
def test_the_fourth_signup_post_in_an_hour_from_one_address_gets_the_429_page(client):
    other = {"REMOTE_ADDR": "203.0.113.9"}

    allowed = [
        client.post(
            reverse("accounts:signup"), {**GOOD, "email": f"p{n}@example.com"}, REMOTE_ADDR="203.0.113.7"
        )
        for n in range(3)
    ]
    refused = client.post(
        reverse("accounts:signup_doctor"), {**GOOD, "email": "p9@example.com"}, REMOTE_ADDR="203.0.113.7"
    )
    elsewhere = client.post(reverse("accounts:signup"), {**GOOD, "email": "p8@example.com"}, **other)

    assert [r.status_code for r in allowed] == [302] * 3
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests" in page
    assert "more than 3 times in an hour" in page
    assert refused["Retry-After"] == "3600"
    assert not User.objects.filter(email="p9@example.com").exists()
    assert elsewhere.status_code == 302  # another address has its own count
    assert client.get(reverse("accounts:signup"), REMOTE_ADDR="203.0.113.7").status_code == 200


# --- Point 8: the booking POST limit is validated at start-up --------------------------


@pytest.mark.parametrize("name", ["BOOKING_POSTS_PER_MINUTE", "SIGNUP_POSTS_PER_HOUR"])
def test_a_post_limit_of_zero_stops_start_up(name):
    env = {**os.environ, name: "0", "DJANGO_SETTINGS_MODULE": "medconsult.settings"}

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert f"{name} must be at least 1." in result.stderr
