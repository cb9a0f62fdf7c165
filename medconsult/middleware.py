"""Show every time in the viewer's zone (DESIGN.md, "Time zones").

The zone is the logged-in user's profile zone, else the browser's (static/js
tz.js stores it in the `tz` cookie), else Asia/Kolkata. The profile zone costs
one small query per logged-in request: caching it in the session would save
that query but make the first request of a session write the session.
"""

from django.utils import timezone

from core import zones
from profiles.models import DoctorProfile, PatientProfile


def profile_zone(user) -> str | None:
    model = DoctorProfile if user.is_doctor else PatientProfile if user.is_patient else None
    if model is None:
        return None
    return model.objects.filter(user=user).values_list("time_zone", flat=True).first()


def viewer_zone(request) -> str:
    """The rule is core.zones.viewer_zone_name; this finds the profile's zone for it."""
    user = getattr(request, "user", None)
    logged_in = user is not None and user.is_authenticated
    return zones.viewer_zone_name(
        profile_zone=profile_zone(user) if logged_in else None,
        cookie=request.COOKIES.get(zones.ZONE_COOKIE, ""),
    )


class ViewerTimezoneMiddleware:
    """Activates the viewer's zone before the view runs (process_view), so a view
    marked with core.zones.zone_on_demand can skip the lookup (one query) when it
    shows no time, and activate it through `request.activate_viewer_zone()`
    when it does. A request that never reaches a view (an unknown URL's 404)
    keeps the default zone; such pages show no times."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        def activate():
            timezone.activate(zones.zone(viewer_zone(request)))

        if getattr(view_func, zones.ZONE_ON_DEMAND, False):
            request.activate_viewer_zone = activate
        else:
            activate()
        return None
