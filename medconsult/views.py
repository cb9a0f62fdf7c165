"""Pages that compose the apps: the home page and each role's dashboard."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.decorators import doctor_required, patient_required
from appointments import list_selectors
from consultations import selectors as consultation_selectors
from medconsult import policies
from profiles import search as doctor_search
from profiles.services import profile_ensure

# How many rows each dashboard card shows before its "See all" link.
PATIENT_UPCOMING_ROWS = 5
DOCTOR_TODAY_ROWS = 10
DOCTOR_REQUEST_ROWS = 5
DOCTOR_WEEK_ROWS = 5


def home(request):
    """The front door: search, the doctors with the soonest free slot in the
    visitor's city, and that city's specialties with bookable doctors. The
    city: the patient's own, else the one they picked, else the city with the
    most bookable doctors. No query when the caches are warm (anonymous)."""
    city, city_from_profile = doctor_search.visitor_city(
        user=request.user, cookie=request.COOKIES.get(doctor_search.CITY_COOKIE, "")
    )
    context = {
        "city": city,
        "city_from_profile": city_from_profile,
        "cities": doctor_search.reference_data().cities,
        "popular": doctor_search.popular_specialties(city),
        "soonest": doctor_search.soonest_doctors(city),
        "policies": policies.current(),
    }
    return render(request, "medconsult/home.html", context)


def privacy(request):
    """What MedConsult stores, who sees it, how long it is kept, how to get a copy."""
    return render(request, "medconsult/privacy.html", {"policies": policies.current()})


def terms(request):
    """Not for emergencies; the booking and cancellation rules as the site applies them."""
    return render(request, "medconsult/terms.html", {"policies": policies.current()})


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
    profile = profile_ensure(user=request.user)
    upcoming = list_selectors.patient_appointments(request.user, tab="upcoming")[:PATIENT_UPCOMING_ROWS]
    now = timezone.now()
    context = {
        "profile": profile,
        "upcoming": list(upcoming),
        "now": now,
        "rooms": consultation_selectors.rooms_for(request.user, now=now),
    }
    return render(request, "medconsult/patient_dashboard.html", context)


@doctor_required
def doctor_dashboard(request):
    """The doctor's day: today's list, requests waiting for an answer, the week ahead."""
    profile = profile_ensure(user=request.user)
    now = timezone.now()
    waiting = list_selectors.doctor_waiting_requests(profile, now=now)
    today = list_selectors.doctor_local_today(profile, now=now)
    context = {
        "profile": profile,
        "today": today,
        "week_first": today + timedelta(days=1),
        "week_last": today + timedelta(days=7),
        "today_rows": list(list_selectors.doctor_today(profile, now=now)[:DOCTOR_TODAY_ROWS]),
        "requests_waiting": waiting.count(),
        "request_rows": list(waiting[:DOCTOR_REQUEST_ROWS]),
        "week_rows": list(list_selectors.doctor_week(profile, now=now)[:DOCTOR_WEEK_ROWS]),
        "rooms": consultation_selectors.rooms_for(request.user, now=now),
        "is_doctor": True,
    }
    return render(request, "medconsult/doctor_dashboard.html", context)
