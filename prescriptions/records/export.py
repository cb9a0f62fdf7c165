"""The patient's whole record as one zip, built at once.

The regulations give a clinic 72 hours to hand a patient a copy of their
record (shared/CLINICAL.md); this is self-service and immediate. The zip holds:

    README.txt          what is in it
    summary.json        the record as data, following schema.json
    schema.json         the JSON Schema (draft 2020-12) of summary.json
    reports/            the patient's uploads, hidden ones too, as uploaded

Each file in the zip is named by its kind, id and a safe version of its
title, so names never collide and never carry a path.
"""

import json
import re
import tempfile
import zipfile

from django.http import FileResponse
from django.utils import timezone

from appointments.models import Appointment
from core.audit import audit_record
from payments.models import Payment
from prescriptions.records.models import MedicalReport

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://medconsult.example/records/export/schema.json",
    "title": "MedConsult record export",
    "description": "summary.json in the zip that My Records exports. Times are ISO 8601 in UTC; "
    "dates are YYYY-MM-DD; amounts are integer paise (1 rupee = 100 paise); `file` names a file in the zip.",
    "type": "object",
    "required": ["format", "exported_at", "patient", "appointments", "payments", "reports"],
    "properties": {
        "format": {"const": "medconsult-record/1"},
        "exported_at": {"type": "string", "format": "date-time"},
        "patient": {
            "type": "object",
            "required": ["name", "email"],
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string"},
                "date_of_birth": {"type": ["string", "null"], "format": "date"},
                "gender": {"type": "string"},
                "blood_group": {"type": "string"},
                "allergies": {"type": "string"},
                "conditions": {"type": "string"},
            },
        },
        "appointments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "doctor", "start", "end", "mode", "status", "reason"],
                "properties": {
                    "id": {"type": "integer"},
                    "doctor": {"type": "string"},
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time"},
                    "mode": {"enum": ["ONLINE", "IN_PERSON"]},
                    "clinic": {"type": ["string", "null"]},
                    "status": {"type": "string"},
                    "reason": {"type": "string"},
                    "fee_paise": {"type": "integer"},
                },
            },
        },
        "payments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "appointment_id", "receipt", "amount_paise", "paid_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "appointment_id": {"type": "integer"},
                    "receipt": {"type": "string"},
                    "amount_paise": {"type": "integer"},
                    "refunded_paise": {"type": "integer"},
                    "paid_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
        },
        "reports": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "type", "date", "file", "hidden"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "type": {"enum": list(MedicalReport.Kind.values)},
                    "date": {"type": "string", "format": "date"},
                    "uploaded_at": {"type": "string", "format": "date-time"},
                    "content_type": {"type": "string"},
                    "file": {"type": ["string", "null"]},
                    "hidden": {"type": "boolean"},
                },
            },
        },
    },
}
SCHEMA_TEXT = json.dumps(SCHEMA, indent=2, ensure_ascii=False)

README = """Your MedConsult record, exported {when}.

summary.json  everything in your record as data (appointments, payments,
              your reports); schema.json describes its fields.
reports/      the reports you uploaded, hidden ones too.

Times in summary.json are in UTC; amounts are in paise (100 paise = 1 rupee).
"""

SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, *, limit=60) -> str:
    return SAFE.sub("-", text).strip("-.")[:limit] or "file"


def _iso(moment):
    return moment.isoformat() if moment else None


def _patient(patient):
    profile = getattr(patient, "patient_profile", None)
    return {
        "name": patient.get_full_name(),
        "email": patient.email,
        "date_of_birth": _iso(profile.date_of_birth) if profile else None,
        "gender": profile.get_gender_display() if profile and profile.gender else "",
        "blood_group": profile.blood_group if profile else "",
        "allergies": profile.allergies if profile else "",
        "conditions": profile.chronic_conditions if profile else "",
    }


def build(patient, archive: zipfile.ZipFile, *, now) -> dict:
    """Write the patient's record into `archive`; returns the summary written."""
    appointments = (
        Appointment.objects.filter(patient=patient)
        .exclude(status=Appointment.Status.EXPIRED)
        .exclude(Appointment.lapsed_hold(now))
        .select_related("doctor", "clinic")
        .order_by("start")
    )
    payments = (
        Payment.objects.filter(appointment__patient=patient, status=Payment.Status.CAPTURED)
        .prefetch_related("refunds")
        .order_by("captured_at", "id")
    )
    summary = {
        "format": "medconsult-record/1",
        "exported_at": _iso(now),
        "patient": _patient(patient),
        "appointments": [
            {
                "id": a.pk,
                "doctor": a.doctor.display_name,
                "start": _iso(a.start),
                "end": _iso(a.end),
                "mode": a.mode,
                "clinic": a.clinic.name if a.clinic else None,
                "status": a.status,
                "reason": a.reason,
                "fee_paise": a.fee,
            }
            for a in appointments
        ],
        "payments": [
            {
                "id": p.pk,
                "appointment_id": p.appointment_id,
                "receipt": p.receipt,
                "amount_paise": p.amount,
                "refunded_paise": p.refunded,
                "paid_at": _iso(p.captured_at),
            }
            for p in payments
        ],
        "reports": [],
    }
    for report in MedicalReport.objects.filter(patient=patient).order_by("report_date", "id"):
        extension = report.file.name.rsplit(".", 1)[-1] if "." in report.file.name else "bin"
        name = f"reports/{report.pk}-{safe_name(report.title)}.{extension}"
        try:
            with report.file.storage.open(report.file.name, "rb") as handle:
                archive.writestr(name, handle.read())
        except FileNotFoundError:
            name = None
        summary["reports"].append(
            {
                "id": report.pk,
                "title": report.title,
                "type": report.kind,
                "date": _iso(report.report_date),
                "uploaded_at": _iso(report.uploaded_at),
                "content_type": report.content_type,
                "file": name,
                "hidden": report.is_hidden,
            }
        )
    archive.writestr("summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    archive.writestr("schema.json", SCHEMA_TEXT)
    archive.writestr("README.txt", README.format(when=f"{now:%Y-%m-%d %H:%M} UTC"))
    return summary


def zip_response(request, *, patient):
    """The zip as a download. Side effect: an audit row (records.export)."""
    now = timezone.now()
    # Up to 20 MB in memory, then on disk: a record with many scans stays cheap.
    # FileResponse closes it once sent, so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        build(patient, archive, now=now)
    spool.seek(0)
    audit_record(action="records.export", actor=request.user, subject=patient, request=request)
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=f"medconsult-record-{now:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store, max-age=0"
    return response
