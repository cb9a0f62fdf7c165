"""The export: the patient's whole record as one zip, at once."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from prescriptions.records.export import SCHEMA
from tests.factories import MINIMAL_PDF, CapturedPaymentFactory, MedicalReportFactory, png_bytes

pytestmark = pytest.mark.django_db

EXPORT = reverse("records:export")


def unzip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_export_holds_every_upload_and_a_summary_that_follows_the_schema(
    client_for, patient, other_patient, appointment
):
    payment = CapturedPaymentFactory(appointment=appointment)
    pdf = MedicalReportFactory(patient=patient, title="Blood count / March")
    scan = MedicalReportFactory(
        patient=patient,
        title="Chest X-ray",
        kind="IMAGING",
        file__filename="x.png",
        file__data=png_bytes(),
        content_type="image/png",
        hidden_at=timezone.now(),
    )
    MedicalReportFactory(patient=other_patient, title="Karan's report")

    response = client_for(patient).post(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="medconsult-record-')
    archive = unzip(response)
    names = set(archive.namelist())
    assert names == {
        "README.txt",
        "summary.json",
        "schema.json",
        f"reports/{pdf.pk}-Blood-count-March.pdf",
        f"reports/{scan.pk}-Chest-X-ray.png",
    }
    assert archive.read(f"reports/{pdf.pk}-Blood-count-March.pdf") == MINIMAL_PDF
    assert archive.read(f"reports/{scan.pk}-Chest-X-ray.png") == png_bytes()
    assert json.loads(archive.read("schema.json")) == SCHEMA
    summary = json.loads(archive.read("summary.json"))
    assert set(SCHEMA["required"]) <= set(summary)
    assert summary["format"] == "medconsult-record/1"
    assert summary["patient"]["name"] == "Priya Nair"
    assert [a["id"] for a in summary["appointments"]] == [appointment.pk]
    assert summary["appointments"][0]["doctor"] == appointment.doctor.display_name
    assert [(p["id"], p["receipt"], p["amount_paise"]) for p in summary["payments"]] == [
        (payment.pk, payment.receipt, payment.amount)
    ]
    assert [(r["title"], r["hidden"], r["file"]) for r in summary["reports"]] == [
        ("Blood count / March", False, f"reports/{pdf.pk}-Blood-count-March.pdf"),
        ("Chest X-ray", True, f"reports/{scan.pk}-Chest-X-ray.png"),
    ]
    for section in ("appointments", "payments", "reports"):
        required = SCHEMA["properties"][section]["items"]["required"]
        assert all(set(required) <= set(row) for row in summary[section])
    assert "Karan" not in archive.read("summary.json").decode()
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.subject) == ("records.export", patient, patient)


def test_export_of_an_empty_record_is_a_valid_zip(client_for, patient):
    summary = json.loads(unzip(client_for(patient).post(EXPORT)).read("summary.json"))

    assert (summary["appointments"], summary["payments"], summary["reports"]) == ([], [], [])


def test_export_is_a_post(client_for, patient):
    assert client_for(patient).get(EXPORT).status_code == 405


@pytest.mark.parametrize("persona", ["doctor", "staff"])
def test_export_is_for_patients_only(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).post(EXPORT).status_code == 403
    assert not AuditLog.objects.exists()


def test_the_schema_is_documented_on_a_page(client_for, patient):
    body = client_for(patient).get(reverse("records:export_schema")).content.decode()

    assert "medconsult-record/1" in body
    assert "amount_paise" in body
