"""The editor (validation, HTMX rows, refusals), the detail page, correction and revocation routes."""

import pytest

from core.models import AuditLog
from prescriptions.models import Prescription
from profiles.models import PatientProfile
from tests.prescriptions.conftest import draft_with, issued, make_appointment

Status = Prescription.Status

ROW = {
    "name": "Paracetamol",
    "strength": "500 mg",
    "form": "tablet",
    "dose": "1 tablet",
    "frequency": "1-0-1",
    "duration": "5",
    "duration_unit": "DAYS",
    "route": "oral",
    "instructions": "after food",
}


def post_data(*rows, action="save", **fields):
    data = {
        "action": action,
        "consult_kind": "VIDEO",
        "complaints": "Fever for two days",
        "diagnosis": "Viral fever",
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": "0",
        **fields,
    }
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{name}": value for name, value in row.items()})
    return data


@pytest.fixture
def draft(appointment):
    return draft_with(appointment)


@pytest.fixture
def doctor_client(client, appointment):
    client.force_login(appointment.doctor.user)
    return client


def test_write_starts_a_draft_and_opens_the_editor(doctor_client, appointment):
    response = doctor_client.post(f"/rx/appointments/{appointment.pk}/write/")
    rx = Prescription.objects.get(appointment=appointment)
    assert response.status_code == 302
    assert response["Location"] == f"/rx/{rx.pk}/edit/"
    page = doctor_client.get(response["Location"])
    assert page.status_code == 200
    assert 'list="medicine-names"' in page.text
    assert '<option value="Ciprofloxacin eye drops">' in page.text


def test_write_refused_for_another_doctor_and_a_patient(client, appointment, other_doctor):
    client.force_login(other_doctor)
    assert client.post(f"/rx/appointments/{appointment.pk}/write/").status_code == 404
    client.force_login(appointment.patient)
    assert client.post(f"/rx/appointments/{appointment.pk}/write/").status_code == 403
    assert not Prescription.objects.exists()


def test_editor_saves_a_draft(doctor_client, draft):
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data(ROW, {**ROW, "name": "Cetirizine"}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.diagnosis == "Viral fever"
    assert [(i.position, i.name, i.medicine.name) for i in draft.items.all()] == [
        (0, "Paracetamol", "Paracetamol"),
        (1, "Cetirizine", "Cetirizine"),
    ]


def test_editor_needs_at_least_one_item(doctor_client, draft):
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data(dict.fromkeys(ROW, "")))
    assert response.status_code == 400
    assert "Add at least one medicine." in response.text
    assert draft.items.count() == 1  # unchanged


@pytest.mark.parametrize("duration", ["0", "-3", "soon"])
def test_editor_needs_a_positive_duration(doctor_client, draft, duration):
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data({**ROW, "duration": duration}))
    assert response.status_code == 400
    assert 'id="id_items-0-duration_error"' in response.text


def test_editor_asks_for_age_and_gender_when_the_profile_lacks_them(doctor_client, appointment):
    PatientProfile.objects.filter(user=appointment.patient).update(date_of_birth=None, gender="")
    draft = draft_with(appointment)
    page = doctor_client.get(f"/rx/{draft.pk}/edit/")
    assert "Patient&#x27;s date of birth" in page.text
    refused = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data(ROW, action="issue"))
    assert refused.status_code == 400
    assert "Record the patient&#x27;s date of birth and gender" in refused.text
    done = doctor_client.post(
        f"/rx/{draft.pk}/edit/",
        post_data(ROW, action="issue", patient_date_of_birth="2001-03-04", patient_gender="MALE"),
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, str(draft.patient_date_of_birth), draft.patient_gender) == (
        "ISSUED",
        "2001-03-04",
        "MALE",
    )


def test_editor_age_and_gender_not_asked_when_known(doctor_client, draft):
    assert "patient_date_of_birth" not in doctor_client.get(f"/rx/{draft.pk}/edit/").text


def test_editor_htmx_adds_a_row_without_saving(doctor_client, draft):
    response = doctor_client.post(
        f"/rx/{draft.pk}/edit/", post_data(ROW, action="add"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="rx-items"')
    assert 'name="items-TOTAL_FORMS" value="2"' in response.text
    assert 'name="items-1-name"' in response.text
    assert 'value="Paracetamol"' in response.text
    assert "<html" not in response.text
    assert draft.items.count() == 1


def test_editor_htmx_removes_a_row_and_keeps_the_others(doctor_client, draft):
    rows = post_data(ROW, {**ROW, "name": "Cetirizine"}, action="remove-0")
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", rows, HTTP_HX_REQUEST="true")
    assert 'name="items-TOTAL_FORMS" value="1"' in response.text
    assert 'value="Cetirizine"' in response.text
    assert 'value="Paracetamol"' not in response.text


def test_editor_rows_work_without_javascript(doctor_client, draft):
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data(ROW, action="add"))
    assert response.status_code == 200
    assert "<html" in response.text
    assert 'name="items-1-name"' in response.text
    assert "Fever for two days" in response.text  # the rest of the form is kept
    forged = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data(ROW, action="remove-99"))
    assert forged.status_code == 200


