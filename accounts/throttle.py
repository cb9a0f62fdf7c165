from accounts.models import normalize_email


def login_username(request, credentials):
    """The email axes counts failures against, normalised so that changing the
    letter case of an address does not start a fresh count."""
    if credentials and credentials.get("username"):
        return normalize_email(credentials["username"])
    return normalize_email(request.POST.get("username", ""))
