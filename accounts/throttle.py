"""django-axes' hook: which email a failed login counts against. Axes throttles failed
logins only; the limit on how often a signed-in user may submit a form is core.throttle."""

from accounts.models import normalize_email


def login_username(request, credentials):
    """The email axes counts failures against, normalised so that changing the
    letter case of an address does not start a fresh count."""
    if credentials and credentials.get("username"):
        return normalize_email(credentials["username"])
    return normalize_email(request.POST.get("username", ""))
