"""The prescription as an A4 PDF, rendered once at issue with WeasyPrint.

The header (clinic, doctor, registration) and the footer (verification code,
QR code, "page N of M") are running elements, so a long prescription repeats
them on every page. Fonts: the Noto families (Debian's fonts-noto-core) cover
Devanagari and the other Indian scripts; DejaVu is the fallback.
"""

import base64
import mimetypes

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from profiles.models import PatientProfile


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def _signature_data_uri(doctor) -> str:
    """The doctor's signature image, inlined (it lives in private storage, which has no URL)."""
    field = getattr(doctor, "signature", None)
    if not field:
        return ""
    try:
        with field.storage.open(field.name, "rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    content_type = mimetypes.guess_type(field.name)[0] or "image/png"
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _age(date_of_birth, day):
    age = PatientProfile(date_of_birth=date_of_birth).age_on(day)
    if age is None:
        return ""
    years, months = age
    if years >= 2:
        return f"{years} years"
    return f"{years * 12 + months} months"


def pdf_context(prescription, *, items, verify_url, now=None):
    appointment = prescription.appointment
    doctor = prescription.doctor
    issued_on = timezone.localdate(prescription.issued_at or now or timezone.now())
    clinic = appointment.clinic or doctor.clinics.select_related("locality", "city").first()
    return {
        "rx": prescription,
        "items": items,
        "doctor": doctor,
        "qualifications": list(doctor.qualifications.all()),
        "clinic": clinic,
        "patient_name": prescription.patient.get_full_name() or prescription.patient.email,
        "patient_age": _age(prescription.patient_date_of_birth, issued_on),
        "patient_gender": prescription.get_patient_gender_display(),
        "companion_name": getattr(appointment, "companion_name", ""),
        "companion_relation": getattr(appointment, "companion_relation", ""),
        "issued_on": issued_on,
        "appointment": appointment,
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "signature": _signature_data_uri(doctor),
    }


def render_pdf(prescription, *, items, verify_url, now=None) -> bytes:
    html = render_to_string(
        "prescriptions/pdf.html", pdf_context(prescription, items=items, verify_url=verify_url, now=now)
    )
    return HTML(string=html, base_url=None).write_pdf()
