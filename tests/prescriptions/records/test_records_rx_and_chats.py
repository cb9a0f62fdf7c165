"""Prescriptions, consultation transcripts and chat files in My Records, in the
doctor's view of a patient's history, and in the export."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from appointments.models import Appointment
from core.models import AuditLog
from prescriptions.models import RecordShare
from tests.factories import (
    MINIMAL_PDF,
    AppointmentFactory,
    IssuedPrescriptionFactory,
    png_bytes,
)
from tests.prescriptions.records.conftest import chat

pytestmark = pytest.mark.django_db

INDEX = reverse("records:index")


def test_timeline_shows_prescriptions_with_download_and_chats_with_transcripts(
    client_for, patient, doctor, appointment
):
    rx = IssuedPrescriptionFactory(appointment=appointment, diagnosis="Acute pharyngitis")
    session = chat(
        appointment, (patient, "My throat hurts"), attachment=("throat.png", png_bytes(), "image/png")
    )
    attachment = session.messages.get().attachment

    body = client_for(patient).get(INDEX).content.decode()

    assert reverse("prescriptions:pdf", args=[rx.pk]) in body
    assert "Acute pharyngitis" in body
    assert reverse("records:transcript", args=[session.pk]) in body
    assert reverse("records:transcript_pdf", args=[session.pk]) in body
    assert reverse("consultations:file", args=[session.pk, attachment.pk]) in body
    assert "throat.png" in body


def test_timeline_leaves_out_drafts_and_empty_rooms(client_for, patient, appointment):
    IssuedPrescriptionFactory(appointment=appointment, status="DRAFT", issued_at=None, diagnosis="Unfinished")
    chat(appointment)

    body = client_for(patient).get(INDEX).content.decode()

    assert "Unfinished" not in body
    assert "Chat with" not in body


def test_patient_downloads_the_prescription_pdf_from_my_records(client_for, patient, appointment):
    rx = IssuedPrescriptionFactory(appointment=appointment)
    http = client_for(patient)
    link = reverse("prescriptions:pdf", args=[rx.pk])
    assert link in http.get(INDEX).content.decode()

    response = http.get(link)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert AuditLog.objects.get().action == "file.download"


def test_transcript_page_and_pdf_show_the_messages_to_the_patient(client_for, patient, doctor, appointment):
    session = chat(
        appointment, (patient, "My throat hurts since Monday"), (doctor, "गरारे करें, warm salt water")
    )
    http = client_for(patient)

    page = http.get(reverse("records:transcript", args=[session.pk])).content.decode()
    pdf = http.get(reverse("records:transcript_pdf", args=[session.pk]))

    assert "My throat hurts since Monday" in page
    assert "warm salt water" in page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "My throat hurts since Monday" in text
    assert "warm salt water" in text
    assert appointment.doctor.display_name in text


def test_transcript_pdf_past_the_limit_gets_the_429_page(client_for, patient, doctor, appointment, settings):
    settings.RECORDS_PDFS_PER_MINUTE = 2
    session = chat(appointment, (patient, "Still coughing"))
    http = client_for(patient)
    url = reverse("records:transcript_pdf", args=[session.pk])

    statuses = [http.get(url).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert http.get(reverse("records:transcript", args=[session.pk])).status_code == 200


@pytest.mark.parametrize("name", ["transcript", "transcript_pdf"])
def test_transcripts_are_the_patients_only(
    client_for, patient, other_patient, doctor, staff, appointment, name
):
    session = chat(appointment, (patient, "Private"))
    url = reverse(f"records:{name}", args=[session.pk])

    assert client_for(other_patient).get(url).status_code == 404
    assert client_for(doctor).get(url).status_code == 403
    assert client_for(staff).get(url).status_code == 403


# --- Sharing earlier prescriptions ------------------------------------------------------


@pytest.fixture
def earlier_rx(patient, other_doctor_profile):
    """A prescription by another doctor, two months ago."""
    start = timezone.now() - timedelta(days=60)
    earlier = AppointmentFactory(
        patient=patient,
        doctor=other_doctor_profile,
        start=start,
        end=start + timedelta(minutes=30),
        status=Appointment.Status.COMPLETED,
    )
    return IssuedPrescriptionFactory(appointment=earlier, diagnosis="Type 2 diabetes")


def test_share_page_offers_other_doctors_prescriptions_and_saves_them(
    client_for, patient, appointment, earlier_rx
):
    own = IssuedPrescriptionFactory(appointment=appointment, diagnosis="Own one")
    http = client_for(patient)

    page = http.get(reverse("records:share", args=[appointment.pk])).content.decode()
    response = http.post(reverse("records:share", args=[appointment.pk]), {"prescriptions": [earlier_rx.pk]})

    assert f'value="{earlier_rx.pk}"' in page
    assert f'name="prescriptions" value="{own.pk}"' not in page
    assert response.status_code == 302
    assert list(RecordShare.objects.values_list("prescription_id", flat=True)) == [earlier_rx.pk]
    assert "prescriptions shared: [" in AuditLog.objects.get().detail


def test_doctor_sees_own_and_shared_prescriptions_and_downloads_the_shared_pdf(
    client_for, patient, doctor, appointment, earlier_rx
):
    own = IssuedPrescriptionFactory(appointment=appointment)
    RecordShare.objects.create(appointment=appointment, prescription=earlier_rx)
    http = client_for(doctor)

    body = http.get(reverse("records:patient_history", args=[appointment.pk])).content.decode()
    download = http.get(reverse("records:shared_prescription_pdf", args=[earlier_rx.pk]))

    assert reverse("prescriptions:pdf", args=[own.pk]) in body
    assert reverse("records:shared_prescription_pdf", args=[earlier_rx.pk]) in body
    assert "Type 2 diabetes" in body
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    view, file = AuditLog.objects.order_by("id")
    assert (view.action, view.subject) == ("records.history.view", patient)
    assert (file.action, file.outcome, file.actor, file.subject, file.target_id) == (
        "file.download",
        AuditLog.Outcome.ALLOWED,
        doctor,
        patient,
        str(earlier_rx.pk),
    )


def test_after_30_days_the_doctor_keeps_own_prescriptions_and_loses_shared_ones(
    client_for, patient, doctor, doctor_profile, earlier_rx
):
    start = timezone.now() - timedelta(days=45)
    old = AppointmentFactory(
        patient=patient,
        doctor=doctor_profile,
        start=start,
        end=start + timedelta(minutes=30),
        status="COMPLETED",
    )
    own = IssuedPrescriptionFactory(appointment=old)
    RecordShare.objects.create(appointment=old, prescription=earlier_rx)
    http = client_for(doctor)

    body = http.get(reverse("records:patient_history", args=[old.pk])).content.decode()
    download = http.get(reverse("records:shared_prescription_pdf", args=[earlier_rx.pk]))

    assert reverse("prescriptions:pdf", args=[own.pk]) in body
    assert "Type 2 diabetes" not in body
    assert download.status_code == 404
    assert (
        AuditLog.objects.filter(action="file.download", outcome=AuditLog.Outcome.DENIED, actor=doctor).count()
        == 1
    )


@pytest.mark.parametrize("persona", ["other_patient", "other_doctor", "staff", "anonymous"])
def test_a_shared_prescription_pdf_is_for_the_doctor_it_was_shared_with(
    client, client_for, request, patient, appointment, earlier_rx, persona
):
    RecordShare.objects.create(appointment=appointment, prescription=earlier_rx)
    http = client if persona == "anonymous" else client_for(request.getfixturevalue(persona))

    response = http.get(reverse("records:shared_prescription_pdf", args=[earlier_rx.pk]))

    assert response.status_code == 404
    entry = AuditLog.objects.get()
    assert (entry.outcome, entry.subject) == (AuditLog.Outcome.DENIED, patient)


# --- Export -----------------------------------------------------------------------------


def test_export_holds_prescription_pdfs_transcripts_and_chat_files(client_for, patient, doctor, appointment):
    rx = IssuedPrescriptionFactory(appointment=appointment, diagnosis="Acute pharyngitis")
    session = chat(
        appointment,
        (patient, "My throat hurts"),
        (doctor, "Please send a photo"),
        attachment=("throat.png", png_bytes(), "image/png"),
    )
    attachment = session.messages.last().attachment

    response = client_for(patient).post(reverse("records:export"))

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    stem = f"{appointment.start:%Y-%m-%d}-{session.pk}"
    rx_name = f"prescriptions/{rx.issued_at:%Y-%m-%d}-{rx.pk}-v1.pdf"
    file_name = f"attachments/{stem}/{attachment.pk}-throat.png"
    assert archive.read(rx_name) == MINIMAL_PDF
    assert archive.read(file_name) == png_bytes()
    transcript = archive.read(f"transcripts/{stem}.txt").decode()
    assert "Priya Nair: My throat hurts" in transcript
    assert f"{appointment.doctor.display_name}: Please send a photo" in transcript
    summary = json.loads(archive.read("summary.json"))
    assert [(p["id"], p["diagnosis"], p["file"]) for p in summary["prescriptions"]] == [
        (rx.pk, "Acute pharyngitis", rx_name)
    ]
    (consultation,) = summary["consultations"]
    assert consultation["transcript"] == f"transcripts/{stem}.txt"
    assert [(m["from"], m["body"], m["attachment"]) for m in consultation["messages"]] == [
        ("patient", "My throat hurts", None),
        ("doctor", "Please send a photo", file_name),
    ]
