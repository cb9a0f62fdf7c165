import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The sign-up and resend throttles live in the cache, which outlives a
    test's database rollback (and a reused id or address would be throttled)."""
    cache.clear()
    yield
    cache.clear()
