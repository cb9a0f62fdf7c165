"""The patient's whole record as one zip, built at once.

The regulations give a clinic 72 hours to hand a patient a copy of their
record (shared/CLINICAL.md); this is self-service and immediate. The zip holds:

    README.txt          what is in it
    summary.json        the record as data, following schema.json
    schema.json         the JSON Schema (draft 2020-12) of summary.json
    reports/            the patient's uploads, hidden ones too, as uploaded
    prescriptions/      every issued prescription's PDF (superseded and revoked too)
    transcripts/        each consultation's chat as text
    attachments/        the files sent in those chats

Each file in the zip is named by its kind, id and a safe version of its
title, so names never collide and never carry a path.
"""

import json
import re
import tempfile
import zipfile

from django.http import FileResponse
from django.utils import timezone

from consultations.models import ConsultationSession, Message
from core.audit import audit_record
from payments.models import Payment
from prescriptions.records import transcripts
from prescriptions.records.models import MedicalReport
from prescriptions.records.selectors import record_appointments
from prescriptions.selectors import prescriptions_for_patient

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://medconsult.example/records/export/schema.json",
    "title": "MedConsult record export",
    "description": "summary.json in the zip that My Records exports. Times are ISO 8601 in UTC; "
    "dates are YYYY-MM-DD; amounts are integer paise (1 rupee = 100 paise); `file` names a file in the zip.",
    "type": "object",
    "required": [
        "format",
        "exported_at",
        "patient",
        "appointments",
        "prescriptions",
        "consultations",
        "payments",
        "reports",
    ],
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
        "prescriptions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "appointment_id",
                    "doctor",
                    "issued_at",
                    "status",
                    "version",
                    "items",
                    "file",
                ],
                "properties": {
                    "id": {"type": "integer"},
                    "appointment_id": {"type": "integer"},
                    "doctor": {"type": "string"},
                    "doctor_registration": {"type": "string"},
                    "issued_at": {"type": "string", "format": "date-time"},
                    "status": {"enum": ["ISSUED", "SUPERSEDED", "REVOKED"]},
                    "version": {"type": "integer"},
                    "supersedes_id": {"type": ["integer", "null"]},
                    "verification_code": {"type": "string"},
                    "complaints": {"type": "string"},
                    "diagnosis": {"type": "string"},
                    "investigations": {"type": "string"},
                    "advice": {"type": "string"},
                    "follow_up_on": {"type": ["string", "null"], "format": "date"},
                    "revoked_reason": {"type": "string"},
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["medicine", "frequency", "duration", "duration_unit"],
                            "properties": {
                                "medicine": {"type": "string"},
                                "strength": {"type": "string"},
                                "form": {"type": "string"},
                                "dose": {"type": "string"},
                                "frequency": {"type": "string"},
                                "duration": {"type": "integer"},
                                "duration_unit": {"type": "string"},
                                "route": {"type": "string"},
                                "instructions": {"type": "string"},
                            },
                        },
                    },
                    "file": {"type": ["string", "null"]},
                },
            },
        },
        "consultations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "appointment_id", "doctor", "transcript", "messages"],
                "properties": {
                    "id": {"type": "integer"},
                    "appointment_id": {"type": "integer"},
                    "doctor": {"type": "string"},
                    "status": {"type": "string"},
                    "transcript": {"type": "string", "description": "transcripts/<file>.txt in the zip"},
                    "messages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["at", "from", "body"],
                            "properties": {
                                "at": {"type": "string", "format": "date-time"},
                                "from": {"enum": ["patient", "doctor", "system"]},
                                "body": {"type": "string"},
                                "attachment": {"type": ["string", "null"]},
                            },
                        },
                    },
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

summary.json   everything in your record as data (appointments,
               prescriptions, consultations, payments, your reports);
               schema.json describes its fields.
prescriptions/ the PDF of every prescription issued to you.
transcripts/   each consultation's messages as text.
attachments/   the files sent in your consultations.
reports/       the reports you uploaded, hidden ones too.

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


