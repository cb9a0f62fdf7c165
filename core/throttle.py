"""Request rate limits per user: the one home for throttling requests.

Failed logins are throttled by django-axes (accounts/throttle.py only tells it
which email a try counts against); it counts failures, not requests, so it
cannot limit how often a signed-in user books. This counts requests in a fixed
window in the shared cache (Redis in production, so every worker process sees
the same count; locmem in `make run`, one count per process).
"""

import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)


def over_limit(scope: str, key, *, limit: int, period: int = 60, now: float | None = None) -> bool:
    """Count one request of `key` in `scope`; True once more than `limit`
    arrived in the current window of `period` seconds.

    A fixed window lets a burst straddling two windows reach twice the limit;
    that is enough to stop a script, and costs one cache write per request.
    """
    window = int((now if now is not None else time.time()) // period)
    cache_key = f"throttle:{scope}:{key}:{window}"
    try:
        if cache.add(cache_key, 1, timeout=period + 5):
            return limit < 1
        return cache.incr(cache_key) > limit
    except ValueError:
        # The key expired between add() and incr(): this request starts a new count.
        cache.add(cache_key, 1, timeout=period + 5)
        return limit < 1
    except Exception:
        # An unreachable cache must not take booking down with it: let the request through.
        logger.warning("Rate limit %s not checked: the cache did not answer", scope, exc_info=True)
        return False


def first_in(scope: str, key, *, period: int) -> bool:
    """True for the first call with `key` in `scope` within `period` seconds
    (an atomic cache.add): "send this email at most once in a while".
    True as well when the cache does not answer: the email goes out."""
    try:
        return cache.add(f"throttle:{scope}:{key}", 1, timeout=period)
    except Exception:
        logger.warning("Throttle %s not checked: the cache did not answer", scope, exc_info=True)
        return True


def start_period(scope: str, key, *, period: int) -> None:
    """Count something done outside `first_in` (a sign-up's own email) as the
    first of `key`'s period. Nothing is stored when the cache does not answer."""
    try:
        cache.set(f"throttle:{scope}:{key}", 1, timeout=period)
    except Exception:
        logger.warning("Throttle %s not started: the cache did not answer", scope, exc_info=True)


def _signed_in_user(request):
    return request.user.pk if request.user.is_authenticated else None


def client_ip(request) -> str | None:
    """The client's address as django-axes reads it for failed logins (behind
    AXES_IPWARE_PROXY_COUNT proxies, the address they forwarded): the key for
    limits on people who are not signed in."""
    from axes.helpers import get_client_ip_address  # axes loads its settings on import

    return get_client_ip_address(request)


WINDOW_WORDS = {60: "a minute", 3600: "an hour"}


def limit_posts(
    scope: str,
    *,
    setting: str,
    period: int = 60,
    template: str = "429.html",
    key=_signed_in_user,
    methods=("POST",),
):
    """Refuse POSTs beyond `settings.<setting>` per `period` seconds from one
    `key(request)` (the signed-in user unless told, e.g. `client_ip`) with a
    normal page (429, Retry-After). Other methods (unless named in `methods`, as
    for a GET that is costly to answer), and requests without a key, are not
    counted. Put it under the login or role decorator, so that the user is known."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            who = key(request) if request.method in methods else None
            if who is not None:
                limit = getattr(settings, setting)
                if over_limit(scope, who, limit=limit, period=period):
                    logger.info("Rate limit %s reached by %s", scope, who)
                    context = {"limit": limit, "period": period, "window": WINDOW_WORDS.get(period)}
                    response = render(request, template, context, status=429)
                    response["Retry-After"] = str(period)
                    return response
            return view(request, *args, **kwargs)

        return limited

    return decorator
