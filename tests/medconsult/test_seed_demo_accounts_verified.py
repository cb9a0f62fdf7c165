"""Demo accounts are verified, so `make run` logins can book at once."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_accounts_are_verified_and_get_no_email(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())

    assert User.objects.count() > 3
    assert not User.objects.filter(email_verified_at__isnull=True).exists()
    assert not [m for m in mail.outbox if "Confirm your email" in m.subject]