def _copy(archive, name, field_file):
    """Copy a stored file into the zip; None when storage has lost it."""
    if not field_file:
        return None
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            archive.writestr(name, handle.read())
    except FileNotFoundError:
        return None
    return name


def _prescriptions(patient, archive, summary):
    for rx in prescriptions_for_patient(patient).prefetch_related("items").order_by("issued_at", "id"):
        file = _copy(archive, f"prescriptions/{rx.issued_at:%Y-%m-%d}-{rx.pk}-v{rx.version}.pdf", rx.pdf)
        summary["prescriptions"].append(
            {
                "id": rx.pk,
                "appointment_id": rx.appointment_id,
                "doctor": rx.doctor_name or rx.doctor.display_name,
                "doctor_registration": rx.doctor_registration,
                "issued_at": _iso(rx.issued_at),
                "status": rx.status,
                "version": rx.version,
                "supersedes_id": rx.supersedes_id,
                "verification_code": rx.verification_code or "",
                "complaints": rx.complaints,
                "diagnosis": rx.diagnosis,
                "investigations": rx.investigations,
                "advice": rx.advice,
                "follow_up_on": _iso(rx.follow_up_on),
                "revoked_reason": rx.revoked_reason,
                "items": [
                    {
                        "medicine": item.name,
                        "strength": item.strength,
                        "form": item.form,
                        "dose": item.dose,
                        "frequency": item.frequency,
                        "duration": item.duration,
                        "duration_unit": item.duration_unit,
                        "route": item.route,
                        "instructions": item.instructions,
                    }
                    for item in sorted(rx.items.all(), key=lambda i: (i.position, i.pk))
                ],
                "file": file,
            }
        )


def _consultations(patient, archive, summary):
    sessions = (
        ConsultationSession.objects.filter(appointment__patient=patient)
        .select_related("appointment__doctor", "appointment__patient")
        .order_by("appointment__start", "id")
    )
    messages = Message.objects.filter(session__in=sessions).select_related("attachment").order_by("id")
    by_session = {}
    for message in messages:
        by_session.setdefault(message.session_id, []).append(message)
    for session in sessions:
        appointment = session.appointment
        chat = by_session.get(session.pk, [])
        stem = f"{appointment.start:%Y-%m-%d}-{session.pk}"
        transcript_name = f"transcripts/{stem}.txt"
        archive.writestr(transcript_name, transcripts.as_text(session, chat))
        rows = []
        for message in chat:
            attachment = getattr(message, "attachment", None)
            copied = None
            if attachment is not None:
                copied = _copy(
                    archive,
                    f"attachments/{stem}/{attachment.pk}-{safe_name(attachment.original_name)}",
                    attachment.file,
                )
            sender = (
                "patient"
                if message.sender_id == appointment.patient_id
                else "doctor"
                if message.sender_id == appointment.doctor.user_id
                else "system"
            )
            rows.append(
                {"at": _iso(message.created_at), "from": sender, "body": message.body, "attachment": copied}
            )
        summary["consultations"].append(
            {
                "id": session.pk,
                "appointment_id": appointment.pk,
                "doctor": appointment.doctor.display_name,
                "status": session.status,
                "transcript": transcript_name,
                "messages": rows,
            }
        )


def build(patient, archive: zipfile.ZipFile, *, now) -> dict:
    """Write the patient's record into `archive`; returns the summary written."""
    appointments = record_appointments(patient, now=now).select_related("doctor", "clinic").order_by("start")
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
        "prescriptions": [],
        "consultations": [],
        "reports": [],
    }
    _prescriptions(patient, archive, summary)
    _consultations(patient, archive, summary)
    for report in MedicalReport.objects.filter(patient=patient).order_by("report_date", "id"):
        extension = report.file.name.rsplit(".", 1)[-1] if "." in report.file.name else "bin"
        name = _copy(archive, f"reports/{report.pk}-{safe_name(report.title)}.{extension}", report.file)
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
