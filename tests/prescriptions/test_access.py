"""Who may download a prescription's PDF, and the audit row each try writes."""

import pytest

from core.models import AuditLog
from prescriptions.models import Prescription
from tests.prescriptions.conftest import draft_with, issued, make_appointment

ALLOWED, DENIED = AuditLog.Outcome.ALLOWED, AuditLog.Outcome.DENIED


@pytest.fixture
def rx(appointment):
    return issued(appointment)


def download(client, user, rx):
    if user is not None:
        client.force_login(user)
    return client.get(f"/rx/{rx.pk}/pdf/")


@pytest.mark.parametrize("who", ["patient", "doctor"])
def test_pdf_downloads_for_its_patient_and_doctor_and_is_logged(client, rx, who):
    user = rx.patient if who == "patient" else rx.doctor.user
    response = download(client, user, rx)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    entry = AuditLog.objects.get(action="file.download")
    assert (entry.actor, entry.outcome, entry.target_id, entry.subject) == (
        user,
        ALLOWED,
        str(rx.pk),
        rx.patient,
    )


@pytest.mark.parametrize("who", ["other_patient", "other_doctor", "staff"])
def test_pdf_refused_to_everyone_else_with_a_denied_row(client, rx, who, request):
    user = request.getfixturevalue(who)
    response = download(client, user, rx)
    assert response.status_code == 404
    entry = AuditLog.objects.get(action="file.download")
    assert (entry.actor, entry.outcome, entry.target_id, entry.subject) == (
        user,
        DENIED,
        str(rx.pk),
        rx.patient,
    )


def test_pdf_anonymous_goes_to_login(client, rx):
    response = download(client, None, rx)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not AuditLog.objects.exists()


def test_pdf_of_a_draft_or_a_missing_prescription_is_404(client, appointment):
    draft = draft_with(appointment)
    assert download(client, appointment.doctor.user, draft).status_code == 404
    assert client.get("/rx/999999/pdf/").status_code == 404
    assert AuditLog.objects.filter(outcome=DENIED).count() == 2


def test_pdf_superseded_and_revoked_stay_downloadable_by_the_patient(client, rx, appointment):
    from prescriptions import services

    services.prescription_revoke(prescription=rx, actor=appointment.doctor.user, reason="Duplicate")
    assert download(client, rx.patient, rx).status_code == 200


# --- The appointment page's part --------------------------------------------------------


def test_appointment_fragment_for_the_doctor_offers_to_write(client, appointment):
    client.force_login(appointment.doctor.user)
    response = client.get(f"/rx/appointments/{appointment.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Write a prescription" in response.text
    assert "<html" not in response.text


def test_appointment_fragment_hides_drafts_from_the_patient(client, appointment):
    draft_with(appointment)
    client.force_login(appointment.patient)
    response = client.get(f"/rx/appointments/{appointment.pk}/", HTTP_HX_REQUEST="true")
    assert "No prescription yet" in response.text
    assert "Write a prescription" not in response.text


def test_appointment_fragment_404_for_strangers(client, appointment, other_patient, other_doctor):
    for stranger in (other_patient, other_doctor):
        client.force_login(stranger)
        assert client.get(f"/rx/appointments/{appointment.pk}/").status_code == 404


def test_appointment_page_pulls_the_fragment(client, appointment):
    client.force_login(appointment.patient)
    page = client.get(f"/appointments/{appointment.pk}/")
    assert f'hx-get="/rx/appointments/{appointment.pk}/"' in page.text
    assert f'href="/rx/appointments/{appointment.pk}/"' in page.text  # without JavaScript


@pytest.mark.parametrize("count", [1, 4])
def test_appointment_fragment_query_count(client, rx_doctor, rx_patient, count, django_assert_num_queries):
    appointment = make_appointment(rx_doctor, rx_patient)
    for _ in range(count):
        issued(appointment)  # each a separate issued prescription for the same visit
    client.force_login(rx_patient)
    # session + user, the appointment, its prescriptions (with superseded_by)
    with django_assert_num_queries(4):
        response = client.get(f"/rx/appointments/{appointment.pk}/", HTTP_HX_REQUEST="true")
    assert response.text.count("Download PDF") == count


def test_selector_prescriptions_for_patient_newest_first_without_drafts(rx_doctor, rx_patient, other_patient):
    from prescriptions.selectors import prescriptions_for_patient

    first = issued(make_appointment(rx_doctor, rx_patient, days_ago=3))
    second = issued(make_appointment(rx_doctor, rx_patient, days_ago=1))
    draft_with(make_appointment(rx_doctor, rx_patient))
    assert list(prescriptions_for_patient(rx_patient)) == [second, first]
    assert list(prescriptions_for_patient(other_patient)) == []
    assert Prescription.objects.count() == 3
