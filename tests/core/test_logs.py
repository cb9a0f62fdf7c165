"""Structured logs: one JSON line per event with the request id and user id;
errors (5xx, payment failures, webhook rejections, failed emails) at error level
with their context; never a body, message text, card number or secret."""

import json
import logging
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail

from core.logs import JsonFormatter, sentry_before_send
from core.notifications import notify
from tests.payments.conftest import post_webhook

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"
MEDICAL_TEXT = "I have had chest pain since Tuesday"


def test_log_line_5xx_is_json_with_request_and_user_ids_without_body(
    client_for, patient, settings, log_lines
):
    settings.ROOT_URLCONF = "tests.core.boom_urls"
    http = client_for(patient)
    http.raise_request_exception = False

    response = http.post(
        "/boom/?q=diabetes", {"message": MEDICAL_TEXT, "password": "hunter2-hunter2", "card": CARD}
    )

    assert response.status_code == 500
    raw, lines = log_lines()
    [line] = [line for line in lines if line["logger"] == "django.request"]
    assert line["level"] == "ERROR"
    assert line["status_code"] == 500
    assert line["request"] == {"method": "POST", "path": "/boom/"}
    assert line["user_id"] == patient.pk
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert "RuntimeError: the view failed" in line["traceback"]
    assert line["time"]
    for secret in (MEDICAL_TEXT, "hunter2", "4111", "diabetes", django_settings.SECRET_KEY):
        assert secret not in raw


def test_log_line_request_id_from_proxy_is_kept(client, log_lines):
    body = b'{"event": "payment.captured"}'

    response = post_webhook(client, body, signature="bad")
    assert response.status_code == 400
    request_id = response["X-Request-ID"]

    response = client.post(
        "/payments/razorpay/webhook/",
        data=body,
        content_type="application/json",
        HTTP_X_REQUEST_ID="render-abc123def456",
    )
    assert response["X-Request-ID"] == "render-abc123def456"
    _, lines = log_lines()
    # The rejection (payments) and Django's 400 line, for each request.
    assert [(line["logger"], line["request_id"]) for line in lines] == [
        ("payments.services", request_id),
        ("django.request", request_id),
        ("payments.services", "render-abc123def456"),
        ("django.request", "render-abc123def456"),
    ]


def test_log_line_request_id_garbage_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")

    assert len(response["X-Request-ID"]) == 32
    assert "<" not in response["X-Request-ID"]


def test_log_line_webhook_rejection_at_error_without_body_or_secret(client, log_lines):
    body = json.dumps({"event": "payment.captured", "card": CARD, "note": MEDICAL_TEXT}).encode()

    response = post_webhook(client, body, event_id="evt_claimed", signature="not-the-signature")

    assert response.status_code == 400
    raw, lines = log_lines()
    [line] = [line for line in lines if line.get("event") == "webhook.rejected"]
    assert (line["level"], line["logger"]) == ("ERROR", "payments.services")
    assert line["claimed_event_id"] == "evt_claimed"
    assert line["signed"] is True
    assert line["size_bytes"] == len(body)
    assert line["user_id"] is None
    assert line["request_id"] == response["X-Request-ID"]
    for secret in ("4111", MEDICAL_TEXT, "not-the-signature", django_settings.RAZORPAY_WEBHOOK_SECRET):
        assert secret not in raw


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server is down")


def test_log_line_failed_email_at_error_without_its_text(
    patient, settings, log_lines, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.core.test_logs.FailingBackend"

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=patient, kind="test.kind", title="Your results", body=MEDICAL_TEXT)

    assert mail.outbox == []
    raw, [line] = log_lines()
    assert (line["level"], line["event"]) == ("ERROR", "email.failed")
    assert (line["kind"], line["recipient_user_id"], line["attempt"]) == ("test.kind", patient.pk, 1)
    assert line["error_type"] == "ConnectionRefusedError"
    assert MEDICAL_TEXT not in raw
    assert patient.email not in raw


