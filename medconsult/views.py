"""Pages that compose the apps: the home page and each role's dashboard."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.decorators import doctor_required, patient_required
from profiles.services import profile_ensure

# Shortcuts on the home page; each opens the doctor search with that query.
POPULAR_SEARCHES = [
    ("General Physician", "Fever, cold, infections"),
    ("Dermatologist", "Skin, hair and nails"),
    ("Pediatrician", "Child health"),
    ("Gynecologist", "Women's health"),
    ("Dentist", "Teeth and gums"),
    ("Psychiatrist", "Mental health"),
]


def home(request):
    return render(request, "medconsult/home.html", {"popular_searches": POPULAR_SEARCHES})


@login_required
def dashboard(request):
    """Send each role to its own landing page after login."""
    user = request.user
    if user.is_staff:
        return redirect("admin:index")
    if user.is_doctor:
        return redirect("doctor_dashboard")
    return redirect("patient_dashboard")


@patient_required
def patient_dashboard(request):
    return render(
        request, "medconsult/patient_dashboard.html", {"profile": profile_ensure(user=request.user)}
    )


@doctor_required
def doctor_dashboard(request):
    return render(request, "medconsult/doctor_dashboard.html", {"profile": profile_ensure(user=request.user)})
