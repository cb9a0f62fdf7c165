"""Sending: idempotent retries, escaping, limits, rate limit, attachments,
read state, the email throttle and the 4-hour nudge."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consultations import poll, services
from consultations.models import Attachment, Message
from core.models import AuditLog, Notification
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _send(client, session, body="", *, client_id=None, file=None, htmx=False):
    data = {"body": body, "client_id": str(client_id or uuid.uuid4())}
    if file is not None:
        data["file"] = file
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("consultations:send", args=[session.pk]), data, **headers)


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (1200, 800), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_send_stores_the_message_as_the_logged_in_user(client_for, session, patient, doctor):
    response = _send(client_for(patient), session, "Hello doctor", htmx=True)

    message = Message.objects.get()
    assert response.status_code == 204
    assert response["HX-Trigger"] == "consult-sent"
    assert (message.sender, message.body, message.session_id) == (patient, "Hello doctor", session.pk)


def test_send_ignores_a_sender_in_the_request(client_for, session, patient, doctor):
    client = client_for(patient)
    client.post(
        reverse("consultations:send", args=[session.pk]),
        {"body": "Hi", "client_id": str(uuid.uuid4()), "sender": doctor.pk, "sender_id": doctor.pk},
    )
    assert Message.objects.get().sender == patient


def test_retried_send_with_the_same_client_id_is_stored_once(client_for, session, patient):
    client = client_for(patient)
    client_id = uuid.uuid4()

    first = _send(client, session, "Only once", client_id=client_id)
    second = _send(client, session, "Only once", client_id=client_id)

    assert first.status_code == second.status_code == 302
    assert Message.objects.count() == 1


def test_send_without_javascript_redirects_back_to_the_room(client_for, session, patient):
    response = _send(client_for(patient), session, "Plain form")
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:room", args=[session.pk])


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">'])
def test_message_text_is_escaped(client_for, session, patient, doctor, text):
    _send(client_for(patient), session, text)

    html = client_for(doctor).get(reverse("consultations:room", args=[session.pk])).content.decode()

    assert text not in html
    assert "&lt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_links_are_clickable_but_safe(client_for, session, patient, doctor):
    _send(client_for(patient), session, "See https://example.com/report?a=1&b=<x>")
    html = client_for(doctor).get(reverse("consultations:room", args=[session.pk])).content.decode()
    assert '<a href="https://example.com/report?a=1&amp;b=' in html
    assert "<x>" not in html


def test_file_names_are_escaped(client_for, session, patient, doctor):
    upload = SimpleUploadedFile('<img src=x onerror="alert(1)">.png', png_bytes(), content_type="image/png")
    _send(client_for(patient), session, file=upload)

    html = client_for(doctor).get(reverse("consultations:room", args=[session.pk])).content.decode()

    assert 'onerror="alert(1)"' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.png" in html


def test_text_over_5000_characters_is_refused_and_kept(client_for, session, patient):
    response = _send(client_for(patient), session, "a" * 5001, htmx=True)

    assert response.status_code == 200
    assert "at most 5,000 characters" in response.content.decode()
    assert "still in the box" in response.content.decode()
    assert not Message.objects.exists()


def test_control_and_bidi_characters_are_removed(client_for, session, patient):
    _send(client_for(patient), session, "Rash\u202e on\x07 the arm\nsince Monday")
    assert Message.objects.get().body == "Rash on the arm\nsince Monday"


def test_empty_message_is_refused(client_for, session, patient):
    response = _send(client_for(patient), session, "   ", htmx=True)
    assert "Type a message or attach a file" in response.content.decode()
    assert not Message.objects.exists()


def test_posting_is_rate_limited_with_a_clear_message(client_for, session, patient, settings):
    settings.CONSULTATION_POSTS_PER_MINUTE = 2
    client = client_for(patient)
    for number in range(2):
        assert _send(client, session, f"Message {number}").status_code == 302

    response = _send(client, session, "One too many")

    assert response.status_code == 429
    assert "Too many messages" in response.content.decode()
    assert Message.objects.count() == 2


def test_posting_in_a_closed_room_is_refused(client_for, session, patient, doctor):
    services.consultation_needs_in_person(session=session, actor=doctor)
    response = _send(client_for(patient), session, "Hello?", htmx=True)
    assert "not open for messages" in response.content.decode()
    assert not Message.objects.exists()


def test_strangers_cannot_post(client_for, session, other_patient, other_doctor, staff):
    for user in (other_patient, other_doctor, staff):
        assert _send(client_for(user), session, "Let me in").status_code == 404
    with pytest.raises(services.ConsultationError):
        services.message_send(session=session, sender=other_patient, body="Direct")
    assert not Message.objects.exists()


# --- Attachments --------------------------------------------------------------------------------


def test_image_gets_a_thumbnail_without_metadata(client_for, session, patient):
    upload = SimpleUploadedFile("rash.jpg", _jpeg_with_exif(), content_type="image/jpeg")

    _send(client_for(patient), session, "Photo of the rash", file=upload)

    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/jpeg"
    assert attachment.original_name == "rash.jpg"
    for stored in (attachment.file, attachment.thumbnail):
        with stored.open("rb") as handle, Image.open(handle) as image:
            assert not image.getexif()
    with attachment.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert max(thumb.size) == 480
    assert "rash" not in attachment.file.name  # a generated name, never the uploader's


def test_pdf_is_accepted_as_a_file(client_for, session, patient):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    _send(
        client_for(patient),
        session,
        file=SimpleUploadedFile("report.pdf", pdf, content_type="application/pdf"),
    )
    attachment = Attachment.objects.get()
    assert (attachment.content_type, bool(attachment.thumbnail)) == ("application/pdf", False)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("notes.png", b"<html><script>alert(1)</script></html>", "PDF, JPEG or PNG"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF", "the limit is 10 MB"),
        ("broken.jpg", b"\xff\xd8\xff" + b"garbage" * 10, "not a readable image"),
    ],
)
def test_bad_attachments_are_refused_and_the_text_kept(client_for, session, patient, name, content, error):
    response = _send(
        client_for(patient), session, "With a file", file=SimpleUploadedFile(name, content), htmx=True
    )
    assert error in response.content.decode()
    assert not Message.objects.exists()


# --- Read state ---------------------------------------------------------------------------------


def test_opening_the_room_reads_the_other_sides_messages(client_for, session, patient, doctor):
    mine, _ = services.message_send(session=session, sender=patient, body="Hello")
    theirs, _ = services.message_send(session=session, sender=doctor, body="Hi, tell me more")

    client_for(patient).get(reverse("consultations:room", args=[session.pk]))

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.read_at is not None
    assert mine.read_at is None


def test_sender_sees_which_messages_were_read(client_for, session, patient, doctor):
    first, _ = services.message_send(session=session, sender=patient, body="First")
    second, _ = services.message_send(session=session, sender=patient, body="Second")
    client_for(doctor).post(reverse("consultations:read", args=[session.pk]), {"upto": first.pk})

    html = client_for(patient).get(reverse("consultations:room", args=[session.pk])).content.decode()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert f'id="m-{first.pk}"' in html
    first_item = html.split(f'id="m-{first.pk}"')[0].rsplit("<li", 1)[1]
    assert "is-read" in first_item
    assert html.count('<span class="msg-read">Read</span>') == 1


def test_mark_read_never_marks_own_messages(client_for, session, patient):
    mine, _ = services.message_send(session=session, sender=patient, body="Mine")
    client_for(patient).post(reverse("consultations:read", args=[session.pk]), {"upto": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is None


# --- Notifications ----------------------------------------------------------------------------------


def test_message_to_an_absent_party_notifies_in_app_and_emails_once_per_15_minutes(
    session, patient, doctor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(session=session, sender=patient, body="First")
        services.message_send(session=session, sender=patient, body="Second")

    in_app = Notification.objects.filter(user=doctor, kind="consultation.message")
    assert in_app.count() == 2
    assert len([m for m in mail.outbox if doctor.email in m.to]) == 1
    assert "First" not in mail.outbox[0].body  # no medical text in email


def test_message_to_a_party_in_the_room_notifies_nobody(session, patient, doctor):
    poll.mark_seen(session.pk, "doctor")
    services.message_send(session=session, sender=patient, body="You are here")
    assert not Notification.objects.filter(user=doctor, kind="consultation.message").exists()


def test_room_open_notice_is_scheduled_for_the_opening(session, patient):
    notice = Notification.objects.get(user=patient, kind="consultation.open")
    assert notice.send_after == session.appointment.start - timedelta(minutes=10)


def test_unanswered_patient_message_nudges_the_doctor_once(session, patient, doctor):
    message, _ = services.message_send(session=session, sender=patient, body="Is this normal?")
    later = timezone.now() + timedelta(hours=4, minutes=1)

    assert services.nudge_unanswered(now=timezone.now() + timedelta(hours=3)) == 0
    assert services.nudge_unanswered(now=later) == 1
    assert services.nudge_unanswered(now=later + timedelta(hours=5)) == 0

    nudge = Notification.objects.get(user=doctor, kind="consultation.unanswered")
    assert nudge.key == f"consultation-nudge-{message.pk}"


def test_answered_message_is_not_nudged(session, patient, doctor):
    services.message_send(session=session, sender=patient, body="Question")
    services.message_send(session=session, sender=doctor, body="Answer")
    assert services.nudge_unanswered(now=timezone.now() + timedelta(hours=5)) == 0
    assert not Notification.objects.filter(kind="consultation.unanswered").exists()


def test_file_access_is_logged(client_for, session, patient, doctor, other_patient):
    _send(
        client_for(patient), session, file=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    )
    attachment = Attachment.objects.get()
    url = reverse("consultations:file", args=[session.pk, attachment.pk])

    assert client_for(doctor).get(url).status_code == 200
    assert client_for(other_patient).get(url).status_code == 404

    logs = AuditLog.objects.filter(action="file.download", target_id=str(attachment.pk))
    assert {(log.actor, log.outcome) for log in logs} == {
        (doctor, AuditLog.Outcome.ALLOWED),
        (other_patient, AuditLog.Outcome.DENIED),
    }
