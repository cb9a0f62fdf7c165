"""The slot picker, booking, and one appointment's page with its actions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.decorators import patient_required
from appointments import selectors, services
from appointments.forms import BookForm, PickerQuery, ReasonForm, RescheduleForm
from appointments.picker import build_picker, picker_day
from appointments.refund_policy import policy_lines, refund_due
from core.throttle import limit_posts
from profiles.models import Clinic, DoctorProfile, Mode

# The clinics with their localities: every in-clinic slot names its clinic.
_CLINICS = Prefetch("clinics", queryset=Clinic.objects.select_related("locality"))


def _bookable_doctor(slug):
    doctors = DoctorProfile.objects.bookable().select_related("user").prefetch_related(_CLINICS)
    return get_object_or_404(doctors, slug=slug)


def picker_context(request, doctor):
    """The picker's first state, for a page that shows it without a request of its own (the doctor page)."""
    return _picker_context(request, doctor)


def _picker_context(request, doctor, *, moving=None, day=None, mode=None):
    """The picker as the query string asks, unless `day` and `mode` say otherwise
    (back from a refused booking: the day and mode the patient had chosen)."""
    query = PickerQuery(request.GET)
    query.is_valid()  # bad values are simply dropped: the picker falls back to its defaults
    prefetch_related_objects([doctor], _CLINICS)  # once: a doctor from _bookable_doctor has them
    mode = moving.mode if moving else mode or query.cleaned_data.get("mode")
    picker = build_picker(
        doctor,
        mode=mode,
        day=day or query.cleaned_data.get("day"),
        clinic=query.cleaned_data.get("clinic"),
    )
    picker_url = (
        reverse("appointments:reschedule", args=[moving.pk])
        if moving
        else reverse("appointments:slots", args=[doctor.slug])
    )
    return {"picker": picker, "doctor": doctor, "moving": moving, "picker_url": picker_url}


def slot_picker(request, slug):
    """A doctor's free slots for the next seven days: a fragment for HTMX (the
    doctor page loads it), a full page otherwise."""
    doctor = _bookable_doctor(slug)
    context = _picker_context(request, doctor)
    template = "appointments/partials/slot_picker.html" if request.htmx else "appointments/slots.html"
    return render(request, template, context)


def slot_link(picker, slot, moving=None) -> str:
    if moving is not None:
        return f"{reverse('appointments:reschedule', args=[moving.pk])}?{urlencode({'start': slot.start.isoformat()})}"
    query = urlencode({"start": slot.start.isoformat(), "mode": slot.mode})
    return f"{reverse('appointments:book', args=[picker.doctor.slug])}?{query}"


@patient_required
@limit_posts("booking", setting="BOOKING_POSTS_PER_MINUTE")
def book(request, slug):
    """Confirm a slot: GET shows the summary and asks for the reason; POST books.

    The slot is checked on GET by the booking's own rule, so a time the booking
    would refuse (past, on leave, off the grid, the wrong mode) sends the patient
    back to the picker on that day, with the reason, before they type anything."""
    doctor = _bookable_doctor(slug)
    companion = services.companion_required(request.user, request.POST.get("mode") or request.GET.get("mode"))
    # Bound on every POST, even an empty one: "or None" would leave it unbound and without cleaned_data.
    form = BookForm(
        request.POST if request.method == "POST" else None, initial=request.GET.dict(), companion=companion
    )
    slot_form = BookForm({**request.GET.dict(), "reason": "-"}) if request.method == "GET" else form
    if not slot_form.is_valid() and ("start" in slot_form.errors or "mode" in slot_form.errors):
        messages.error(request, "Please pick a time from the doctor's free slots.")
        return redirect("appointments:slots", slug=doctor.slug)
    start, mode = slot_form.cleaned_data["start"], slot_form.cleaned_data["mode"]
    refused = hold = None
    if request.method == "GET":
        try:
            slot = services.slot_for_booking(doctor=doctor, start=start, mode=mode)
        except services.BookingError as error:
            messages.error(request, str(error))
            query = urlencode({"day": picker_day(doctor, start, mode).isoformat(), "mode": mode})
            return redirect(f"{reverse('appointments:slots', args=[doctor.slug])}?{query}")
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_book(
                patient=request.user,
                doctor=doctor,
                start=start,
                mode=mode,
                reason=form.cleaned_data["reason"],
                companion_name=form.cleaned_data.get("companion_name", ""),
                companion_relation=form.cleaned_data.get("companion_relation", ""),
            )
        except services.CompanionRequired as error:
            # The age was given between the page and the POST: ask on this page.
            form.add_error(None, str(error))
        except services.LimitReached as error:
            # Another slot would be refused too: say so on this page, with the way out.
            form.add_error(None, str(error))
            refused, hold = True, error.hold
        except services.BookingError as error:
            return _refused(request, doctor, str(error), start=start, mode=mode)
        else:
            messages.success(request, _booked_message(appointment))
            if appointment.status == appointment.Status.PENDING_PAYMENT:
                # Payments' page (a URL, not an import: payments stands above appointments).
                return redirect("payments:pay", pk=appointment.pk)
            return redirect("appointments:detail", pk=appointment.pk)
    clinic_id = slot.clinic_id if request.method == "GET" else None
    if clinic_id is None and mode == Mode.IN_PERSON:
        # A POST that is shown again (no reason): the clinic is the rule's, as on GET.
        clinic_id = _clinic_of(doctor, start, mode)
    context = {
        "doctor": doctor,
        "form": form,
        "start": start,
        "mode": mode,
        "clinic": next((c for c in doctor.clinics.all() if c.pk == clinic_id), None),
        "fee": doctor.fee(mode),
        "back_query": urlencode({"day": picker_day(doctor, start, mode).isoformat(), "mode": mode}),
        "limit_reached": refused,
        "hold": hold,
    }
    status = 409 if refused else 400 if form.errors else 200
    return render(request, "appointments/book.html", context, status=status)


