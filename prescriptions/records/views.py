"""My Records (the patient), sharing, and the doctor's view of a patient's history.

Every object is fetched through a helper scoped to the requester, so another
person's id gives 404; every read of another person's record is an audit row.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import doctor_required, patient_required
from core.audit import audit_record
from core.files import deny_private_file, serve_private_file
from core.models import AuditLog
from core.throttle import limit_posts
from core.uploads import download_name
from prescriptions.records import export, selectors, services, transcripts
from prescriptions.records.forms import ReportRenameForm, ReportUploadForm, ShareForm, TimelineFilter


@patient_required
def index(request):
    """The patient's timeline, filtered and paginated, with who looked at it."""
    filters = TimelineFilter(request.GET or None)
    query = filters.query()
    rows = selectors.timeline(request.user, **query)
    page = Paginator(rows, settings.RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "filters": filters,
        "filtered": bool(kept),
        "page": page,
        "items": selectors.with_call_records(selectors.load_items(list(page.object_list))),
        "query": urlencode(kept),
        "showing_hidden": query.get("hidden", False),
        "looked": selectors.looked_at(request.user),
        "looked_labels": selectors.LOOKED,
    }
    return render(request, "prescriptions/records/index.html", context)


# --- Reports -----------------------------------------------------------------------


@patient_required
@limit_posts("records-upload", setting="RECORDS_POSTS_PER_MINUTE")
def report_upload(request):
    # Bound on every POST, even an empty one, so that it says what is missing.
    posted = request.method == "POST"
    form = ReportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.report_upload(
            patient=request.user,
            title=data["title"],
            kind=data["kind"],
            report_date=data["report_date"],
            upload=data["file"],
            detected=data["detected"],
            request=request,
        )
        messages.success(request, "Your report is added to your records.")
        return redirect("records:index")
    status = 400 if form.errors else 200
    return render(request, "prescriptions/records/upload.html", {"form": form}, status=status)


def _own_report(request, pk):
    report = selectors.report_of_patient(request.user, pk)
    if report is None:
        raise Http404("No such report")
    return report


@patient_required
def report_edit(request, pk):
    """Rename the report; hide or show it again (separate POSTs)."""
    report = _own_report(request, pk)
    form = ReportRenameForm(
        request.POST if request.method == "POST" else None, initial={"title": report.title}
    )
    if request.method == "POST" and form.is_valid():
        services.report_rename(report=report, title=form.cleaned_data["title"], request=request)
        messages.success(request, "Renamed.")
        return redirect("records:index")
    status = 400 if form.errors else 200
    return render(
        request, "prescriptions/records/report.html", {"form": form, "report": report}, status=status
    )


@patient_required
@require_POST
def report_hide(request, pk):
    services.report_hide(report=_own_report(request, pk), request=request)
    messages.success(
        request, "Hidden from your records and from your doctors. It is kept, and you can show it again."
    )
    return redirect("records:index")


@patient_required
@require_POST
def report_unhide(request, pk):
    services.report_unhide(report=_own_report(request, pk), request=request)
    messages.success(request, "Shown again in your records.")
    return redirect("records:index")


def report_file(request, pk):
    """The patient, or a doctor it is shared with while that lasts; anyone else
    gets 404, logged as denied."""
    report, allowed = selectors.report_for_download(user=request.user, pk=pk)
    if not allowed:
        deny_private_file(
            request,
            target=report,
            subject=report.patient if report else None,
            detail="" if report else f"no medical report {pk}",
        )
    return serve_private_file(
        request,
        field_file=report.file,
        download_name=download_name(report.original_name, report.content_type),
        content_type=report.content_type,
        target=report,
        subject=report.patient,
    )


# --- Transcripts -----------------------------------------------------------------------


def _own_session(request, pk):
    session = selectors.patient_session(request.user, pk)
    if session is None:
        raise Http404("No such consultation")
    return session


@patient_required
def transcript(request, pk):
    """The consultation's messages, read-only, for its patient (the doctor has the room)."""
    session = _own_session(request, pk)
    context = transcripts.context(session, selectors.transcript(session))
    context["call_history"] = selectors.call_records([session.pk]).get(session.pk, [])
    return render(request, "prescriptions/records/transcript.html", context)


