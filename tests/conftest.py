"""Fixtures shared by the whole suite.

Personas follow DESIGN.md: the owner (a patient), the related party (their
doctor), an unrelated patient and doctor, staff, and anonymous.
"""

import io
import json
import logging
import socket

import pytest
from django.db import connection

from core.logs import JsonFormatter, RequestContextFilter
from tests.factories import AdminFactory, DoctorFactory, PatientFactory

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own, away from anything else


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if engine == "postgresql":
        lines = ["database: PostgreSQL"]
    else:
        lines = ["database: SQLite (PostgreSQL did not answer): PostgreSQL-only tests are skipped"]
    if redis_answers():
        lines.append("redis: 127.0.0.1:6379 answers")
    else:
        lines.append("redis: 127.0.0.1:6379 did not answer: the tests marked redis are skipped")
    return lines


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        skip = pytest.mark.skip(reason="needs PostgreSQL; the suite is running on SQLite")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
    if any("redis" in item.keywords for item in items) and not redis_answers():
        skip = pytest.mark.skip(reason="needs Redis on 127.0.0.1:6379, which did not answer")
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Password hashing is deliberately slow; tests hash thousands of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploads from one test never land in the project folder or leak into another."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"


@pytest.fixture
def patient(db):
    return PatientFactory(full_name="Priya Nair", email="priya@example.com")


@pytest.fixture
def other_patient(db):
    return PatientFactory(full_name="Karan Mehta", email="karan@example.com")


@pytest.fixture
def doctor(db):
    return DoctorFactory(full_name="Dr. Asha Rao", email="asha.rao@example.com")


@pytest.fixture
def other_doctor(db):
    return DoctorFactory(full_name="Dr. Vikram Iyer", email="vikram.iyer@example.com")


@pytest.fixture
def staff(db):
    return AdminFactory(full_name="Meera Admin", email="meera@example.com")


@pytest.fixture
def client_for(client):
    """`client_for(user)` gives the test client logged in as that user."""

    def login_as(user):
        client.force_login(user)
        return client

    return login_as


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counts (core.throttle) and cached rows live in the cache, which
    outlives a test; on SQLite a rolled-back user's pk comes back for the next
    one, so a count left behind could refuse a later test's requests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def log_lines():
    """Every log line written during the test, through the production formatter, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)

    def lines():
        raw = stream.getvalue()
        return raw, [json.loads(line) for line in raw.splitlines()]

    yield lines
    for logger in loggers:
        logger.removeHandler(handler)