def test_log_line_scrubs_secret_named_fields_and_values(settings, log_lines):
    settings.RAZORPAY_KEY_SECRET = "the-razorpay-key-secret"

    logging.getLogger("medconsult.test").error(
        "Gateway said %s for card %s",
        "no: the-razorpay-key-secret",
        "4111-1111-1111-1111",
        extra={"password": "hunter2", "api_key": "k", "diagnosis": MEDICAL_TEXT, "appointment_id": 7},
    )

    raw, [line] = log_lines()
    assert line["password"] == line["api_key"] == line["diagnosis"] == "[scrubbed]"
    assert line["appointment_id"] == 7
    assert line["message"] == "Gateway said no: [scrubbed] for card [card number?]"
    for secret in ("hunter2", "the-razorpay-key-secret", "4111", MEDICAL_TEXT):
        assert secret not in raw


def test_log_line_gunicorn_access_becomes_fields():
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms(
        {
            "h": "10.0.0.1",
            "m": "GET",
            "U": "/doctors/search/",
            "q": "q=diabetes",
            "s": "200",
            "B": 5120,
            "M": 42,
            "{x-request-id}o": "abc123abc123",
            "{medconsult.user_id}e": "17",
        }
    )
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', atoms, None
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "request"
    assert (line["event"], line["method"], line["path"], line["status_code"]) == (
        "http.access",
        "GET",
        "/doctors/search/",
        200,
    )
    assert (line["duration_ms"], line["bytes"], line["request_id"], line["user_id"]) == (
        42,
        5120,
        "abc123abc123",
        17,
    )
    assert "diabetes" not in json.dumps(line)


def test_sentry_before_send_strips_body_cookies_headers_and_user_details(settings):
    settings.RAZORPAY_WEBHOOK_SECRET = "the-webhook-secret-value"
    event = {
        "request": {
            "url": "https://medconsult.example.com/consult/5/?q=diabetes",
            "data": {"message": MEDICAL_TEXT},
            "cookies": {"sessionid": "abc"},
            "query_string": "q=diabetes",
            "headers": {"Authorization": "Basic x", "Cookie": "sessionid=abc", "User-Agent": "UA"},
        },
        "user": {"id": 3, "email": "priya@example.com", "ip_address": "1.2.3.4"},
        "extra": {"password": "p", "card_number": CARD, "note": "the-webhook-secret-value"},
        "exception": {
            "values": [
                {
                    "value": "failed with the-webhook-secret-value",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"body": MEDICAL_TEXT}}]},
                }
            ]
        },
    }

    cleaned = json.dumps(sentry_before_send(event, {}))

    assert event["request"]["headers"] == {"User-Agent": "UA"}
    assert event["request"]["url"] == "https://medconsult.example.com/consult/5/"
    assert event["user"] == {"id": 3}
    for secret in (MEDICAL_TEXT, "sessionid", "diabetes", "priya@", "4111", "the-webhook-secret-value"):
        assert secret not in cleaned


def test_sentry_dsn_turns_on_sentry_without_pii(tmp_path):
    """A fresh process (settings initialise Sentry once): the options that keep PII out."""
    code = (
        "import django, sentry_sdk; django.setup(); o = sentry_sdk.get_client().options; "
        "print(o['send_default_pii'], o['max_request_body_size'], o['include_local_variables'], "
        "o['before_send'].__name__, getattr(o['before_send_transaction'], '__name__', None))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "medconsult.settings",
        "ENV_FILE": "",
        "SECRET_KEY": "x" * 50,
        "DEBUG": "on",
        "SENTRY_DSN": "https://publickey@sentry.invalid/1",
    }

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )

    # Traces (SENTRY_TRACES_SAMPLE_RATE > 0) carry the request's URL and query too: same scrubber.
    assert result.stdout.split() == ["False", "never", "False", "sentry_before_send", "sentry_before_send"]


def test_log_line_user_id_handed_to_gunicorn_access_log(client_for, patient):
    response = client_for(patient).get("/notifications/")

    assert response.status_code == 200
    assert response.wsgi_request.META["medconsult.user_id"] == str(patient.pk)


def test_log_line_anonymous_request_hands_no_user_id(client):
    response = client.get("/healthz")

    assert "medconsult.user_id" not in response.wsgi_request.META


