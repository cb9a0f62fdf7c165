"""Verification documents: the doctor and staff get the file; everyone else a 404; every attempt logged."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from tests.factories import MINIMAL_PDF, DoctorDocumentFactory, DoctorProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(doctor):
    return DoctorDocumentFactory(
        doctor=DoctorProfileFactory(user=doctor), original_name="my registration.pdf"
    )


def download(client, document):
    return client.get(reverse("profiles:document_download", args=[document.pk]))


@pytest.mark.parametrize("persona", ["doctor", "staff"])
def test_owner_and_staff_get_the_file_with_safe_headers(client_for, request, document, persona):
    user = request.getfixturevalue(persona)

    response = download(client_for(user), document)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Disposition"] == 'attachment; filename="my registration.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/pdf"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor, entry.subject) == (
        "file.download",
        AuditLog.Outcome.ALLOWED,
        user,
        document.doctor.user,
    )
    assert entry.target_id == str(document.pk)


@pytest.mark.parametrize("persona", ["patient", "other_doctor", "anonymous"])
def test_others_get_404_and_the_attempt_is_logged(client, client_for, request, document, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    http = client if user is None else client_for(user)

    response = download(http, document)

    assert response.status_code == 404
    entry = AuditLog.objects.get()
    assert entry.outcome == AuditLog.Outcome.DENIED
    assert entry.actor == user
    assert entry.ip_address == "127.0.0.1"
    assert (entry.target_type, entry.target_id) == ("profiles.doctordocument", str(document.pk))
    assert entry.subject == document.doctor.user


def test_unknown_document_id_is_404_and_logged(client_for, patient):
    response = client_for(patient).get(reverse("profiles:document_download", args=[999999]))

    assert response.status_code == 404
    assert AuditLog.objects.get().outcome == AuditLog.Outcome.DENIED


def test_private_files_are_not_under_the_media_url(client, document, settings):
    assert not document.file.path.startswith(str(settings.MEDIA_ROOT))
    response = client.get(f"/media/{document.file.name}")

    assert response.status_code == 404


def test_download_name_keeps_the_real_type_not_the_uploaded_extension(client_for, doctor):
    document = DoctorDocumentFactory(doctor=DoctorProfileFactory(user=doctor), original_name="scan.html")

    response = download(client_for(doctor), document)

    assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
