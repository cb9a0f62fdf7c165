"""Prescriptions' pages: writing (doctor), reading and downloading (patient and
doctor), the appointment page's part, and the public verification page."""

import contextlib
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.decorators import doctor_required
from core.audit import audit_record
from core.files import deny_private_file, serve_private_file
from core.throttle import client_ip, over_limit
from prescriptions import selectors, services
from prescriptions.forms import (
    ITEM_PREFIX,
    ItemFormSet,
    PrescriptionForm,
    RevokeForm,
    item_rows,
    posted_rows,
)
from prescriptions.models import Prescription

Status = Prescription.Status
CODE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


def _prescription_for(request, pk):
    prescription = selectors.prescription_for(request.user, pk)
    if prescription is None:
        raise Http404("No such prescription")
    return prescription


def _own_prescription(request, pk):
    prescription = selectors.prescription_for_doctor(request.user, pk)
    if prescription is None:
        raise Http404("No such prescription")
    return prescription


# --- Writing -------------------------------------------------------------------------


@doctor_required
@require_POST
def write(request, appointment_pk):
    """Start (or continue) the appointment's draft."""
    appointment = selectors.appointment_for_prescribing(request.user, appointment_pk)
    if appointment is None:
        raise Http404("No such appointment")
    try:
        draft = services.prescription_start(appointment=appointment, actor=request.user)
    except services.PrescriptionError as error:
        messages.error(request, str(error))
        return redirect("appointments:detail", pk=appointment.pk)
    return redirect("prescriptions:edit", pk=draft.pk)


def _age_and_gender_known(prescription):
    """The draft has both (copied from the profile when it started, or recorded by the doctor)."""
    return bool(prescription.patient_date_of_birth and prescription.patient_gender)


def _editor(request, prescription, *, form, formset, status=200):
    context = {
        "rx": prescription,
        "video_from_call": "consult_kind" not in form.fields and prescription.is_online,
        "appointment": prescription.appointment,
        "form": form,
        "formset": formset,
        "medicine_names": selectors.medicine_names(),
    }
    return render(request, "prescriptions/edit.html", context, status=status)


@doctor_required
def edit(request, pk):
    """The draft's editor. Buttons: add a row, remove a row (both re-render the
    rows without saving: a fragment for HTMX, the page without JavaScript), save
    the draft, issue it."""
    prescription = _own_prescription(request, pk)
    if not prescription.is_draft:
        messages.info(
            request, "This prescription is issued and cannot be edited. Write a correction instead."
        )
        return redirect("prescriptions:detail", pk=prescription.pk)
    form_kwargs = {
        "appointment": prescription.appointment,
        "age_and_gender_known": _age_and_gender_known(prescription),
        "video_from_call": services.video_from_call_record(prescription.appointment),
    }
    if request.method != "POST":
        items = [
            {name: getattr(item, name) for name in services.ITEM_FIELDS} for item in prescription.items.all()
        ]
        form = PrescriptionForm(instance=prescription, **form_kwargs)
        return _editor(request, prescription, form=form, formset=item_rows(items))

    action = request.POST.get("action", "save")
    if action == "add" or action.startswith("remove-"):
        return _change_rows(request, prescription, action, form_kwargs)
    form = PrescriptionForm(request.POST, instance=prescription, **form_kwargs)
    formset = ItemFormSet(request.POST, prefix=ITEM_PREFIX)
    if not (form.is_valid() & formset.is_valid()):
        return _editor(request, prescription, form=form, formset=formset, status=400)
    filled = formset.filled_forms()
    try:
        prescription = services.prescription_save_draft(
            prescription=prescription,
            actor=request.user,
            fields=dict(form.cleaned_data),
            items=[row.cleaned_data for row in filled],
        )
        if action == "issue":
            prescription = services.prescription_issue(prescription=prescription, actor=request.user)
    except services.IssueRefused as refusal:
        for message in refusal.errors:
            form.add_error(None, message)
        for position, message in refusal.item_errors.items():
            filled[position].add_error("name", message)
        return _editor(request, prescription, form=form, formset=formset, status=400)
    except services.PrescriptionError as error:
        form.add_error(None, str(error))
        return _editor(request, prescription, form=form, formset=formset, status=400)
    if action == "issue":
        messages.success(request, "The prescription is issued. The patient has been notified.")
        return redirect("prescriptions:detail", pk=prescription.pk)
    messages.success(request, "Draft saved.")
    return redirect("prescriptions:edit", pk=prescription.pk)


def _change_rows(request, prescription, action, form_kwargs):
    rows = posted_rows(request.POST)
    if action == "add":
        rows.append({})
    else:
        # A stale or forged index: show the rows as they are.
        with contextlib.suppress(ValueError, IndexError):
            del rows[int(action.removeprefix("remove-"))]
    formset = item_rows(rows)
    if request.htmx:
        return render(
            request,
            "prescriptions/partials/item_rows.html",
            {"formset": formset, "rx": prescription},
        )
    form = PrescriptionForm(initial=request.POST.dict(), instance=prescription, **form_kwargs)
    return _editor(request, prescription, form=form, formset=formset)


