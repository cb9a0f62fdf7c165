"""Removing a clinic, from the doctor's profile page.

The profile's clinic list (profiles) links here because the decision needs the
bookings at the clinic, which only appointments can read. GET shows what the
removal takes away (or which bookings stop it); POST removes.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from accounts.decorators import doctor_required
from appointments import clinics
from profiles.models import Clinic
from profiles.services import VerificationError, profile_ensure


def _get_clinic_for(doctor, pk):
    """One of the doctor's current clinics, else 404 (another doctor's, or archived)."""
    return get_object_or_404(
        Clinic.objects.select_related("doctor", "city", "locality"), doctor=doctor, pk=pk
    )


def _back_to_clinics():
    return redirect(f"{reverse('profiles:doctor_profile')}#clinics")


def _page(request, doctor, clinic, *, upcoming, status=200):
    context = {
        "doctor": doctor,
        "clinic": clinic,
        "zone": doctor.time_zone,
        "upcoming": upcoming,
        "hours": clinics.clinic_hours(clinic),
    }
    return render(request, "appointments/clinic_remove.html", context, status=status)


@doctor_required
@require_http_methods(["GET", "POST"])
def clinic_remove(request, pk):
    doctor = profile_ensure(user=request.user)
    clinic = _get_clinic_for(doctor, pk)
    if request.method == "GET":
        return _page(request, doctor, clinic, upcoming=clinics.clinic_upcoming_appointments(clinic))
    try:
        removal = clinics.clinic_remove(doctor=doctor, clinic=clinic)
    except clinics.ClinicInUse as error:
        # Conflict: the page lists the bookings to move or cancel first.
        return _page(request, doctor, clinic, upcoming=error.appointments, status=409)
    except VerificationError as error:
        messages.error(request, str(error))
        return _back_to_clinics()
    text = f"{clinic.name} removed."
    if removal.archived:
        text = f"{clinic.name} removed. Past appointments there still show it."
    if removal.hours:
        text += f" Your hours there were removed too: {'; '.join(removal.hours)}."
    messages.success(request, text)
    return _back_to_clinics()


urlpatterns = [
    path("doctor/profile/clinics/<int:pk>/remove/", clinic_remove, name="clinic_remove"),
]
