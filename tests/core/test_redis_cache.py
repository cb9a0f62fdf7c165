"""Production's cache: Django's Redis backend, shared by every process (bug 1.8).

The tests marked redis run against 127.0.0.1:6379 when it answers (`.ci/run`
starts it) and are skipped with one line otherwise; the rest of the suite keeps
the per-process locmem cache.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache

from core import cache_versions
from profiles.models import Specialty
from profiles.search import reference as search_reference
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]

SHOW_CACHE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
cache.set("medconsult-tests:probe", 42, 5)
print(json.dumps({**settings.CACHES["default"], "probe": cache.get("medconsult-tests:probe")}))
cache.delete("medconsult-tests:probe")
"""


@pytest.fixture
def two_processes():
    """Two cache clients with their own connection pools, as two gunicorn workers have,
    on the same Redis; their keys are this test's own and are removed afterwards."""
    params = {"KEY_PREFIX": f"tests-{uuid.uuid4().hex}", "OPTIONS": {"socket_timeout": 1}}
    first, second = RedisCache(REDIS_URL, params), RedisCache(REDIS_URL, params)
    yield first, second
    keys = first._cache.get_client(write=True).keys(f"{params['KEY_PREFIX']}:*")
    if keys:
        first._cache.get_client(write=True).delete(*keys)


@pytest.mark.redis
def test_redis_cache_url_starts_djangos_redis_backend_with_short_timeouts(tmp_path):
    env = {**os.environ, "CACHE_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "medconsult.settings"}

    done = subprocess.run(
        [sys.executable, "-c", SHOW_CACHE],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    shown = json.loads(done.stdout)
    assert shown["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["LOCATION"] == REDIS_URL
    assert shown["OPTIONS"] == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    assert shown["probe"] == 42


@pytest.mark.redis
def test_redis_a_version_bumped_in_one_process_is_seen_by_another(two_processes, monkeypatch):
    first, second = two_processes
    monkeypatch.setattr(cache_versions, "cache", first)
    seen_by_first = cache_versions.current("things")

    monkeypatch.setattr(cache_versions, "cache", second)
    assert cache_versions.current("things") == seen_by_first
    cache_versions.bump("things")

    monkeypatch.setattr(cache_versions, "cache", first)
    assert cache_versions.current("things") != seen_by_first


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_reference_data_saved_in_one_process_is_reloaded_by_another(two_processes, monkeypatch):
    first, second = two_processes
    # Process A reads the reference data: its own copy and the shared cache hold it.
    monkeypatch.setattr(cache_versions, "cache", first)
    monkeypatch.setattr(search_reference, "cache", first)
    monkeypatch.setattr(search_reference, "_reference_memo", {"version": None, "data": None, "until": 0})
    memo_of_a = search_reference._reference_memo
    assert search_reference.reference_data().specialty("sleep-specialist") is None

    # Process B, with its own memory and its own client, saves a new specialty.
    monkeypatch.setattr(cache_versions, "cache", second)
    monkeypatch.setattr(search_reference, "cache", second)
    monkeypatch.setattr(search_reference, "_reference_memo", {"version": None, "data": None, "until": 0})
    Specialty.objects.create(name="Sleep Specialist", slug="sleep-specialist")

    # Process A's next request sees it at once, not ten minutes later.
    monkeypatch.setattr(cache_versions, "cache", first)
    monkeypatch.setattr(search_reference, "cache", first)
    monkeypatch.setattr(search_reference, "_reference_memo", memo_of_a)
    assert search_reference.reference_data().specialty("sleep-specialist") is not None
