"""The doctor's availability page: weekly hours, exceptions, booking settings,
and the bookings a change collided with.

Adding and removing hours and exceptions answer an HTMX request with the
section's fragment (plus the collisions panel, swapped out of band) and a
plain request with a redirect back to the page, so the page works without
JavaScript. The bookings a change strands are remembered in the session
until the doctor cancels or keeps them.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import doctor_required
from appointments import availability, selectors
from appointments.availability import AvailabilityError
from appointments.availability_forms import (
    EXCEPTION_FORMS,
    BlockForm,
    BookingSettingsForm,
    CollisionCancelForm,
    ExtraHoursForm,
    LeaveForm,
    RuleForm,
)
from appointments.models import AvailabilityException, AvailabilityRule
from appointments.selectors import booking_settings_for
from profiles.services import profile_ensure

REVIEW_KEY = "availability_review"
KIND_NAMES = {
    AvailabilityException.Kind.LEAVE: "leave",
    AvailabilityException.Kind.BLOCK: "blocked hours",
    AvailabilityException.Kind.EXTRA: "extra hours",
}


# --- Helpers ---------------------------------------------------------------------------------


def _doctor(request):
    return profile_ensure(user=request.user)


def _get_rule_for(doctor, pk):
    return get_object_or_404(AvailabilityRule.objects.select_related("doctor"), doctor=doctor, pk=pk)


def _get_exception_for(doctor, pk):
    return get_object_or_404(AvailabilityException.objects.select_related("doctor"), doctor=doctor, pk=pk)


def _review_ids(request) -> list[int]:
    return list(request.session.get(REVIEW_KEY, []))


def _remember(request, colliding):
    if colliding:
        request.session[REVIEW_KEY] = sorted({*_review_ids(request), *(a.pk for a in colliding)})


def _forget(request, ids=None):
    remaining = [] if ids is None else [pk for pk in _review_ids(request) if pk not in set(ids)]
    if remaining:
        request.session[REVIEW_KEY] = remaining
    else:
        request.session.pop(REVIEW_KEY, None)


def _field_error(form, error: AvailabilityError):
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _describe(exception) -> str:
    """How a message names an exception: "blocked hours on Wed, 2 Dec, 14:00 to 16:00" (with a dash)."""
    text = f"{KIND_NAMES[exception.kind]} on {exception.date:%a, %-d %b}"
    if exception.kind == AvailabilityException.Kind.LEAVE and exception.end_date not in (
        None,
        exception.date,
    ):
        return f"{text} – {exception.end_date:%a, %-d %b}"
    if exception.start and exception.end:
        return f"{text}, {exception.start:%H:%M}–{exception.end:%H:%M}"
    return text


def _clinics(doctor):
    return list(doctor.clinics.all())


def _forms(doctor, bound=None):
    """Every add form of the page, unbound, except those given bound (by context name)."""
    clinics = _clinics(doctor)
    made = {
        "rule_form": RuleForm(doctor=doctor, clinics=clinics, prefix="rule"),
        "leave_form": LeaveForm(doctor=doctor, prefix="leave"),
        "block_form": BlockForm(doctor=doctor, prefix="block"),
        "extra_form": ExtraHoursForm(doctor=doctor, clinics=clinics, prefix="extra"),
    }
    made.update(bound or {})
    return made


def _sections(request, doctor, *, bound=None, cancel_form=None):
    """What the rules, exceptions and collisions parts of the page need."""
    review = selectors.appointments_to_review(doctor, _review_ids(request))
    return {
        "doctor": doctor,
        "zone": doctor.time_zone,
        "offers_any": bool(doctor.modes),
        "week": selectors.week_of(selectors.rules_for(doctor)),
        "exceptions": selectors.upcoming_exceptions(doctor, today=availability.local_today(doctor)),
        "review": review,
        "cancel_form": cancel_form or CollisionCancelForm(appointments=review),
        **_forms(doctor, bound),
    }


def _page(request, doctor, *, status=200, bound=None, settings_form=None, cancel_form=None):
    context = _sections(request, doctor, bound=bound, cancel_form=cancel_form)
    context["settings_form"] = settings_form or BookingSettingsForm(
        initial=BookingSettingsForm.initial_for(booking_settings_for(doctor))
    )
    return render(request, "appointments/availability.html", context, status=status)


def _section(request, doctor, section, *, notice=None, colliding=0, bound=None):
    """One section's fragment and, out of band, the collisions panel.

    htmx 2 does not swap 4xx answers, so a form with errors comes back as 200.
    """
    context = {
        **_sections(request, doctor, bound=bound),
        "section": section,
        "notice": notice,
        "colliding": colliding,
    }
    return render(request, "appointments/partials/availability_response.html", context)


def _done(request, doctor, section, text, colliding):
    """The answer to a successful change: a fragment for HTMX, else back to the page."""
    _remember(request, colliding)
    if request.htmx:
        return _section(request, doctor, section, notice=text, colliding=len(colliding))
    messages.success(request, text)
    if colliding:
        count = len(colliding)
        messages.warning(
            request,
            ngettext(
                "%(count)d booking falls in that time. Nothing is cancelled: choose below what happens to it.",
                "%(count)d bookings fall in that time. Nothing is cancelled: choose below what happens to them.",
                count,
            )
            % {"count": count},
        )
        return redirect(f"{reverse('appointments:availability')}#collisions")
    return redirect(f"{reverse('appointments:availability')}#{section}")


def _invalid(request, doctor, section, form_key, form):
    if request.htmx:
        return _section(request, doctor, section, bound={form_key: form})
    return _page(request, doctor, status=400, bound={form_key: form})


# --- Views -----------------------------------------------------------------------------------


@doctor_required
@require_GET
def availability_page(request):
    return _page(request, _doctor(request))


@doctor_required
@require_POST
def rule_add(request):
    doctor = _doctor(request)
    form = RuleForm(request.POST, doctor=doctor, clinics=_clinics(doctor), prefix="rule")
    if form.is_valid():
        try:
            rule = availability.availability_rule_add(doctor=doctor, **form.cleaned_data)
        except AvailabilityError as error:
            _field_error(form, error)
        else:
            return _done(request, doctor, "rules", f"Added {rule}.", [])
    return _invalid(request, doctor, "rules", "rule_form", form)


@doctor_required
@require_POST
def rule_remove(request, pk):
    doctor = _doctor(request)
    change = availability.availability_rule_remove(rule=_get_rule_for(doctor, pk))
    return _done(request, doctor, "rules", f"Removed {change.saved}.", change.colliding)


@doctor_required
@require_POST
def exception_add(request, kind):
    doctor = _doctor(request)
    form_class = EXCEPTION_FORMS.get(kind)
    if form_class is None:
        raise Http404("No such kind of change")
    form = form_class(request.POST, doctor=doctor, clinics=_clinics(doctor), prefix=kind)
    if form.is_valid():
        try:
            change = availability.availability_exception_add(
                doctor=doctor, kind=form_class.kind, **form.cleaned_data
            )
        except AvailabilityError as error:
            _field_error(form, error)
        else:
            text = f"Added {_describe(change.saved)}."
            return _done(request, doctor, "exceptions", text, change.colliding)
    return _invalid(request, doctor, "exceptions", f"{kind}_form", form)


@doctor_required
@require_POST
def exception_remove(request, pk):
    doctor = _doctor(request)
    change = availability.availability_exception_remove(exception=_get_exception_for(doctor, pk))
    return _done(request, doctor, "exceptions", f"Removed {_describe(change.saved)}.", change.colliding)


@doctor_required
@require_POST
def settings_save(request):
    doctor = _doctor(request)
    form = BookingSettingsForm(request.POST)
    if not form.is_valid():
        return _page(request, doctor, status=400, settings_form=form)
    data = form.cleaned_data
    availability.booking_settings_update(
        doctor=doctor,
        min_notice_minutes=data["min_notice_minutes"],
        horizon_days=data["horizon_days"],
        approval_required=data["approval_required"],
    )
    messages.success(request, "Booking settings saved.")
    return redirect(f"{reverse('appointments:availability')}#settings")


@doctor_required
@require_POST
def collisions_cancel(request):
    doctor = _doctor(request)
    appointments = selectors.appointments_to_review(doctor, _review_ids(request))
    form = CollisionCancelForm(request.POST, appointments=appointments)
    if not form.is_valid():
        return _page(request, doctor, status=400, cancel_form=form)
    try:
        cancelled = availability.colliding_appointments_cancel(
            doctor=doctor,
            appointment_ids=form.cleaned_data["appointments"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except AvailabilityError as error:
        _field_error(form, error)
        return _page(request, doctor, status=400, cancel_form=form)
    _forget(request, form.cleaned_data["appointments"])
    count = len(cancelled)
    messages.success(
        request,
        ngettext(
            "Cancelled %(count)d booking. We have told the patient why.",
            "Cancelled %(count)d bookings. We have told the patients why.",
            count,
        )
        % {"count": count},
    )
    return redirect("appointments:availability")


@doctor_required
@require_POST
def collisions_keep(request):
    _forget(request)
    messages.success(request, "The bookings are kept. You will see them as usual.")
    return redirect("appointments:availability")


urlpatterns = [
    path("doctor/availability/", availability_page, name="availability"),
    path("doctor/availability/rules/add/", rule_add, name="availability_rule_add"),
    path("doctor/availability/rules/<int:pk>/remove/", rule_remove, name="availability_rule_remove"),
    path("doctor/availability/exceptions/<slug:kind>/add/", exception_add, name="availability_exception_add"),
    path(
        "doctor/availability/exceptions/<int:pk>/remove/",
        exception_remove,
        name="availability_exception_remove",
    ),
    path("doctor/availability/settings/", settings_save, name="availability_settings"),
    path("doctor/availability/collisions/cancel/", collisions_cancel, name="availability_collisions_cancel"),
    path("doctor/availability/collisions/keep/", collisions_keep, name="availability_collisions_keep"),
]
