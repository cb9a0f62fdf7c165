"""The room's poll, and how other features add to it.

The browser polls `consultations:poll` every 2 seconds with
`?after=<last message id>&v=<version>&phase=<phase>&o=<0|1>`: the last
message it shows, the room's change version it last rendered, the phase
(open, follow-up, ...) it shows, and whether it shows the other side in the room. Most polls find nothing new, so they must cost
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
- **presence**: `consult:<id>:seen:<patient|doctor>`, the time of that side's
  last poll (notifications ask whether the other party is in the room; the room
  shows "in the room" or "last seen"), and `consult:<id>:typing:<user id>`
  for a few seconds after a keystroke.

The poll URL also carries `t`, a token signed with SECRET_KEY naming the
room, the signed-in user it was rendered for and (as an HMAC) the browser
session it was rendered in (valid TOKEN_HOURS), so the cheap path needs
neither the session row nor the user row: no SQL at all, only the session
cookie. A logout (which flushes the session and so changes its key), or the
URL used from any other browser session, makes the token worthless. A poll
without a valid token is authenticated as any page is. Whatever the token,
anything beyond a 204 (messages, state) is rendered only for the signed-in
participant.

A poll whose version, phase and the other side's presence (`o=1|0`) match
what the page shows answers 204 without touching
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

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

logger = logging.getLogger(__name__)

VERSION_KEY = "consult:{pk}:v"
ROOM_KEY = "consult:{pk}:room"
SEEN_KEY = "consult:{pk}:seen:{role}"  # role: "patient" or "doctor"
ROLES = ("patient", "doctor")
# A participant whose last poll is older than this is not "in the room".
PRESENT_SECONDS = 15
SNAPSHOT_SECONDS = 24 * 60 * 60

_fragments: list[Callable] = []

TOKEN_SALT = "consultations.poll"  # noqa: S105 a signing namespace, not a secret
TOKEN_HOURS = 12


def _session_tag(session_key: str | None) -> str:
    """A keyed digest of the browser session's key (the key itself never goes into a URL)."""
    return salted_hmac(TOKEN_SALT, session_key or "").hexdigest()[:32]


def token_for(session_pk: int, user_pk: int, *, session_key: str | None) -> str:
    """The poll token of `user` in room `session_pk`, valid only with the
    session `session_key` it was rendered in (rendered into the poll URL)."""
    return signing.dumps([session_pk, user_pk, _session_tag(session_key)], salt=TOKEN_SALT)


def user_from_token(token: str | None, session_pk: int, *, session_key: str | None) -> int | None:
    """The user a valid, unexpired token names for this room and this browser
    session (`session_key`, the session cookie's value); None otherwise."""
    if not token or not session_key:
        return None
    try:
        room, user, tag = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_HOURS * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if room != session_pk or not isinstance(user, int) or not isinstance(tag, str):
        return None
    return user if constant_time_compare(tag, _session_tag(session_key)) else None


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


def cached_state(session_pk: int) -> tuple[dict | None, int | None, dict]:
    """(snapshot, version, {role: when last seen}) in one cache round trip;
    (None, None, {}) without a cache."""
    keys = [ROOM_KEY.format(pk=session_pk), VERSION_KEY.format(pk=session_pk)]
    keys += [SEEN_KEY.format(pk=session_pk, role=role) for role in ROLES]
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.warning("Room %s state not read: the cache did not answer", session_pk, exc_info=True)
        return None, None, {}
    seen = {role: found.get(key) for role, key in zip(ROLES, keys[2:], strict=True)}
    return found.get(keys[0]), found.get(keys[1]), seen


def role_in(snapshot: dict, user_pk: int) -> str | None:
    """ "patient", "doctor", or None for anyone else."""
    if user_pk == snapshot["patient"]:
        return "patient"
    if user_pk == snapshot["doctor"]:
        return "doctor"
    return None


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


# A poll refreshes presence only when the stored time is older than this: most
# polls (every 2 s) then write nothing to the cache either.
SEEN_REFRESH_SECONDS = 5


def mark_seen(session_pk: int, role: str, *, before: float | None = ..., now: float | None = None) -> None:
    """Record a poll by the room's `role` ("patient" or "doctor"). `before`: the
    stored time if the caller already read it (the poll reads it with the room's
    state, in one round trip). Arrivals and departures bump nothing: each side's
    poll compares the other's presence with what its page shows."""
    key = SEEN_KEY.format(pk=session_pk, role=role)
    now = now if now is not None else time.time()
    try:
        if before is ...:
            before = cache.get(key)
        if before is None or now - before >= SEEN_REFRESH_SECONDS:
            # "Last seen" is kept for a day; presence itself is the last PRESENT_SECONDS.
            cache.set(key, now, timeout=SNAPSHOT_SECONDS)
    except Exception:
        logger.warning("Presence in room %s not recorded", session_pk, exc_info=True)


def present(seen: float | None, now: float | None = None) -> bool:
    return seen is not None and (now if now is not None else time.time()) - seen < PRESENT_SECONDS


TYPING_KEY = "consult:{pk}:typing:{user}"
TYPING_SECONDS = 6


def mark_typing(session_pk: int, user_pk: int) -> None:
    """`user` is typing: the other side's next poll shows it for a few seconds."""
    try:
        fresh = cache.add(TYPING_KEY.format(pk=session_pk, user=user_pk), time.time(), timeout=TYPING_SECONDS)
    except Exception:
        return
    if fresh:  # only the first keystroke of a burst changes what the other side sees
        bump(session_pk)


def typing_since(session_pk: int, user_pk: int) -> float | None:
    try:
        return cache.get(TYPING_KEY.format(pk=session_pk, user=user_pk))
    except Exception:
        return None


def last_seen(session_pk: int, role: str) -> float | None:
    try:
        return cache.get(SEEN_KEY.format(pk=session_pk, role=role))
    except Exception:
        return None


def is_present(session_pk: int, role: str) -> bool:
    """Whether the room's `role` polled it in the last PRESENT_SECONDS seconds."""
    return present(last_seen(session_pk, role))