@patient_required
# Each one is rendered by WeasyPrint on request (about a second of CPU): limited like uploads.
@limit_posts("records-transcript-pdf", setting="RECORDS_PDFS_PER_MINUTE", methods=("GET",))
def transcript_pdf(request, pk):
    session = _own_session(request, pk)
    pdf = transcripts.as_pdf(session, selectors.transcript(session))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"consultation-{session.appointment.start:%Y-%m-%d}-{session.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store, max-age=0"
    return response


# --- Sharing -----------------------------------------------------------------------


@patient_required
def share(request, pk):
    """Which of the patient's reports and earlier prescriptions the doctor of this appointment may see."""
    appointment = selectors.appointment_for_sharing(request.user, pk)
    if appointment is None:
        raise Http404("No such appointment")
    reports = selectors.visible_reports(request.user)
    prescriptions = selectors.shareable_prescriptions(request.user, appointment)
    reports_shared, prescriptions_shared = selectors.shared_ids(appointment)
    # Bound on every POST: unticking everything posts no field at all, and means "share nothing".
    form = ShareForm(
        request.POST if request.method == "POST" else None,
        reports=reports,
        prescriptions=prescriptions,
        initial={"reports": list(reports_shared), "prescriptions": list(prescriptions_shared)},
    )
    if request.method == "POST" and form.is_valid():
        services.shares_set(
            appointment=appointment,
            reports=form.cleaned_data["reports"],
            prescriptions=form.cleaned_data["prescriptions"],
            request=request,
        )
        messages.success(request, f"Saved. {appointment.doctor.display_name} sees what you ticked.")
        return redirect("appointments:detail", pk=appointment.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "prescriptions/records/share.html",
        {
            "form": form,
            "appointment": appointment,
            "has_items": reports.exists() or prescriptions.exists(),
            "access_days": settings.RECORDS_SHARED_ACCESS_DAYS,
        },
        status=status,
    )


# --- The doctor's view ---------------------------------------------------------------


@doctor_required
def patient_history(request, pk):
    """From one of the doctor's appointments: what they may see of its patient."""
    appointment = selectors.doctor_appointment(request.user, pk)
    history = selectors.patient_history(appointment) if appointment else None
    if history is None:
        audit_record(
            action="records.history.view",
            actor=request.user,
            target=appointment,
            subject=appointment.patient if appointment else None,
            outcome=AuditLog.Outcome.DENIED,
            request=request,
            detail="" if appointment else f"no appointment {pk} of this doctor",
        )
        raise Http404("No such appointment")
    audit_record(
        action="records.history.view",
        actor=request.user,
        target=appointment,
        subject=history.patient,
        request=request,
        detail="with shared items" if history.sees_shared else "own appointments and prescriptions only",
    )
    return render(
        request,
        "prescriptions/records/patient_history.html",
        {"history": history, "settings_days": settings.RECORDS_SHARED_ACCESS_DAYS},
    )


def shared_prescription_pdf(request, pk):
    """A prescription by another doctor that the patient shared with the
    requesting doctor, while that lasts; anyone else gets 404, logged. (The
    patient and the prescribing doctor use prescriptions:pdf.)"""
    prescription, allowed = selectors.prescription_for_shared_download(user=request.user, pk=pk)
    if not allowed:
        deny_private_file(
            request,
            target=prescription,
            subject=prescription.patient if prescription else None,
            detail="" if prescription else f"no prescription {pk}",
        )
    return serve_private_file(
        request,
        field_file=prescription.pdf,
        download_name=f"prescription-{prescription.issued_at:%Y-%m-%d}-{prescription.pk}-v{prescription.version}.pdf",
        content_type="application/pdf",
        target=prescription,
        subject=prescription.patient,
    )


# --- Export --------------------------------------------------------------------------


@patient_required
@require_POST
@limit_posts("records-export", setting="RECORDS_POSTS_PER_MINUTE")
def export_zip(request):
    """Everything in the patient's record as one zip, at once (the regulations give 72 hours)."""
    return export.zip_response(request, patient=request.user)


@login_required
def export_schema(request):
    return render(request, "prescriptions/records/export_schema.html", {"schema": export.SCHEMA_TEXT})
