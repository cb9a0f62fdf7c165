"""The room's poll, and how other features add to it.

The browser polls `consultations:poll` every 2 seconds with
`?after=<last message id>&v=<version>&phase=<phase>`: the last message it
shows, the room's change version it last rendered, and the phase (open,
follow-up, ...) it shows. Most polls find nothing new, so they must cost
almost nothing (issue 12: 204, at most 2 SQL queries including the
authentication, and no database write). Three things in the shared cache make
that possible:

- the **change marker** `consult:<id>:v`, a number bumped by whoever writes
  something the other side must see (a message, a read receipt, a transition,
  and later features' own state);
- the **room snapshot** `consult:<id>:room`: who the two participants are and
  the stored facts the phase is derived from (status, start, completion), so
  the poll checks access and the clock without SQL (rewritten on every
  transition or reschedule; on a miss the poll loads it with one query);
- **presence**: `consult:<id>:seen:<user id>`, the time of the user's last
  poll (notifications ask whether the other party is in the room).

A poll whose version and phase match the cache answers 204 without touching
the database. Otherwise the view loads the session and the messages after
`after` (a constant number of queries), renders them, and then every
registered fragment.

**Adding something to the poll** (video signalling, typing, ...):

1. keep your state in the shared cache or your own table;
2. when you write something the other party must see, call
   `consultations.poll.bump(session_pk)` (or `bump_after_commit` inside a
   transaction), so their next poll takes the full path;
3. register a renderer with `@consultations.poll.fragment`; it is called as
   `renderer(request, session)` on every full poll (not on 204s) and returns
   HTML (usually elements with `hx-swap-oob`) or "" when it has nothing to add.
   It must not write to the database and should use a constant number of
   queries (the poll's query-count tests count it).

This is the stable extension point: names and signatures here do not change.
"""

import logging
import secrets
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "consult:{pk}:v"
ROOM_KEY = "consult:{pk}:room"
SEEN_KEY = "consult:{pk}:seen:{user}"
# A participant whose last poll is older than this is not "in the room".
PRESENT_SECONDS = 15
SNAPSHOT_SECONDS = 24 * 60 * 60

_fragments: list[Callable] = []


def fragment(renderer: Callable) -> Callable:
    """Register `renderer(request, session) -> str` for every full poll (a decorator)."""
    if renderer not in _fragments:
        _fragments.append(renderer)
    return renderer


def extra_fragments(request, session) -> list[str]:
    """The registered renderers' HTML; one that fails is logged and left out."""
    parts = []
    for renderer in _fragments:
        try:
            html = renderer(request, session)
        except Exception:
            logger.exception("Poll fragment %s failed", renderer)
            continue
        if html:
            parts.append(html)
    return parts


def bump(session_pk: int) -> None:
    """A new change version for the room: every participant's next poll renders."""
    key = VERSION_KEY.format(pk=session_pk)
    try:
        try:
            cache.incr(key)
        except ValueError:  # absent (new, evicted, flushed): any fresh number differs
            cache.set(key, secrets.randbelow(2**62) + 1, timeout=None)
    except Exception:
        # Without a cache every poll takes the full path (version None never matches).
        logger.warning("Room %s not bumped: the cache did not answer", session_pk, exc_info=True)


def bump_after_commit(session_pk: int) -> None:
    """Bump now (this request's own reads) and again after commit (another
    process may have rendered the old rows under the first new number)."""
    bump(session_pk)
    transaction.on_commit(lambda: bump(session_pk), robust=True)


def snapshot_of(session) -> dict:
    appointment = session.appointment
    return {
        "patient": appointment.patient_id,
        "doctor": appointment.doctor.user_id,
        "status": session.status,
        "start": appointment.start,
        "completed_at": session.completed_at,
    }


def store_snapshot(session) -> dict:
    snapshot = snapshot_of(session)
    try:
        cache.set(ROOM_KEY.format(pk=session.pk), snapshot, timeout=SNAPSHOT_SECONDS)
    except Exception:
        logger.warning("Room %s snapshot not stored: the cache did not answer", session.pk, exc_info=True)
    return snapshot


def forget_snapshot_after_commit(session_pk: int) -> None:
    """The stored facts changed: drop the snapshot now and after commit (the
    next poll reloads it), and bump the version so pages re-render."""

    def forget():
        try:
            cache.delete(ROOM_KEY.format(pk=session_pk))
        except Exception:
            logger.warning("Room %s snapshot not dropped", session_pk, exc_info=True)
        bump(session_pk)

    forget()
    transaction.on_commit(forget, robust=True)


def cached_state(session_pk: int) -> tuple[dict | None, int | None]:
    """(snapshot, version) in one cache round trip; (None, None) without a cache."""
    room_key, version_key = ROOM_KEY.format(pk=session_pk), VERSION_KEY.format(pk=session_pk)
    try:
        found = cache.get_many([room_key, version_key])
    except Exception:
        logger.warning("Room %s state not read: the cache did not answer", session_pk, exc_info=True)
        return None, None
    return found.get(room_key), found.get(version_key)


def current_version(session_pk: int) -> int | None:
    """The version, creating one when absent, so a page can tell its poll what it rendered."""
    key = VERSION_KEY.format(pk=session_pk)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, secrets.randbelow(2**62) + 1, timeout=None)
            version = cache.get(key)
    except Exception:
        return None
    return version


def mark_seen(session_pk: int, user_pk: int) -> None:
    try:
        cache.set(SEEN_KEY.format(pk=session_pk, user=user_pk), time.time(), timeout=PRESENT_SECONDS * 4)
    except Exception:
        logger.warning("Presence in room %s not recorded", session_pk, exc_info=True)


def last_seen(session_pk: int, user_pk: int) -> float | None:
    try:
        return cache.get(SEEN_KEY.format(pk=session_pk, user=user_pk))
    except Exception:
        return None


def is_present(session_pk: int, user_pk: int) -> bool:
    """Whether `user` polled the room in the last PRESENT_SECONDS seconds."""
    seen = last_seen(session_pk, user_pk)
    return seen is not None and time.time() - seen < PRESENT_SECONDS
