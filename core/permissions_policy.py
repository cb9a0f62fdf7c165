"""The Permissions-Policy header: which powerful browser features a page may use.

Every response denies the camera, the microphone, geolocation and screen
capture to the page and to anything it embeds, so an injected script or a
third-party frame can never switch them on. A view that needs one (the
consultation room's video call) says so with `@allow_features(...)`, which lets
that page, and only it, use the feature from our own origin.
"""

from functools import wraps

# Features nobody gets unless a view asks: the header lists each as `name=()`.
RESTRICTED_FEATURES = ("camera", "microphone", "geolocation", "display-capture")


def header_value(allowed=()) -> str:
    return ", ".join(
        f"{feature}=(self)" if feature in allowed else f"{feature}=()" for feature in RESTRICTED_FEATURES
    )


DEFAULT_POLICY = header_value()


def allow_features(*features):
    """Let the decorated view's page use `features` (from our origin only)."""
    unknown = set(features) - set(RESTRICTED_FEATURES)
    if unknown:
        raise ValueError(f"Unknown feature(s) for Permissions-Policy: {sorted(unknown)}")
    value = header_value(features)

    def decorator(view):
        @wraps(view)
        def allowed(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["Permissions-Policy"] = value
            return response

        return allowed

    return decorator


class PermissionsPolicyMiddleware:
    """Sets the restrictive default on every response a view has not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = DEFAULT_POLICY
        return response
