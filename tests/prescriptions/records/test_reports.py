"""The patient's own uploads: content checks, private storage, rename and hide
(never delete), every change audited."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from prescriptions.models import MedicalReport
from tests.factories import MINIMAL_PDF, MedicalReportFactory, png_bytes

pytestmark = pytest.mark.django_db


def post_upload(http, *, name="cbc.pdf", content=MINIMAL_PDF, **fields):
    data = {
        "title": "Blood count, Apollo Labs",
        "kind": "LAB",
        "report_date": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
        **fields,
    }
    return http.post(reverse("records:report_upload"), data)


def test_upload_pdf_is_stored_privately_under_a_generated_name_and_audited(client_for, patient, settings):
    response = post_upload(client_for(patient), name="../../etc/my cbc.html.pdf")

    assert response.status_code == 302
    report = MedicalReport.objects.get()
    assert (report.patient, report.title, report.kind, report.content_type) == (
        patient,
        "Blood count, Apollo Labs",
        "LAB",
        "application/pdf",
    )
    stored = Path(report.file.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert stored.read_bytes() == MINIMAL_PDF
    assert stored.name.endswith(".pdf")
    assert "cbc" not in stored.name
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.subject, entry.target_id) == (
        "records.report.upload",
        patient,
        patient,
        str(report.pk),
    )


def test_upload_png_scan_is_accepted_as_an_image(client_for, patient):
    response = post_upload(client_for(patient), name="xray.pdf", content=png_bytes(), kind="IMAGING")

    assert response.status_code == 302
    assert MedicalReport.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "none of those"),
        ("scan.jpg", b"\xff\xd8\xff<html>not really a jpeg</html>", "not a readable image"),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "incomplete or damaged"),
    ],
)
def test_upload_refuses_what_the_content_is_not(client_for, patient, name, content, message, settings):
    response = post_upload(client_for(patient), name=name, content=content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MedicalReport.objects.exists()
    assert not AuditLog.objects.exists()
    assert not any(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.*"))


def test_upload_refuses_a_file_over_10_mb(client_for, patient):
    big = MINIMAL_PDF[:-6] + b" " * (10 * 1024 * 1024) + b"%%EOF\n"

    response = post_upload(client_for(patient), content=big)

    assert response.status_code == 400
    assert "the limit is 10 MB" in response.content.decode()
    assert not MedicalReport.objects.exists()


def test_upload_refuses_a_future_date_and_a_control_character(client_for, patient):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = post_upload(client_for(patient), report_date=tomorrow, title="CBC\x07")

    assert response.status_code == 400
    body = response.content.decode()
    assert "That date is in the future." in body
    assert "form-summary" in body
    assert not MedicalReport.objects.exists()


@pytest.mark.parametrize("persona", ["doctor", "staff"])
def test_upload_is_for_patients_only(client_for, request, persona):
    response = post_upload(client_for(request.getfixturevalue(persona)))

    assert response.status_code == 403
    assert not MedicalReport.objects.exists()


def test_rename_changes_the_title_and_audits_both(client_for, patient):
    report = MedicalReportFactory(patient=patient, title="scan")

    response = client_for(patient).post(
        reverse("records:report_edit", args=[report.pk]), {"title": "Chest X-ray"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.title == "Chest X-ray"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.detail) == (
        "records.report.rename",
        patient,
        "scan → Chest X-ray",
    )


def test_rename_with_an_empty_title_shows_the_error(client_for, patient):
    report = MedicalReportFactory(patient=patient, title="scan")

    response = client_for(patient).post(reverse("records:report_edit", args=[report.pk]), {"title": " "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    report.refresh_from_db()
    assert report.title == "scan"
    assert not AuditLog.objects.exists()


def test_hide_keeps_the_report_and_audits_it_and_show_brings_it_back(client_for, patient):
    report = MedicalReportFactory(patient=patient, title="Old scan")
    http = client_for(patient)

    http.post(reverse("records:report_hide", args=[report.pk]))

    report.refresh_from_db()
    assert report.hidden_at is not None
    assert "Old scan" not in http.get(reverse("records:index")).content.decode()
    assert "Old scan" in http.get(reverse("records:index") + "?type=hidden").content.decode()

    http.post(reverse("records:report_unhide", args=[report.pk]))

    report.refresh_from_db()
    assert report.hidden_at is None
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "records.report.hide",
        "records.report.unhide",
    ]


def test_no_route_deletes_a_report(client_for, patient):
    report = MedicalReportFactory(patient=patient)
    http = client_for(patient)

    for name in ("report_edit", "report_hide", "report_file"):
        http.delete(reverse(f"records:{name}", args=[report.pk]))

    assert MedicalReport.objects.filter(pk=report.pk).exists()


@pytest.mark.parametrize("name", ["report_edit", "report_hide", "report_unhide"])
def test_changes_to_another_patients_report_give_404(client_for, other_patient, patient, name):
    report = MedicalReportFactory(patient=patient, title="Mine")

    response = client_for(other_patient).post(
        reverse(f"records:{name}", args=[report.pk]), {"title": "Theirs"}
    )

    assert response.status_code == 404
    report.refresh_from_db()
    assert (report.title, report.hidden_at) == ("Mine", None)
    assert not AuditLog.objects.exists()


def test_owner_downloads_the_file_with_safe_headers_and_a_log_row(client_for, patient):
    report = MedicalReportFactory(patient=patient, original_name="cbc march.html")

    response = client_for(patient).get(reverse("records:report_file", args=[report.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Disposition"] == 'attachment; filename="cbc march.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor, entry.subject) == (
        "file.download",
        AuditLog.Outcome.ALLOWED,
        patient,
        patient,
    )


def test_owner_still_downloads_a_hidden_report(client_for, patient):
    report = MedicalReportFactory(patient=patient, hidden_at=timezone.now())

    response = client_for(patient).get(reverse("records:report_file", args=[report.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["other_patient", "doctor", "other_doctor", "staff", "anonymous"])
def test_others_get_404_for_an_unshared_report_and_it_is_logged(
    client, client_for, request, patient, persona
):
    report = MedicalReportFactory(patient=patient)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    http = client if user is None else client_for(user)

    response = http.get(reverse("records:report_file", args=[report.pk]))

    assert response.status_code == 404
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor, entry.subject) == (
        "file.download",
        AuditLog.Outcome.DENIED,
        user,
        patient,
    )


def test_an_unknown_report_id_gives_404_and_is_logged(client_for, patient):
    response = client_for(patient).get(reverse("records:report_file", args=[999999]))

    assert response.status_code == 404
    assert AuditLog.objects.get().detail == "no medical report 999999"


def test_an_empty_upload_post_says_what_is_missing(client_for, patient):
    response = client_for(patient).post(reverse("records:report_upload"), {})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not MedicalReport.objects.exists()
