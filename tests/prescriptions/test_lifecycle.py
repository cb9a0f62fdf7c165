import hashlib
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core.models import Notification
from prescriptions import services
from prescriptions.models import Prescription, PrescriptionItem
from profiles.models import Mode, PatientProfile
from tests.prescriptions.conftest import draft_with, issued, item, make_appointment

Status = Prescription.Status


def test_start_copies_age_and_gender_and_reuses_the_draft(appointment):
    draft = services.prescription_start(appointment=appointment, actor=appointment.doctor.user)
    again = services.prescription_start(appointment=appointment, actor=appointment.doctor.user)
    assert draft.pk == again.pk
    assert draft.status == Status.DRAFT
    assert draft.patient_gender == "FEMALE"
    assert draft.patient_date_of_birth is not None


def test_saving_a_draft_costs_the_same_queries_for_one_item_or_many(appointment):
    # Each row looked its medicine up in the catalogue: up to 120 queries for 60 rows.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draft = draft_with(appointment)
    names = ["Paracetamol", "Clotrimazole", "Amlodipine", "Grandma's kadha", "metformin"]

    def queries(items):
        with CaptureQueriesContext(connection) as captured:
            services.prescription_save_draft(
                prescription=draft, actor=appointment.doctor.user, fields={}, items=items
            )
        return len(captured)

    assert queries([item(names[0])]) == queries([item(name) for name in names * 4])
    saved = {i.name: i.medicine.name if i.medicine else None for i in draft.items.all()}
    assert saved == {
        "Paracetamol": "Paracetamol",
        "Clotrimazole": None,  # a generic name several entries share: free text
        "Amlodipine": "Amlodipine",
        "Grandma's kadha": None,
        "metformin": "Metformin",
    }


def test_start_refused_for_another_doctor_and_for_unconfirmed_appointments(appointment, other_doctor):
    with pytest.raises(services.PrescriptionError):
        services.prescription_start(appointment=appointment, actor=other_doctor)
    appointment.status = appointment.Status.CANCELLED
    appointment.save()
    with pytest.raises(services.PrescriptionError):
        services.prescription_start(appointment=appointment, actor=appointment.doctor.user)
    assert not Prescription.objects.exists()


