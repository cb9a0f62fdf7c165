"""Structured logs: one JSON line per event, with the request id and user id.

Everything the processes write to stdout goes through `JsonFormatter`, so a log
collector (Render's, or any other) can search by `request_id`, `user_id`,
`level` or `event`. What a line may carry is deliberately narrow: our own
message, the context fields passed with `extra=`, the request's method and path
(never its query string, body, cookies or headers), and an exception's
traceback. Fields whose names suggest a secret are blanked, any configured
secret value that shows up anyway is replaced, and digit runs shaped like card
numbers are masked, so a careless `extra=` cannot leak what must never be logged.

The same rules scrub what goes to Sentry (`sentry_before_send`) when
SENTRY_DSN is set.

This module is imported by gunicorn's config before Django is set up: it reads
Django's settings only when a line is written, and only if they are configured.
"""

import contextvars
import logging
import re
import uuid

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

SCRUBBED = "[scrubbed]"
# Field names that must never carry their value into a log line or a Sentry event.
SECRET_KEY_PATTERN = re.compile(
    r"pass(word|wd)?|secret|token|signature|authori[sz]ation|cookie|csrf|session|card|cvv|"
    r"api[_-]?key|dsn|body|content|text|diagnos|prescri|note",
    re.IGNORECASE,
)
# 13 to 19 digits, optionally grouped by spaces or dashes: a payment card number's shape.
CARD_PATTERN = re.compile(r"(?<![0-9A-Za-z])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])")
# Links whose path is a credential (accounts' password reset and email verification):
# the token is cut from any path, message or traceback, so reading the logs never
# lets anyone reset a password. Paths only, so this module needs no URL resolver.
CREDENTIAL_PATH_PATTERN = re.compile(
    r"(/password/reset/[^/\s?#]+/)(?!set-password/)[^/\s?#\"']+"
    r"|(/accounts/verify/)(?!resend/)[^/\s?#\"']+"
)
# PostgreSQL's DETAIL of a constraint violation repeats the row's or the key's values
# (a note, a diagnosis, an email address): the values go, the constraint's name stays.
DB_ROW_PATTERN = re.compile(r"(Failing row contains ).*?(?=\n\n|\Z)", re.DOTALL)
DB_KEY_PATTERN = re.compile(
    r"(Key \([^()\n]*\)=)\(.*?\)(?= already exists| is not present| conflicts with)", re.DOTALL
)
# What callers may name in `extra=` without the name being blanked: ids and outcomes.
SAFE_KEYS = {"event", "status_code", "method", "path", "request_id", "user_id", "outcome"}
# Settings whose values are secrets: replaced wherever they appear in a line.
SECRET_SETTINGS = (
    "SECRET_KEY",
    "RAZORPAY_KEY_SECRET",
    "RAZORPAY_WEBHOOK_SECRET",
    "EMAIL_HOST_PASSWORD",
    "AWS_SECRET_ACCESS_KEY",
    "SENTRY_DSN",
)
REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# gunicorn's access log reads the user id from the WSGI environ (`{medconsult.user_id}e`).
ENVIRON_USER_ID = "medconsult.user_id"
ACCESS_USER_ID_ATOM = "{medconsult.user_id}e"

_current_request = contextvars.ContextVar("medconsult_request", default=None)
_current_request_id = contextvars.ContextVar("medconsult_request_id", default=None)


def current_request_id() -> str | None:
    return _current_request_id.get()


def _user_id_of(request) -> int | None:
    """The logged-in user's id, if this request has already looked the user up.

    A log call never triggers the lookup itself (that would be a query inside
    logging, possibly while the database is what failed).
    """
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or type(wrapped) is object:  # SimpleLazyObject not evaluated yet
        return None
    return getattr(wrapped, "pk", None)


class RequestContextMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when it looks like one,
    else a fresh one), answers it in the X-Request-ID header, and makes it and
    the user id part of every log line written while the request runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(REQUEST_ID_HEADER, "")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        request_token = _current_request.set(request)
        id_token = _current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            user_id = _user_id_of(request)
            if user_id is not None:
                request.META[ENVIRON_USER_ID] = str(user_id)
            _current_request.reset(request_token)
            _current_request_id.reset(id_token)
        response["X-Request-ID"] = request_id
        return response


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` to every record (None outside a request)."""

    def filter(self, record):
        # Django logs a 4xx after the middleware has finished, passing the request along.
        request = getattr(record, "request", None) or _current_request.get()
        if not hasattr(record, "request_id"):
            record.request_id = getattr(request, "request_id", None) or _current_request_id.get()
        if not hasattr(record, "user_id"):
            record.user_id = _user_id_of(request)
        return True


def _secret_values() -> list[str]:
    try:
        from django.conf import settings

        if not settings.configured:
            return []
        values = [getattr(settings, name, "") for name in SECRET_SETTINGS]
        values.append(settings.DATABASES.get("default", {}).get("PASSWORD", ""))
    except Exception:  # logging must never fail because settings cannot be read
        return []
    # Short values would blank ordinary words; the local fakes are long enough.
    return [value for value in values if isinstance(value, str) and len(value) >= 8]


def scrub_text(text: str, secrets=None) -> str:
    for secret in _secret_values() if secrets is None else secrets:
        text = text.replace(secret, SCRUBBED)
    text = DB_ROW_PATTERN.sub(r"\1" + SCRUBBED, text)
    text = DB_KEY_PATTERN.sub(r"\1(" + SCRUBBED + ")", text)
    text = CREDENTIAL_PATH_PATTERN.sub(lambda match: (match.group(1) or match.group(2)) + SCRUBBED, text)
    return CARD_PATTERN.sub("[card number?]", text)


def scrub(value, secrets=None, depth=0):
    """A copy of `value` with secret-named keys blanked and secret strings replaced."""
    if depth > 6:
        return SCRUBBED
    if isinstance(value, dict):
        return {
            key: (
                SCRUBBED
                if isinstance(key, str) and key not in SAFE_KEYS and SECRET_KEY_PATTERN.search(key)
                else scrub(item, secrets, depth + 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item, secrets, depth + 1) for item in value]
    if isinstance(value, str):
        return scrub_text(value, secrets)
    return value


def _describe_request(request) -> dict:
    """Method and path only: a query string can hold a search for a condition."""
    return {"method": getattr(request, "method", None), "path": getattr(request, "path", None)}


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, request and user ids, context."""

    def __init__(self, fmt="%(levelname)s %(name)s %(message)s", *args, **kwargs):
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "exc_info": "traceback"})
        super().__init__(fmt, *args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            # gunicorn hands its atoms over as the format's arguments: keep them as fields.
            atoms = record.args
            record.message = "request"
            log_data.update(
                {
                    "event": "http.access",
                    "method": atoms.get("m"),
                    "path": atoms.get("U"),
                    "status_code": _int(atoms.get("s")),
                    "bytes": _int(atoms.get("B")),
                    "duration_ms": _int(atoms.get("M")),
                    "remote_addr": atoms.get("h"),
                    "request_id": _dash_to_none(atoms.get("{x-request-id}o")),
                    "user_id": _int(atoms.get(ACCESS_USER_ID_ATOM)),
                }
            )
        super().add_fields(log_data, record, message_dict)
        if "request" in log_data and not isinstance(log_data["request"], dict):
            log_data["request"] = _describe_request(log_data["request"])
        for field in ("request_id", "user_id"):
            log_data.setdefault(field, None)

    def process_log_record(self, log_data):
        secrets = _secret_values()
        cleaned = scrub(log_data, secrets)
        # The message and traceback are ours to write, so their field names are fine;
        # only the secret values and card-shaped numbers are taken out of them.
        for field in ("message", "traceback"):
            if field in log_data:
                cleaned[field] = scrub(log_data[field], secrets)
        return cleaned


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _dash_to_none(value):
    return None if value in (None, "", "-") else value


# --- Sentry ------------------------------------------------------------------------------------

# Request headers that say nothing about the person or their credentials.
SENTRY_HEADERS_KEPT = {"user-agent", "content-type", "content-length", "x-request-id", "host"}


def sentry_before_send(event, hint):
    """Scrub an event before it leaves: no body, cookies, query or identifying headers;
    the user as an id only; secret-named fields blanked and secret values replaced."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in SENTRY_HEADERS_KEPT}
        if isinstance(request.get("url"), str):
            request["url"] = scrub_text(request["url"].split("?", 1)[0])
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if user.get("id") is not None else {}
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    secrets = _secret_values()
    for key in ("extra", "contexts", "breadcrumbs", "logentry", "message"):
        if key in event:
            event[key] = scrub(event[key], secrets) if key != "message" else scrub_text(event[key], secrets)
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_text(exception["value"], secrets)
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return event
