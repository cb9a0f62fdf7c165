"""Role guards for views: anonymous users go to the login page, the wrong role gets 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.models import User


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied("This page is for another kind of account.")
            return view(request, *args, **kwargs)

        return guarded

    return decorator


patient_required = role_required(User.Role.PATIENT)
doctor_required = role_required(User.Role.DOCTOR)