def test_issue_stores_pdf_whose_hash_matches_and_notifies_with_a_link_only(
    appointment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rx = issued(appointment)
    rx.refresh_from_db()
    assert rx.status == Status.ISSUED
    assert rx.issued_at is not None
    assert len(rx.verification_code) >= 16
    content = rx.pdf.storage.open(rx.pdf.name, "rb").read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == rx.pdf_sha256
    assert rx.doctor_registration.startswith("MMC-2008-12345")
    assert rx.patient_initials == "P.N."
    notification = Notification.objects.get(user=appointment.patient, kind="prescription.issued")
    assert notification.url == f"/rx/{rx.pk}/"
    [email] = mail.outbox
    assert email.to == [appointment.patient.email]
    assert f"/rx/{rx.pk}/" in email.body
    assert email.attachments == []


def test_issue_refused_without_items_or_age_and_gender(appointment):
    draft = draft_with(appointment, items=[])
    PatientProfile.objects.filter(user=appointment.patient).update(date_of_birth=None)
    Prescription.objects.filter(pk=draft.pk).update(patient_date_of_birth=None)
    draft.refresh_from_db()
    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    assert "Add at least one medicine." in refused.value.errors
    assert any("date of birth and gender" in error for error in refused.value.errors)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not draft.pdf


def test_issue_render_failure_leaves_a_draft(appointment):
    draft = draft_with(appointment)
    with (
        mock.patch("prescriptions.pdf.HTML.write_pdf", side_effect=OSError("no font")),
        pytest.raises(services.RenderFailed, match="not issued"),
    ):
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.verification_code is None
    assert not Notification.objects.filter(kind="prescription.issued").exists()


def test_issued_prescription_is_immutable(appointment):
    rx = issued(appointment)
    rx.advice = "Changed afterwards"
    with pytest.raises(ValidationError):
        rx.save()
    with pytest.raises(ValidationError):
        PrescriptionItem.objects.create(prescription=rx, name="Ibuprofen", frequency="1-0-1", duration=3)
    with pytest.raises(ValidationError):
        rx.items.first().delete()
    with pytest.raises(services.PrescriptionError, match="already issued"):
        services.prescription_save_draft(
            prescription=rx, actor=appointment.doctor.user, fields={}, items=[item()]
        )
    with pytest.raises(services.PrescriptionError):
        services.prescription_issue(prescription=rx, actor=appointment.doctor.user)
    assert Prescription.objects.get(pk=rx.pk).advice == ""
    assert rx.items.count() == 1


def test_correction_supersedes_the_original_when_issued(appointment):
    original = issued(appointment)
    correction = services.prescription_correct(prescription=original, actor=appointment.doctor.user)
    assert correction.version == 2
    assert correction.supersedes_id == original.pk
    assert [i.name for i in correction.items.all()] == ["Paracetamol"]
    original.refresh_from_db()
    assert original.status == Status.ISSUED  # still valid until the correction is issued
    correction = services.prescription_save_draft(
        prescription=correction,
        actor=appointment.doctor.user,
        fields={"consult_kind": "VIDEO"},
        items=[item(duration=3)],
    )
    correction = services.prescription_issue(prescription=correction, actor=appointment.doctor.user)
    original.refresh_from_db()
    assert original.status == Status.SUPERSEDED
    assert original.superseded_at is not None
    assert original.superseded_by == correction
    assert correction.status == Status.ISSUED
    assert correction.verification_code != original.verification_code


def test_revoke_needs_a_reason_and_an_issued_prescription(appointment):
    rx = issued(appointment)
    with pytest.raises(services.PrescriptionError):
        services.prescription_revoke(prescription=rx, actor=appointment.doctor.user, reason="  ")
    rx = services.prescription_revoke(prescription=rx, actor=appointment.doctor.user, reason="Wrong patient")
    assert rx.status == Status.REVOKED
    assert rx.revoked_reason == "Wrong patient"
    assert Notification.objects.filter(user=appointment.patient, kind="prescription.revoked").exists()
    with pytest.raises(services.PrescriptionError):
        services.prescription_revoke(prescription=rx, actor=appointment.doctor.user, reason="Again")
    with pytest.raises(services.PrescriptionError):
        services.prescription_correct(prescription=rx, actor=appointment.doctor.user)


@pytest.mark.parametrize("status", ["PENDING", "REJECTED"])
def test_issue_refused_while_the_doctors_profile_is_not_verified(appointment, status):
    # A changed registration number sends the profile back to PENDING: it would be printed,
    # and the public verification page would call the prescription valid, unchecked.
    draft = draft_with(appointment)
    appointment.doctor.status = status
    appointment.doctor.rejection_reason = "Registration not found" if status == "REJECTED" else ""
    appointment.doctor.save(update_fields=["status", "rejection_reason"])
    with pytest.raises(services.PrescriptionError, match="verified"):
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not draft.pdf


def test_revoke_email_links_to_the_reason_and_does_not_carry_it(
    appointment, django_capture_on_commit_callbacks
):
    # The reason is the doctor's clinical note ("wrong dose for her depression"): like the
    # prescription itself it stays behind the login, and the email only links to it.
    rx = issued(appointment)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.prescription_revoke(
            prescription=rx, actor=appointment.doctor.user, reason="Sertraline dose too high"
        )

    notification = Notification.objects.get(user=appointment.patient, kind="prescription.revoked")
    assert "Sertraline" not in notification.body
    assert len(mail.outbox) == 1
    assert "Sertraline" not in mail.outbox[0].body
    assert f"/rx/{rx.pk}/" in mail.outbox[0].body


def test_revoking_a_prescription_with_a_correction_started_leaves_that_draft_issuable(appointment):
    # The appointment's one draft was the correction of what is now revoked: it could
    # never be issued, and no other draft could be started, so the appointment was stuck.
    doctor = appointment.doctor.user
    original = issued(appointment)
    correction = services.prescription_correct(prescription=original, actor=doctor)
    services.prescription_revoke(prescription=original, actor=doctor, reason="Wrong dose")

    draft = services.prescription_start(appointment=appointment, actor=doctor)
    assert draft.pk == correction.pk
    assert draft.supersedes_id is None  # nothing valid is left for it to replace
    done = services.prescription_issue(prescription=draft, actor=doctor)

    assert done.status == Status.ISSUED
    original.refresh_from_db()
    assert original.status == Status.REVOKED
    assert original.superseded_at is None


def test_transitions_refused_to_another_doctor(appointment, other_doctor):
    rx = issued(appointment)
    for action in (services.prescription_correct, services.prescription_issue):
        with pytest.raises(services.PrescriptionError):
            action(prescription=rx, actor=other_doctor)
    with pytest.raises(services.PrescriptionError):
        services.prescription_revoke(prescription=rx, actor=other_doctor, reason="x")
    assert Prescription.objects.get(pk=rx.pk).status == Status.ISSUED


# --- The rules, as issuing applies them to real consultations -------------------------


def test_issue_refuses_list_b_on_a_first_consultation(appointment):
    draft = draft_with(
        appointment, items=[item("Sitagliptin", strength="100 mg")], same_condition_follow_up=False
    )
    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    assert "Sitagliptin is on List B" in refused.value.item_errors[0]


def test_issue_accepts_list_b_in_a_follow_up_after_an_in_person_visit(rx_doctor, rx_patient):
    make_appointment(rx_doctor, rx_patient, mode=Mode.IN_PERSON, days_ago=40)
    today = make_appointment(rx_doctor, rx_patient)
    rx = issued(today, items=[item("Sitagliptin")], same_condition_follow_up=True, consult_kind="AUDIO")
    assert rx.status == Status.ISSUED


def test_issue_refuses_list_b_when_the_visit_is_older_than_the_follow_up_period(
    rx_doctor, rx_patient, settings
):
    settings.PRESCRIPTION_FOLLOW_UP_MONTHS = 1
    make_appointment(rx_doctor, rx_patient, mode=Mode.IN_PERSON, days_ago=40)
    today = make_appointment(rx_doctor, rx_patient)
    draft = draft_with(today, items=[item("Sitagliptin")], same_condition_follow_up=True)
    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=today.doctor.user)
    assert any("no completed consultation" in error for error in refused.value.errors)