def _clinic_of(doctor, start, mode):
    try:
        return services.slot_for_booking(doctor=doctor, start=start, mode=mode).clinic_id
    except services.BookingError:
        return None


def _refused(request, doctor, message, *, start, mode):
    """The booking could not be made: say why, with fresh slots to pick from on
    the day and in the mode the patient had chosen."""
    context = _picker_context(request, doctor, day=picker_day(doctor, start, mode), mode=mode)
    context["error"] = message
    return render(request, "appointments/slots.html", context, status=409)


def _booked_message(appointment):
    """The flash after booking; once the slot is the patient's (booked or
    requested), it links to the page where they choose what the doctor may see
    (My Records stands above appointments: reached by URL name, not imported)."""
    Status = appointment.Status
    text = {
        Status.CONFIRMED: "Your appointment is booked. We have emailed you the details.",
        Status.REQUESTED: "Your request is sent. The doctor will accept or decline it; we will let you know.",
        Status.PENDING_PAYMENT: "Your slot is held for 10 minutes. Complete the payment to confirm it.",
    }[appointment.status]
    if appointment.status == Status.PENDING_PAYMENT:
        return text  # the link comes with the payment's confirmation
    return format_html(
        '{} <a href="{}">Share your reports with the doctor</a>.',
        text,
        reverse("records:share", args=[appointment.pk]),
    )


# --- One appointment ----------------------------------------------------------------


def _appointment_for(request, pk):
    appointment = selectors.appointment_for(request.user, pk)
    if appointment is None:
        raise Http404("No such appointment")
    return appointment


@login_required
def appointment_detail(request, pk):
    appointment = _appointment_for(request, pk)
    is_doctor = appointment.doctor.user_id == request.user.pk
    now = timezone.now()
    context = {
        "appointment": appointment,
        "is_doctor": is_doctor,
        "reason_form": ReasonForm(),
        "actions": services.available_actions(appointment, request.user),
        "too_late_to_change": not is_doctor and services.patient_too_late(appointment),
        "patient_facts": selectors.patient_facts(appointment, request.user, now=now),
        "doctor_sees": selectors.patient_facts_shared(appointment, now=now),
        # What cancelling now would give back, stated on the cancel step.
        "refund_if_cancelled": refund_due(appointment, actor=request.user, at=timezone.now()),
        "policy": policy_lines(),
    }
    return render(request, "appointments/detail.html", context)


def _act(request, pk, action, *, done, **kwargs):
    appointment = _appointment_for(request, pk)
    try:
        action(appointment=appointment, actor=request.user, **kwargs)
    except services.BookingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("appointments:detail", pk=appointment.pk)


def _with_reason(request, pk, action, *, done):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _appointment_for(request, pk)  # a stranger still gets a 404, not a hint
        messages.error(request, "Please give a reason.")
        return redirect("appointments:detail", pk=pk)
    return _act(request, pk, action, done=done, reason=form.cleaned_data["reason"])