@doctor_required
@require_POST
def correct(request, pk):
    prescription = _own_prescription(request, pk)
    try:
        draft = services.prescription_correct(prescription=prescription, actor=request.user)
    except services.PrescriptionError as error:
        messages.error(request, str(error))
        return redirect("prescriptions:detail", pk=prescription.pk)
    messages.info(
        request, "A correction is started. The current prescription stays valid until you issue it."
    )
    return redirect("prescriptions:edit", pk=draft.pk)


@doctor_required
@require_POST
def revoke(request, pk):
    prescription = _own_prescription(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        too_long = any(error.code == "max_length" for error in form.errors.as_data().get("reason", []))
        messages.error(
            request,
            "Please keep the reason to at most 500 characters."
            if too_long
            else "Please give the reason for revoking it.",
        )
        return redirect("prescriptions:detail", pk=prescription.pk)
    try:
        services.prescription_revoke(
            prescription=prescription, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.PrescriptionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The prescription is revoked. The patient has been told.")
    return redirect("prescriptions:detail", pk=prescription.pk)


# --- Reading -------------------------------------------------------------------------


@login_required
def detail(request, pk):
    prescription = _prescription_for(request, pk)
    is_doctor = prescription.doctor.user_id == request.user.pk
    if is_doctor and not prescription.is_draft:
        audit_record(
            action="prescription.view",
            actor=request.user,
            target=prescription,
            subject=prescription.patient,
            request=request,
        )
    context = {
        "rx": prescription,
        "is_doctor": is_doctor,
        "items": list(prescription.items.all()),
        "revoke_form": RevokeForm(),
        "superseded_by": getattr(prescription, "superseded_by", None),
    }
    return render(request, "prescriptions/detail.html", context)


@login_required
def pdf(request, pk):
    """The issued PDF, to its patient and its doctor; every try is logged."""
    prescription = Prescription.objects.select_related("doctor", "patient").filter(pk=pk).first()
    if prescription is None:
        deny_private_file(request, detail=f"no prescription {pk}")
    user = request.user
    may_have = user.pk in (prescription.patient_id, prescription.doctor.user_id)
    if not may_have or prescription.is_draft or not prescription.pdf:
        deny_private_file(
            request,
            target=prescription,
            subject=prescription.patient,
            detail="a draft has no PDF" if may_have else "not the patient or the prescribing doctor",
        )
    issued = prescription.issued_at.strftime("%Y-%m-%d")
    return serve_private_file(
        request,
        field_file=prescription.pdf,
        download_name=f"prescription-{issued}-{prescription.pk}-v{prescription.version}.pdf",
        content_type="application/pdf",
        target=prescription,
        subject=prescription.patient,
    )


@login_required
def for_appointment(request, appointment_pk):
    """The appointment page's prescriptions part (HTMX), or the same as a page."""
    appointment = selectors.appointment_for_party(request.user, appointment_pk)
    if appointment is None:
        raise Http404("No such appointment")
    is_doctor = appointment.doctor.user_id == request.user.pk
    context = {
        "appointment": appointment,
        "is_doctor": is_doctor,
        "prescriptions": list(selectors.prescriptions_for_appointment(appointment, request.user)),
        "can_write": is_doctor and appointment.status in services.PRESCRIBABLE,
    }
    template = (
        "prescriptions/partials/appointment_prescriptions.html"
        if request.htmx
        else "prescriptions/appointment_prescriptions.html"
    )
    return render(request, template, context)


# --- Verification (public) ---------------------------------------------------------


def verify(request, code):
    """Whether a printed prescription is genuine: only the doctor's name and
    registration, the date and the patient's initials, nothing medical."""
    if over_limit("rx-verify", client_ip(request) or "unknown", limit=settings.RX_VERIFY_PER_MINUTE):
        response = render(
            request, "429.html", {"limit": settings.RX_VERIFY_PER_MINUTE, "window": "a minute"}, status=429
        )
        response["Retry-After"] = "60"
        return response
    prescription = selectors.prescription_by_code(code) if CODE.match(code) else None
    if prescription is None:
        return render(request, "prescriptions/verify_unknown.html", status=404)
    return render(request, "prescriptions/verify.html", {"rx": prescription})


urlpatterns = [
    path("rx/verify/<str:code>/", verify, name="verify"),
    path("rx/appointments/<int:appointment_pk>/", for_appointment, name="for_appointment"),
    path("rx/appointments/<int:appointment_pk>/write/", write, name="write"),
    path("rx/<int:pk>/", detail, name="detail"),
    path("rx/<int:pk>/edit/", edit, name="edit"),
    path("rx/<int:pk>/pdf/", pdf, name="pdf"),
    path("rx/<int:pk>/correct/", correct, name="correct"),
    path("rx/<int:pk>/revoke/", revoke, name="revoke"),
]