def test_issue_refuses_list_a_by_audio_unless_it_continues_an_earlier_prescription(rx_doctor, rx_patient):
    first = make_appointment(rx_doctor, rx_patient, days_ago=30)
    draft = draft_with(first, items=[item("Metformin")], consult_kind="AUDIO")
    with pytest.raises(services.IssueRefused):
        services.prescription_issue(prescription=draft, actor=rx_doctor.user)
    draft = services.prescription_save_draft(
        prescription=draft, actor=rx_doctor.user, fields={"consult_kind": "VIDEO"}, items=[item("Metformin")]
    )
    services.prescription_issue(prescription=draft, actor=rx_doctor.user)
    refill = make_appointment(rx_doctor, rx_patient)
    assert issued(refill, items=[item("Metformin")], consult_kind="TEXT").status == Status.ISSUED


def test_issue_unclassified_and_free_text_need_the_doctors_confirmation(appointment):
    draft = draft_with(appointment, items=[item("Amlodipine"), item("Grandma's kadha")])
    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    assert set(refused.value.item_errors) == {0, 1}
    draft = services.prescription_save_draft(
        prescription=draft,
        actor=appointment.doctor.user,
        fields={"unrestricted_confirmed": True},
        items=[item("Amlodipine"), item("Grandma's kadha")],
    )
    rx = services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    assert rx.unrestricted_confirmed is True  # recorded on the prescription
    assert [i.medicine.name if i.medicine else None for i in rx.items.all()] == ["Amlodipine", None]


@pytest.mark.parametrize("typed", ["Tramadol 50mg", "tramadol hydrochloride", "Paracetamol + Tramadol"])
def test_issue_refuses_free_text_naming_a_prohibited_medicine_even_when_confirmed(appointment, typed):
    # Free text is not the catalogue's entry, so it was "unclassified": the doctor's tick
    # let an NDPS Act medicine through an online consultation.
    draft = draft_with(appointment, items=[item(typed)], unrestricted_confirmed=True)
    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)
    assert "Schedule X or NDPS Act" in refused.value.item_errors[0]


def test_issue_never_allows_a_prohibited_medicine_online_but_does_in_person(rx_doctor, rx_patient):
    online = make_appointment(rx_doctor, rx_patient)
    draft = draft_with(online, items=[item("Alprazolam")], unrestricted_confirmed=True)
    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=rx_doctor.user)
    assert "Schedule X or NDPS Act" in refused.value.item_errors[0]
    clinic = make_appointment(rx_doctor, rx_patient, mode=Mode.IN_PERSON, days_ago=1)
    rx = issued(clinic, items=[item("Alprazolam")], consult_kind="VIDEO")
    assert rx.consult_kind == "IN_PERSON"  # a clinic visit's kind is not the doctor's to choose
    assert rx.status == Status.ISSUED
