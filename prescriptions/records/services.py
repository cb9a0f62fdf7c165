"""Writes to My Records: the patient's uploads and what they share.

Nothing here deletes a report: hiding sets `hidden_at`, and every change is an
audit row (core.audit), so the record and its history stay whole for the
3 years the regulations ask (shared/CLINICAL.md).
"""

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from prescriptions.records.models import MedicalReport, RecordShare


def report_upload(*, patient, title, kind, report_date, upload, detected, request=None) -> MedicalReport:
    """Store the patient's report privately under a generated name.

    `detected` is core.uploads.detect_document's verdict on the file's content.
    Side effects: one audit row (records.report.upload); the file is removed
    again if the transaction rolls back.
    """
    with transaction.atomic():
        report = MedicalReport(
            patient=patient,
            title=title,
            kind=kind,
            report_date=report_date,
            original_name=(upload.name or "report")[-255:],
            content_type=detected.content_type,
            size=upload.size,
        )
        upload.seek(0)
        report.file.save(detected.generated_name(), upload, save=False)
        stored, storage = report.file.name, report.file.storage
        try:
            report.save()
            audit_record(
                action="records.report.upload", actor=patient, target=report, subject=patient, request=request
            )
        except Exception:
            # The row is not there, so neither may its file be.
            storage.delete(stored)
            raise
    return report


def _locked(report):
    return MedicalReport.objects.select_for_update().get(pk=report.pk)


def report_rename(*, report, title, request=None) -> MedicalReport:
    """Give the patient's report a new title. Side effect: an audit row with both titles."""
    with transaction.atomic():
        report = _locked(report)
        old = report.title
        if old == title:
            return report
        report.title = title
        report.save(update_fields=["title"])
        audit_record(
            action="records.report.rename",
            actor=report.patient,
            target=report,
            subject=report.patient,
            request=request,
            detail=f"{old} → {title}",
        )
    return report


def report_hide(*, report, request=None) -> MedicalReport:
    """Hide a report from the patient's list and from every doctor (shares
    included); it stays in the record and the export. Side effect: an audit row."""
    return _set_hidden(report, hidden=True, request=request)


def report_unhide(*, report, request=None) -> MedicalReport:
    """Show a hidden report again (earlier shares apply again). Side effect: an audit row."""
    return _set_hidden(report, hidden=False, request=request)


def _set_hidden(report, *, hidden, request) -> MedicalReport:
    with transaction.atomic():
        report = _locked(report)
        if (report.hidden_at is not None) != hidden:
            report.hidden_at = timezone.now() if hidden else None
            report.save(update_fields=["hidden_at"])
            audit_record(
                action="records.report.hide" if hidden else "records.report.unhide",
                actor=report.patient,
                target=report,
                subject=report.patient,
                request=request,
            )
    return report


def _apply(appointment, field, wanted, **among) -> tuple[list, list]:
    # `among` narrows the shares the patient chose from: the others are kept as they are.
    current = set(
        RecordShare.objects.filter(
            appointment=appointment, **{f"{field}__isnull": False}, **among
        ).values_list(f"{field}_id", flat=True)
    )
    wanted = {item.pk: item for item in wanted}
    added = sorted(pk for pk in wanted if pk not in current)
    withdrawn = sorted(pk for pk in current if pk not in wanted)
    RecordShare.objects.bulk_create(
        [RecordShare(appointment=appointment, **{field: wanted[pk]}) for pk in added]
    )
    RecordShare.objects.filter(appointment=appointment, **{f"{field}_id__in": withdrawn}).delete()
    return added, withdrawn


def shares_set(*, appointment, reports, prescriptions=(), request=None) -> None:
    """Make `reports` and `prescriptions` exactly what the appointment's doctor
    may see of the patient's uploads and earlier prescriptions. Side effect: an
    audit row naming what was added and withdrawn."""
    with transaction.atomic():
        # One patient saving twice at once: the second waits and sees the first's rows.
        type(appointment).objects.select_for_update().filter(pk=appointment.pk).first()
        # A hidden report is not on the page, so not unticked: its share waits for it to be shown again.
        reports_added, reports_withdrawn = _apply(
            appointment, "report", reports, report__hidden_at__isnull=True
        )
        rx_added, rx_withdrawn = _apply(appointment, "prescription", prescriptions)
        if reports_added or reports_withdrawn or rx_added or rx_withdrawn:
            audit_record(
                action="records.share.update",
                actor=appointment.patient,
                target=appointment,
                subject=appointment.patient,
                request=request,
                detail=(
                    f"reports shared: {reports_added or '-'}; withdrawn: {reports_withdrawn or '-'}; "
                    f"prescriptions shared: {rx_added or '-'}; withdrawn: {rx_withdrawn or '-'}"
                ),
            )
