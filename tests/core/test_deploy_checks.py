"""Our deploy checks (`check --deploy`): settings only, each failing on its bad value and passing on a good one."""

import pytest
from django.core import checks

from core.checks import production_settings

GOOD = {
    "DEBUG": False,
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "SITE_URL": "https://medconsult.example.com",
    "PAYMENT_GATEWAY": "razorpay",
    "ALLOW_FAKE_GATEWAY": False,
    "RAZORPAY_KEY_ID": "rzp_live_abc",
    "RAZORPAY_KEY_SECRET": "key-secret",
    "RAZORPAY_WEBHOOK_SECRET": "webhook-secret",
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
    },
}


@pytest.fixture
def production(settings):
    for name, value in GOOD.items():
        setattr(settings, name, value)
    return settings


def ids(messages):
    return sorted(message.id for message in messages)


def test_deploy_checks_production_settings_pass(production):
    assert production_settings(None) == []


def test_deploy_checks_are_registered_for_deploy_only(production):
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    assert "medconsult.E001" in ids(checks.run_checks(include_deployment_checks=True))
    assert "medconsult.E001" not in ids(checks.run_checks(include_deployment_checks=False))


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "medconsult.E001"),
        ("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend", "medconsult.E001"),
        ("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend", "medconsult.E001"),
        ("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend", "medconsult.E001"),
        ("SITE_URL", "http://medconsult.example.com", "medconsult.E002"),
        ("SITE_URL", "medconsult.example.com", "medconsult.E002"),
        ("PAYMENT_GATEWAY", "fake", "medconsult.E003"),
        ("RAZORPAY_KEY_SECRET", "", "medconsult.E004"),
        ("RAZORPAY_WEBHOOK_SECRET", "", "medconsult.E004"),
        (
            "CACHES",
            {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            "medconsult.W001",
        ),
    ],
)
def test_deploy_checks_bad_value_fails(production, name, value, expected):
    setattr(production, name, value)

    messages = production_settings(None)

    assert ids(messages) == [expected]
    expected_level = checks.WARNING if expected.startswith("medconsult.W") else checks.ERROR
    assert messages[0].level == expected_level


def test_deploy_checks_fake_gateway_allowed_explicitly_passes(production):
    production.PAYMENT_GATEWAY = "fake"
    production.ALLOW_FAKE_GATEWAY = True

    assert production_settings(None) == []


def test_deploy_checks_debug_on_says_nothing(production):
    production.DEBUG = True
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    production.SITE_URL = "http://127.0.0.1:8000"

    assert production_settings(None) == []


def test_deploy_checks_connect_nowhere(production, monkeypatch):
    """No database (this test has none: a query would raise) and no socket."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("a deploy check opened a connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    production.SITE_URL = "http://example.com"

    assert ids(production_settings(None)) == ["medconsult.E002"]
