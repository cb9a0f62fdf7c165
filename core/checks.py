"""Deploy checks of our own, run by `manage.py check --deploy` beside Django's.

They read settings only and connect nowhere, so they can run in a build step
before the database or the mail server exists. Each refuses a configuration
that would look fine on start-up and fail people later: emails printed to a
console nobody reads, links in emails pointing at plain http, consults given
away by the offline gateway, payments that can never be verified.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Backends that deliver nothing to anyone (EMAIL_URL consolemail://, dummymail://, ...).
UNDELIVERED_EMAIL = {
    f"django.core.mail.backends.{name}.EmailBackend" for name in ("console", "dummy", "locmem", "filebased")
}
LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    if settings.EMAIL_BACKEND in UNDELIVERED_EMAIL:
        errors.append(
            Error(
                f"Emails go to {settings.EMAIL_BACKEND.split('.')[-2]}, not to people: nobody receives "
                "booking, payment or verification emails.",
                hint="Set EMAIL_URL=smtp+tls://USER:PASSWORD@HOST:587.",
                id="medconsult.E001",
            )
        )
    if urlsplit(settings.SITE_URL).scheme != "https":
        errors.append(
            Error(
                f"SITE_URL is {settings.SITE_URL!r}: links in emails would not use https.",
                hint="Set SITE_URL to the site's public https address, e.g. https://medconsult.example.com.",
                id="medconsult.E002",
            )
        )
    if settings.PAYMENT_GATEWAY == "fake" and not settings.ALLOW_FAKE_GATEWAY:
        errors.append(
            Error(
                "PAYMENT_GATEWAY=fake takes no real money.",
                hint="Set PAYMENT_GATEWAY=razorpay with the RAZORPAY_* keys "
                "(ALLOW_FAKE_GATEWAY=on only for a staging site).",
                id="medconsult.E003",
            )
        )
    if settings.PAYMENT_GATEWAY == "razorpay":
        missing = [
            name
            for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET")
            if not getattr(settings, name, "")
        ]
        if missing:
            errors.append(
                Error(
                    f"Razorpay is the gateway but {', '.join(missing)} is empty: payments cannot be verified.",
                    hint="Copy the keys and the webhook secret from the Razorpay dashboard.",
                    id="medconsult.E004",
                )
            )
    if settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES:
        errors.append(
            Warning(
                "The cache is local to each process: rate limits, cached sessions and cache "
                "versions are not shared between gunicorn workers or machines.",
                hint="Set CACHE_URL=redis://HOST:6379/1.",
                id="medconsult.W001",
            )
        )
    return errors
