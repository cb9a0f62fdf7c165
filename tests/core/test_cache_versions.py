"""core.cache_versions: version numbers that key the caches of editable rows."""

import pytest
from django.core.cache import cache

from core import cache_versions


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_current_is_stable_until_bumped():
    first = cache_versions.current("things")

    assert cache_versions.current("things") == first
    cache_versions.bump("things")
    assert cache_versions.current("things") != first


def test_versions_of_different_names_are_independent():
    things, others = cache_versions.current("things"), cache_versions.current("others")

    cache_versions.bump("things")

    assert cache_versions.current("others") == others
    assert cache_versions.current("things") != things


def test_a_lost_version_restarts_somewhere_new_not_at_one_already_used():
    seen = {cache_versions.current("things")}
    for _ in range(20):
        cache.clear()  # evicted, or the cache was flushed
        seen.add(cache_versions.current("things"))

    assert len(seen) == 21


def test_bump_of_a_version_never_read_sets_one():
    cache_versions.bump("never-read")

    assert cache_versions.current("never-read") is not None


@pytest.mark.django_db
def test_bump_with_commit_bumps_now_and_again_after_commit(django_capture_on_commit_callbacks):
    before = cache_versions.current("things")

    with django_capture_on_commit_callbacks(execute=True):
        cache_versions.bump_with_commit("things")
        during = cache_versions.current("things")

    after = cache_versions.current("things")
    assert len({before, during, after}) == 3
