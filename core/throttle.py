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


def limit_posts(scope: str, *, setting: str, period: int = 60, template: str = "429.html"):
    """Refuse a signed-in user's POSTs beyond `settings.<setting>` per `period`
    seconds with a normal page (429, Retry-After). GETs are not counted.
    Put it under the login or role decorator, so that the user is known."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                limit = getattr(settings, setting)
                if over_limit(scope, request.user.pk, limit=limit, period=period):
                    logger.info("Rate limit %s reached by user %s", scope, request.user.pk)
                    response = render(request, template, {"limit": limit, "period": period}, status=429)
                    response["Retry-After"] = str(period)
                    return response
            return view(request, *args, **kwargs)

        return limited

    return decorator