@login_required
@require_POST
def cancel(request, pk):
    return _with_reason(request, pk, services.appointment_cancel, done="The appointment is cancelled.")


@login_required
@require_POST
def decline(request, pk):
    return _with_reason(request, pk, services.appointment_decline, done="The request is declined.")


@login_required
@require_POST
def accept(request, pk):
    return _act(request, pk, services.appointment_accept, done="Accepted. The patient has been told.")


@login_required
@require_POST
def complete(request, pk):
    return _act(request, pk, services.appointment_complete, done="Marked as completed.")


@login_required
@require_POST
def no_show(request, pk):
    return _act(request, pk, services.appointment_no_show, done="Marked as a no-show.")


def _not_bookable(request, appointment):
    """The doctor stopped taking bookings (verification withdrawn, account closed):
    there is no calendar to move to. Say so on the appointment's page."""
    messages.error(
        request,
        f"{appointment.doctor.display_name} is not taking bookings at the moment, so this appointment "
        "cannot be moved. It stays as it is.",
    )
    return redirect("appointments:detail", pk=appointment.pk)


@login_required
@limit_posts("booking", setting="BOOKING_POSTS_PER_MINUTE")
def reschedule(request, pk):
    """GET: pick a new slot (same doctor and mode). With ?start=: confirm. POST: move."""
    appointment = _appointment_for(request, pk)
    if not DoctorProfile.objects.bookable().filter(pk=appointment.doctor_id).exists():
        return _not_bookable(request, appointment)
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                services.appointment_reschedule(
                    appointment=appointment, actor=request.user, start=form.cleaned_data["start"]
                )
            except services.NotBookable:
                return _not_bookable(request, appointment)
            except services.BookingError as error:
                messages.error(request, str(error))
                return _back_to_picker(appointment, form.cleaned_data["start"])
            messages.success(request, "Your appointment is moved. We have emailed you the new time.")
            return redirect("appointments:detail", pk=pk)
        messages.error(request, "Please pick a time from the list.")
    if "start" in request.GET:
        confirm = RescheduleForm(request.GET)
        if confirm.is_valid():
            return _reschedule_confirm(request, appointment, confirm)
        messages.error(request, "Please pick a time from the list.")
    context = _picker_context(request, appointment.doctor, moving=appointment)
    if request.htmx:
        return render(request, "appointments/partials/slot_picker.html", context)
    return render(request, "appointments/reschedule.html", context)


def _back_to_picker(appointment, start):
    """The move's picker on the day of the time refused."""
    query = urlencode({"day": picker_day(appointment.doctor, start, appointment.mode).isoformat()})
    return redirect(f"{reverse('appointments:reschedule', args=[appointment.pk])}?{query}")


def _reschedule_confirm(request, appointment, confirm):
    """The move's confirm step, `?start=` checked by the rule the POST applies
    (services.slot_for_booking with the appointment moving): a time it would
    refuse sends the patient back to the picker on that day, with the reason."""
    doctor = appointment.doctor
    start = confirm.cleaned_data["start"]
    try:
        slot = services.slot_for_booking(
            doctor=doctor, start=start, mode=appointment.mode, moving=appointment
        )
    except services.NotBookable:
        return _not_bookable(request, appointment)
    except services.BookingError as error:
        messages.error(request, str(error))
        return _back_to_picker(appointment, start)
    prefetch_related_objects([doctor], _CLINICS)
    context = {
        "doctor": doctor,
        "moving": appointment,
        "confirm": confirm,
        "new_clinic": next((c for c in doctor.clinics.all() if c.pk == slot.clinic_id), None),
        "back_day": picker_day(doctor, start, appointment.mode),
    }
    return render(request, "appointments/reschedule.html", context)


urlpatterns = [
    path("doctors/<slug:slug>/slots/", slot_picker, name="slots"),
    path("doctors/<slug:slug>/book/", book, name="book"),
    path("appointments/<int:pk>/", appointment_detail, name="detail"),
    path("appointments/<int:pk>/cancel/", cancel, name="cancel"),
    path("appointments/<int:pk>/reschedule/", reschedule, name="reschedule"),
    path("appointments/<int:pk>/accept/", accept, name="accept"),
    path("appointments/<int:pk>/decline/", decline, name="decline"),
    path("appointments/<int:pk>/complete/", complete, name="complete"),
    path("appointments/<int:pk>/no-show/", no_show, name="no_show"),
]
