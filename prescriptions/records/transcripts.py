"""A consultation's chat as a read-only page, as text and as a PDF.

The PDF is rendered on request (a transcript changes until its follow-up window
closes, so there is nothing to store once); WeasyPrint as for prescriptions.
"""

from django.template.loader import render_to_string
from django.utils import timezone


def context(session, messages, *, now=None):
    appointment = session.appointment
    return {
        "session": session,
        "appointment": appointment,
        "doctor": appointment.doctor,
        "patient": appointment.patient,
        "chat_messages": messages,  # not "messages": that name is the flash messages in base.html
        "now": now or timezone.now(),
    }


def as_text(session, messages) -> str:
    """Plain text for the export: one line per message, times in UTC."""
    appointment = session.appointment
    names = {
        appointment.patient_id: appointment.patient.get_full_name(),
        appointment.doctor.user_id: appointment.doctor.display_name,
    }
    lines = [
        f"Consultation with {appointment.doctor.display_name} on {appointment.start:%Y-%m-%d %H:%M} UTC",
        f"Patient: {appointment.patient.get_full_name()}",
        "",
    ]
    for message in messages:
        who = names.get(message.sender_id, "MedConsult")
        lines.append(f"[{message.created_at:%Y-%m-%d %H:%M} UTC] {who}: {message.body}".rstrip())
        attachment = getattr(message, "attachment", None)
        if attachment is not None:
            lines.append(f"    (file: {attachment.original_name}, {attachment.content_type})")
    return "\n".join(lines) + "\n"


def as_pdf(session, messages) -> bytes:
    from weasyprint import HTML  # ~0.7 s to import: only when a PDF is asked for

    html = render_to_string("prescriptions/records/transcript_pdf.html", context(session, messages))
    return HTML(string=html).write_pdf()
