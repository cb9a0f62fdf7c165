"""The patient's and the doctor's appointment lists.

One template per list serves both the full page and, for HTMX requests (tabs
and pagination), only the list fragment that the page includes.
"""

from datetime import timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from accounts.decorators import doctor_required, patient_required
from appointments import list_selectors
from profiles.services import profile_ensure

PER_PAGE = 10

PATIENT_TABS = [("upcoming", "Upcoming"), ("past", "Past")]
DOCTOR_TABS = [("today", "Today"), ("week", "Next 7 days"), ("requests", "Requests"), ("past", "Past")]


def _tab(request, tabs) -> str:
    """The tab asked for, or the first one for anything else."""
    asked = request.GET.get("tab")
    return asked if asked in dict(tabs) else tabs[0][0]


def _page(request, rows):
    # get_page turns a missing, non-numeric or out-of-range page into a real one.
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _render(request, *, page_template, fragment_template, context):
    # A history restore after a cache miss asks for the whole page, as a fresh visit would.
    wants_fragment = request.htmx and not request.htmx.history_restore_request
    response = render(request, fragment_template if wants_fragment else page_template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@patient_required
def patient_list(request):
    tab = _tab(request, PATIENT_TABS)
    page = _page(request, list_selectors.patient_appointments(request.user, tab=tab))
    return _render(
        request,
        page_template="appointments/patient_list.html",
        fragment_template="appointments/partials/list_patient.html",
        context={"tab": tab, "tabs": PATIENT_TABS, "page": page, "now": timezone.now()},
    )


@doctor_required
def doctor_list(request):
    doctor = profile_ensure(user=request.user)
    tab = _tab(request, DOCTOR_TABS)
    now = timezone.now()
    page = _page(request, list_selectors.doctor_appointments(doctor, tab=tab, now=now))
    today = list_selectors.doctor_local_today(doctor, now=now)
    return _render(
        request,
        page_template="appointments/doctor_list.html",
        fragment_template="appointments/partials/list_doctor.html",
        context={
            "tab": tab,
            "tabs": DOCTOR_TABS,
            "page": page,
            "now": now,
            "doctor": doctor,
            "requests_waiting": list_selectors.doctor_waiting_requests(doctor, now=now).count(),
            "today": today,
            "week_first": today + timedelta(days=1),
            "week_last": today + timedelta(days=7),
        },
    )


urlpatterns = [
    path("patient/appointments/", patient_list, name="patient_list"),
    path("doctor/appointments/", doctor_list, name="doctor_list"),
]
