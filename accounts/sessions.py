"""Session lifetime by idleness (OWASP ASVS 3.3): staff sessions end after
30 minutes without a request, everyone else's after two weeks.

Each session stores when it was last seen, and this middleware ends it once
that is longer ago than the limit (with a message saying why). Recording the
time is a session write (a database row with cached_db), and the chat will
poll every 2 seconds, so a request records activity only when the stored
time is older than ACTIVITY_WRITE_INTERVAL. The price is precision: a session
may end up to that interval before its full idle time, never after it. The
stored session and its cookie outlive the limit by that interval, so the
middleware, not a silently vanished row, is what ends it.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

LAST_SEEN = "_last_seen"
STAFF_IDLE_SECONDS = 30 * 60
ACTIVITY_WRITE_INTERVAL = 5 * 60


def idle_limit(user) -> int:
    """Seconds without a request after which `user`'s session ends."""
    return STAFF_IDLE_SECONDS if user.is_staff else settings.SESSION_COOKIE_AGE


def record_activity(request, user) -> None:
    """Stamp the session as seen now and push its expiry (cookie and stored
    row) past a full idle limit from now."""
    request.session[LAST_SEEN] = int(time.time())
    request.session.set_expiry(idle_limit(user) + ACTIVITY_WRITE_INTERVAL)


def record_login(sender, request, user, **kwargs):
    """user_logged_in receiver: a fresh session starts its idle clock, so the
    first request after login does not write the session again."""
    if request is not None and hasattr(request, "session"):
        record_activity(request, user)


SESSION_FREE = "session_free"


def session_free(view):
    """Mark a view that may answer without loading the session or the user (the
    consultation poll's 204, authorised by a signed token): the idle check and
    the activity stamp are left to the views that do load them. Such a request
    neither ends an idle session nor counts as activity."""
    setattr(view, SESSION_FREE, True)
    return view


class IdleSessionMiddleware:
    """Ends an idle session and records activity at most every few minutes.
    Runs after the auth and messages middleware, just before the view
    (process_view), so a view marked `session_free` can skip it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, SESSION_FREE, False):
            check_idle(request)
        return None


def check_idle(request) -> None:
    """End the session if it has been idle too long, else record activity (at
    most every ACTIVITY_WRITE_INTERVAL). The middleware calls it for every view;
    a `session_free` view calls it itself once it does load the session."""
    user = request.user
    if user.is_authenticated:
        now = time.time()
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen > idle_limit(user):
            logout(request)
            messages.info(request, "You were logged out after a while without activity. Please log in again.")
        elif last_seen is None or now - last_seen >= ACTIVITY_WRITE_INTERVAL:
            record_activity(request, user)