def test_log_line_failed_account_email_at_error_without_the_link(
    patient, settings, log_lines, django_capture_on_commit_callbacks
):
    from accounts.services import user_email_verification_send

    settings.EMAIL_BACKEND = "tests.core.test_logs.FailingBackend"
    patient.email_verified_at = None
    patient.save(update_fields=["email_verified_at"])

    with django_capture_on_commit_callbacks(execute=True):
        assert user_email_verification_send(user=patient, throttle=False)

    raw, lines = log_lines()
    [line] = [line for line in lines if line.get("event") == "email.failed"]
    assert line["level"] == "ERROR"
    assert line["recipient_user_id"] == patient.pk
    assert "ConnectionRefusedError" in line["traceback"]
    assert settings.SITE_URL not in raw  # the verification link is a credential
    assert patient.email not in raw


def test_log_line_password_reset_and_verify_tokens_scrubbed_from_paths(patient, client, log_lines):
    """The reset and verification links carry a credential in their path: the access
    log, Django's 4xx lines and Sentry keep the path without it."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.services import email_verification_token

    uid = urlsafe_base64_encode(force_bytes(patient.pk))
    reset_token = default_token_generator.make_token(patient)
    verify_token = email_verification_token(patient)
    reset_path = f"/accounts/password/reset/{uid}/{reset_token}/"
    atoms = {"h": "10.0.0.1", "m": "GET", "U": reset_path, "s": "302", "B": 0, "M": 3}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(U)s", atoms, None)

    access = json.loads(JsonFormatter().format(record))
    bad_link = client.get(f"/accounts/verify/{verify_token}x/")  # 400: Django logs the path
    event = sentry_before_send({"request": {"url": f"https://medconsult.example.com{reset_path}"}}, {})

    raw, _ = log_lines()
    assert bad_link.status_code == 400
    assert access["path"] == f"/accounts/password/reset/{uid}/[scrubbed]/"
    assert "/accounts/verify/[scrubbed]/" in raw
    assert (
        event["request"]["url"] == f"https://medconsult.example.com/accounts/password/reset/{uid}/[scrubbed]/"
    )
    for token in (reset_token, verify_token):
        assert token not in raw + json.dumps(access) + json.dumps(event)


def test_log_line_ordinary_paths_kept():
    from core.logs import scrub_text

    for path in (
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/MQ/set-password/",
        "/accounts/verify/resend/",
        "/rx/verify/ABCD-1234/",
    ):
        assert scrub_text(path, secrets=[]) == path


def test_log_line_database_error_keeps_no_row_values(log_lines):
    """PostgreSQL's DETAIL repeats the failing row or key: a 500's traceback (and Sentry's
    exception) would carry what the patient wrote. The constraint's name stays."""
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's error details")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE log_probe (id int UNIQUE, note text CHECK (length(note) < 5))")
        cursor.execute("INSERT INTO log_probe VALUES (1, 'ok')")
    errors = []
    for statement in (
        "INSERT INTO log_probe VALUES (2, 'I have had chest pain since Tuesday')",
        "INSERT INTO log_probe VALUES (1, 'no')",
    ):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        except IntegrityError as error:
            errors.append(str(error))
            logging.getLogger("django.request").exception("Internal Server Error: /x/")
    event = sentry_before_send({"exception": {"values": [{"value": value} for value in errors]}}, {})

    raw, lines = log_lines()
    assert len(lines) == 2
    assert 'violates check constraint "log_probe_note_check"' in lines[0]["traceback"]
    assert "Failing row contains [scrubbed]" in lines[0]["traceback"]
    assert "Key (id)=([scrubbed]) already exists" in lines[1]["traceback"]
    for leaked in ("chest pain", "(2, ", "(1)"):
        assert leaked not in raw + json.dumps(event)


def test_log_line_debug_level_keeps_template_contexts_out(tmp_path):
    """LOG_LEVEL=DEBUG (for troubleshooting) must not make Django's template engine log
    the repr of a page's context, which holds what patients wrote, on every missing variable."""
    code = (
        "import django; django.setup(); from django.template import engines; "
        "engines['django'].from_string('{{ absent.field }}').render({'body': 'MEDICAL-TEXT-HERE'}); "
        "import logging; print([logging.getLogger(n).getEffectiveLevel() for n in ('botocore', 'urllib3')])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "medconsult.settings",
        "ENV_FILE": "",
        "SECRET_KEY": "x" * 50,
        "DEBUG": "on",
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
    }

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )

    assert "MEDICAL-TEXT-HERE" not in result.stdout + result.stderr
    # boto3 and urllib3 at DEBUG log uploaded files' bytes and signed request headers.
    assert result.stdout.splitlines()[-1] == "[20, 20]"
