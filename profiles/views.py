from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import doctor_required, patient_required
from core.files import deny_private_file, serve_private_file
from core.uploads import download_name
from profiles import selectors, services
from profiles.forms import (
    ClinicForm,
    DoctorProfileForm,
    DocumentForm,
    PatientProfileForm,
    PhotoForm,
    QualificationForm,
    SignatureForm,
)
from profiles.models import DoctorDocument, Qualification

# --- Public ---------------------------------------------------------------------


def doctor_page(request, slug):
    profile = selectors.doctor_for_public_page(slug=slug, viewer=request.user)
    if profile is None:
        raise Http404("No such doctor")
    return render(request, "profiles/doctor_page.html", {"doctor": profile})


# --- Doctor onboarding -------------------------------------------------------------


# The page's forms in the order of their sections: (section id, context name).
ONBOARDING_SECTIONS = (
    ("photo", "photo_form"),
    ("signature", "signature_form"),
    ("details", "form"),
    ("qualifications", "qualification_form"),
    ("clinics", "clinic_form"),
    ("documents", "document_form"),
)
# Where a missing requirement is fixed when it is not a field of the details form.
REQUIREMENT_TARGETS = {"qualifications": "id_degree", "clinics": "id_name", "documents": "id_kind"}


def _onboarding(request, *, status=200, focus="", **forms):
    """The onboarding page. After a refused form or an early submission it
    opens with an error summary at the top linking to each problem, the
    section concerned open, and focus (static/js/app.js) on the first field in
    error, or on the section or the summary when no field is to blame; each
    form's action names its section, so without JavaScript the page opens there."""
    services.profile_ensure(user=request.user)
    profile = selectors.doctor_for_onboarding(user=request.user)
    context = {
        "profile": profile,
        "form": forms.get("form") or DoctorProfileForm(instance=profile),
        "photo_form": forms.get("photo_form") or PhotoForm(),
        "signature_form": forms.get("signature_form") or SignatureForm(),
        "qualification_form": forms.get("qualification_form") or QualificationForm(),
        "clinic_form": forms.get("clinic_form") or ClinicForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
        "missing": forms.get("missing"),
        "documents": {d.kind: d for d in profile.documents.all()},
        "document_kinds": DoctorDocument.Kind.choices,
    }
    problems, focus_section = _error_summary(context)
    missing = context["missing"] or []
    wanted = {requirement.where for requirement in missing}
    context.update(
        problems=problems,
        missing_links=[(_requirement_href(context["form"], r), r) for r in missing],
        focus_section=focus_section or ("error-summary" if missing else ""),
        open_qualification="qualifications" in wanted or focus_section == "qualifications",
        open_clinic="clinics" in wanted or focus_section == "clinics" or focus == "clinics",
    )
    return render(request, "profiles/doctor_profile.html", context, status=status)


def _error_summary(context):
    """[(href, message)] for every error of the refused form, and the section to
    focus when no field is to blame (a field in error gets data-autofocus)."""
    problems, focus_section = [], ""
    for section, name in ONBOARDING_SECTIONS:
        form = context[name]
        if not form.is_bound or not form.errors:
            continue
        general = [e for key, errors in form.errors.items() if key not in form.fields for e in errors]
        if general:
            problems += [(f"#{section}", str(error)) for error in general]
            focus_section = section
        focused = False
        # In the order the fields appear, whichever check found the error.
        for field_name in [key for key in form.fields if key in form.errors]:
            errors = form.errors[field_name]
            bound = form[field_name]
            target = _first_input_id(bound) or section
            problems += [(f"#{target}", f"{bound.label}: {error}") for error in errors]
            if not focused:
                form.fields[field_name].widget.attrs["data-autofocus"] = ""
                focused = True
        if focused:
            focus_section = ""
    return problems, focus_section


def _first_input_id(bound):
    """The id of the field's input: its own (an input, a <select>), or its first
    checkbox's for a list of checkboxes (whose group has no id of its own)."""
    if bound.id_for_label:
        return bound.id_for_label
    subwidgets = bound.subwidgets
    return subwidgets[0].id_for_label if subwidgets else ""


def _requirement_href(form, requirement):
    where = requirement.where
    if where in form.fields:
        return f"#{_first_input_id(form[where]) or 'details'}"
    return f"#{REQUIREMENT_TARGETS[where]}" if where in REQUIREMENT_TARGETS else ""


def _back_to(section):
    """Back to the onboarding page, scrolled to the section just edited."""
    return redirect(f"{reverse('profiles:doctor_profile')}#{section}")


def _my_profile(request):
    return services.profile_ensure(user=request.user)


@doctor_required
def doctor_profile(request):
    if request.method != "POST":
        return _onboarding(request)
    profile = _my_profile(request)
    form = DoctorProfileForm(request.POST, instance=profile)
    if not form.is_valid():
        return _onboarding(request, form=form, status=400)
    try:
        services.doctor_profile_update(profile=profile, data=dict(form.cleaned_data))
    except services.VerificationError as error:
        form.add_error(None, str(error))
        return _onboarding(request, form=form, status=400)
    messages.success(request, "Your profile is saved.")
    return redirect("profiles:doctor_profile")