def test_editor_refuses_list_b_on_a_first_consultation_and_accepts_it_as_a_follow_up(
    client, rx_doctor, rx_patient
):
    make_appointment(rx_doctor, rx_patient, mode="IN_PERSON", days_ago=30)
    today = make_appointment(rx_doctor, rx_patient)
    draft = draft_with(today)
    client.force_login(rx_doctor.user)
    data = post_data({**ROW, "name": "Sitagliptin", "strength": "100 mg"}, action="issue")
    refused = client.post(f"/rx/{draft.pk}/edit/", data)
    assert refused.status_code == 400
    assert "Sitagliptin is on List B" in refused.text
    assert 'id="id_items-0-name_error"' in refused.text
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    accepted = client.post(f"/rx/{draft.pk}/edit/", {**data, "same_condition_follow_up": "on"})
    assert accepted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.ISSUED


def test_no_route_edits_an_issued_prescription(doctor_client, appointment):
    rx = issued(appointment)
    page = doctor_client.get(f"/rx/{rx.pk}/edit/")
    assert page.status_code == 302
    assert page["Location"] == f"/rx/{rx.pk}/"
    response = doctor_client.post(
        f"/rx/{rx.pk}/edit/", post_data({**ROW, "name": "Ibuprofen"}, action="issue")
    )
    assert response.status_code == 302
    rx.refresh_from_db()
    assert [i.name for i in rx.items.all()] == ["Paracetamol"]
    assert rx.diagnosis == ""


def test_editor_of_another_doctor_is_404(client, draft, other_doctor):
    client.force_login(other_doctor)
    assert client.get(f"/rx/{draft.pk}/edit/").status_code == 404
    assert client.post(f"/rx/{draft.pk}/edit/", post_data(ROW)).status_code == 404


def test_detail_shows_draft_to_its_doctor_only(client, draft, other_patient):
    client.force_login(draft.patient)
    assert client.get(f"/rx/{draft.pk}/").status_code == 404
    client.force_login(draft.doctor.user)
    assert client.get(f"/rx/{draft.pk}/").status_code == 200


def test_detail_for_patient_and_doctor_and_strangers(client, appointment, other_patient, other_doctor, staff):
    rx = issued(appointment)
    client.force_login(appointment.patient)
    page = client.get(f"/rx/{rx.pk}/")
    assert page.status_code == 200
    assert "Download PDF" in page.text
    assert "Write a correction" not in page.text
    client.force_login(appointment.doctor.user)
    page = client.get(f"/rx/{rx.pk}/")
    assert "Write a correction" in page.text
    assert AuditLog.objects.filter(action="prescription.view", actor=appointment.doctor.user).count() == 1
    for stranger in (other_patient, other_doctor, staff):
        client.force_login(stranger)
        assert client.get(f"/rx/{rx.pk}/").status_code == 404


def test_correct_and_revoke_routes(doctor_client, appointment):
    rx = issued(appointment)
    response = doctor_client.post(f"/rx/{rx.pk}/correct/")
    correction = Prescription.objects.get(supersedes=rx)
    assert response["Location"] == f"/rx/{correction.pk}/edit/"
    assert doctor_client.post(f"/rx/{rx.pk}/revoke/", {"reason": ""}).status_code == 302
    assert Prescription.objects.get(pk=rx.pk).status == Status.ISSUED
    doctor_client.post(f"/rx/{rx.pk}/revoke/", {"reason": "Dose was wrong"})
    assert Prescription.objects.get(pk=rx.pk).status == Status.REVOKED


def test_revoke_with_a_reason_too_long_says_so(doctor_client, appointment):
    # It said "Please give the reason", to a doctor who had written 600 characters of one.
    rx = issued(appointment)
    response = doctor_client.post(f"/rx/{rx.pk}/revoke/", {"reason": "x" * 600}, follow=True)
    assert "at most 500 characters" in response.text
    assert Prescription.objects.get(pk=rx.pk).status == Status.ISSUED


def test_correct_and_revoke_by_the_patient_are_refused(client, appointment):
    rx = issued(appointment)
    client.force_login(appointment.patient)
    assert client.post(f"/rx/{rx.pk}/correct/").status_code == 403
    assert client.post(f"/rx/{rx.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert Prescription.objects.get(pk=rx.pk).status == Status.ISSUED


@pytest.mark.parametrize(
    ("kind", "row", "expected"),
    [
        ("AUDIO", "Clotrimazole cream", "Clotrimazole cream is on List A"),
        ("TEXT", "Alprazolam", "Alprazolam is a Schedule X or NDPS Act medicine"),
        ("VIDEO", "Amlodipine", "confirm that it is not a restricted medicine"),
        ("VIDEO", "Some herbal syrup", "Some herbal syrup is not classified"),
    ],
)
def test_editor_refuses_what_the_rules_refuse(doctor_client, draft, kind, row, expected):
    data = post_data({**ROW, "name": row}, action="issue", consult_kind=kind)
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", data)
    assert response.status_code == 400
    assert expected in response.text
    assert 'id="items-errors"' in response.text  # the summary at the top names it too
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.consult_kind == kind  # the draft keeps what the doctor wrote


def test_editor_refuses_in_person_as_the_kind_of_an_online_consultation(doctor_client, draft):
    response = doctor_client.post(f"/rx/{draft.pk}/edit/", post_data(ROW, consult_kind="IN_PERSON"))
    assert response.status_code == 400
    assert 'id="id_consult_kind_error"' in response.text
