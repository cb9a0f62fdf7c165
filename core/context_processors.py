from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core.notifications import unread_count


def site(request):
    return {"SITE_NAME": settings.SITE_NAME}


def notifications(request):
    """The bell's unread count: one query, and only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