@doctor_required
@require_POST
def doctor_photo(request):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _onboarding(request, photo_form=form, status=400)
    services.doctor_photo_set(profile=_my_profile(request), photo_file=form.cleaned_data["photo"])
    messages.success(request, "Your photo is updated.")
    return _back_to("photo")


@doctor_required
@require_POST
def doctor_signature(request):
    form = SignatureForm(request.POST, request.FILES)
    if not form.is_valid():
        return _onboarding(request, signature_form=form, status=400)
    services.doctor_signature_set(profile=_my_profile(request), signature_file=form.cleaned_data["signature"])
    messages.success(
        request, "Your signature is saved. It is printed on the prescriptions you issue from now on."
    )
    return _back_to("signature")


@doctor_required
@require_POST
def doctor_qualification_add(request):
    form = QualificationForm(request.POST)
    if not form.is_valid():
        return _onboarding(request, qualification_form=form, status=400)
    try:
        services.doctor_qualification_add(profile=_my_profile(request), **form.cleaned_data)
    except services.VerificationError as error:
        form.add_error(None, str(error))
        return _onboarding(request, qualification_form=form, status=400)
    messages.success(request, "Qualification added.")
    return _back_to("qualifications")


@doctor_required
@require_POST
def doctor_qualification_remove(request, pk):
    profile = _my_profile(request)
    qualification = get_object_or_404(Qualification, doctor=profile, pk=pk)
    try:
        services.doctor_qualification_remove(profile=profile, qualification=qualification)
    except services.VerificationError as error:
        messages.error(request, str(error))
        return _back_to("qualifications")
    messages.success(request, "Qualification removed.")
    return _back_to("qualifications")


@doctor_required
@require_POST
def doctor_clinic_add(request):
    if request.POST.get("show_localities"):
        # Without JavaScript, "Show localities" brings the chosen city's list.
        fields = ("name", "address", "city", "phone")
        form = ClinicForm(initial={name: request.POST.get(name, "") for name in fields})
        form.fields["locality"].widget.attrs["data-autofocus"] = ""
        return _onboarding(request, clinic_form=form, focus="clinics")
    form = ClinicForm(request.POST)
    if not form.is_valid():
        return _onboarding(request, clinic_form=form, status=400)
    data = form.cleaned_data
    services.doctor_clinic_add(profile=_my_profile(request), **data)
    messages.success(request, f"{data['name']} added.")
    return _back_to("clinics")


@doctor_required
@require_GET
def doctor_clinic_localities(request):
    """The clinic form's locality field for the city chosen (an HTMX fragment)."""
    form = ClinicForm(initial={"city": request.GET.get("city", "")})
    return HttpResponse(form["locality"].as_field_group())


@doctor_required
@require_POST
def doctor_document_upload(request):
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _onboarding(request, document_form=form, status=400)
    try:
        document = services.doctor_document_upload(
            profile=_my_profile(request),
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            detected=form.cleaned_data["detected"],
        )
    except services.VerificationError as error:
        form.add_error(None, str(error))
        return _onboarding(request, document_form=form, status=400)
    messages.success(request, f"{document.get_kind_display()} uploaded.")
    return _back_to("documents")


@doctor_required
@require_POST
def doctor_submit(request):
    try:
        services.doctor_submit(profile=_my_profile(request))
    except services.ProfileIncomplete as incomplete:
        return _onboarding(request, missing=incomplete.missing, status=400)
    except services.VerificationError as error:
        messages.error(request, str(error))
        return redirect("profiles:doctor_profile")
    messages.success(request, "Submitted. Our team checks new doctors within two working days.")
    return redirect("profiles:doctor_profile")


def doctor_document_download(request, pk):
    """The doctor and staff may download; anyone else gets 404, logged as denied."""
    document, allowed = selectors.doctor_document_for_download(user=request.user, pk=pk)
    if not allowed:
        deny_private_file(
            request,
            target=document,
            subject=document.doctor.user if document else None,
            detail="" if document else f"no doctor document {pk}",
        )
    return serve_private_file(
        request,
        field_file=document.file,
        download_name=download_name(document.original_name, document.content_type),
        content_type=document.content_type,
        target=document,
        subject=document.doctor.user,
    )


# --- Patients ------------------------------------------------------------------------


@patient_required
def patient_profile(request):
    profile = services.profile_ensure(user=request.user)
    form = PatientProfileForm(request.POST or None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            services.patient_profile_update(profile=profile, data=form.cleaned_data)
            messages.success(request, "Your details are saved.")
            return redirect("profiles:patient_profile")
        return render(request, "profiles/patient_profile.html", {"form": form}, status=400)
    return render(request, "profiles/patient_profile.html", {"form": form})
