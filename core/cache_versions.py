"""Version numbers in the shared cache, for caches built from rows that people edit.

Production runs several processes (gunicorn workers, the periodic worker) that
share one cache (Redis). A cache of editable rows is keyed by its version
number, kept in that shared cache; saving or deleting one of the rows bumps the
number, so every process reads afresh on its next use, and what was cached
under the old number simply ages out. A process may keep its own copy too (no
unpickling per request) as long as it compares the version before using it.

`functools.lru_cache` and module-level dicts are only for pure functions of
immutable inputs (or inputs that carry their own version, like a content hash).
"""

import logging
import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

KEY = "cache-version:{name}"
logger = logging.getLogger(__name__)


def _fresh() -> int:
    # A lost version (evicted, or the cache was flushed) restarts at a random number,
    # never at one that a process may still hold a copy for.
    return secrets.randbelow(2**62) + 1


def current(name: str) -> int | None:
    """The version of the cached data called `name` (one cache read).

    None when the cache does not answer (Redis down): the caller then loads
    from the database and stores nothing, as core.throttle lets requests through.
    """
    key = KEY.format(name=name)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, _fresh(), timeout=None)  # only if still absent: another process may race us
            version = cache.get(key)
    except Exception:
        logger.warning("Cache version %s not read: the cache did not answer", name, exc_info=True)
        return None
    return version


def bump(name: str) -> None:
    """A new version of `name` for every process, at once. With the cache
    down, nothing to bump: what it held is unreachable, and every copy kept in
    a process ages out within its own TTL."""
    key = KEY.format(name=name)
    try:
        try:
            cache.incr(key)
        except ValueError:  # absent: any fresh number is a new version
            cache.set(key, _fresh(), timeout=None)
    except Exception:
        logger.warning("Cache version %s not bumped: the cache did not answer", name, exc_info=True)


def bump_with_commit(name: str) -> None:
    """Bump now, so this transaction reads its own change, and again after commit:
    another process may have cached the old rows under the first new number
    before the change was committed."""
    bump(name)
    transaction.on_commit(lambda: bump(name), robust=True)


def bump_on_change(name: str, *models) -> None:
    """Bump `name` whenever a row of `models` is saved or deleted (signals)."""

    def receiver(**kwargs):
        bump_with_commit(name)

    # Signals keep weak references: this module keeps the receiver alive.
    _receivers.append(receiver)
    for model in models:
        uid = f"cache-version-{name}-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")


_receivers: list = []
