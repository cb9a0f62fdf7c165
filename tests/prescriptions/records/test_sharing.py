"""Sharing on the patient's terms, and the doctor's view of a patient's history:
who sees what, for how long, and the audit rows each look writes."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from core.models import AuditLog
from prescriptions.models import RecordShare
from tests.factories import AppointmentFactory, IssuedPrescriptionFactory, MedicalReportFactory

pytestmark = pytest.mark.django_db


def share_url(appointment):
    return reverse("records:share", args=[appointment.pk])


def history_url(appointment):
    return reverse("records:patient_history", args=[appointment.pk])


def file_url(report):
    return reverse("records:report_file", args=[report.pk])


def shared(appointment, *reports):
    for report in reports:
        RecordShare.objects.create(appointment=appointment, report=report)


def appointment_ended(patient, doctor_profile, *, days_ago, status=Appointment.Status.COMPLETED):
    start = timezone.now() - timedelta(days=days_ago, minutes=30)
    return AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=start, end=start + timedelta(minutes=30), status=status
    )


# --- The patient's choice -------------------------------------------------------------


def test_share_page_lists_the_patients_visible_reports_with_current_choices(client_for, patient, appointment):
    chosen = MedicalReportFactory(patient=patient, title="Blood count")
    MedicalReportFactory(patient=patient, title="Chest X-ray")
    MedicalReportFactory(patient=patient, title="Hidden one", hidden_at=timezone.now())
    shared(appointment, chosen)

    body = client_for(patient).get(share_url(appointment)).content.decode()

    assert "Blood count" in body
    assert "Chest X-ray" in body
    assert "Hidden one" not in body
    assert re.findall(r'value="(\d+)"[^>]*checked', body) == [str(chosen.pk)]


def test_saving_shares_adds_and_withdraws_and_audits(client_for, patient, appointment):
    keep, drop, add = (MedicalReportFactory(patient=patient) for _ in range(3))
    shared(appointment, keep, drop)

    response = client_for(patient).post(share_url(appointment), {"reports": [keep.pk, add.pk]})

    assert response.status_code == 302
    assert response["Location"] == reverse("appointments:detail", args=[appointment.pk])
    assert set(RecordShare.objects.values_list("report_id", flat=True)) == {keep.pk, add.pk}
    entry = AuditLog.objects.get()
    assert (entry.action, entry.actor, entry.subject) == ("records.share.update", patient, patient)
    assert entry.detail == (
        f"reports shared: [{add.pk}]; withdrawn: [{drop.pk}]; prescriptions shared: -; withdrawn: -"
    )


def test_sharing_another_patients_report_is_refused(client_for, patient, other_patient, appointment):
    theirs = MedicalReportFactory(patient=other_patient)

    response = client_for(patient).post(share_url(appointment), {"reports": [theirs.pk]})

    assert response.status_code == 400
    assert "is not one of the available choices" in response.content.decode()
    assert not RecordShare.objects.exists()


@pytest.mark.parametrize("persona", ["other_patient", "doctor", "anonymous"])
def test_only_the_appointments_patient_chooses_what_is_shared(
    client, client_for, request, patient, appointment, persona
):
    report = MedicalReportFactory(patient=patient)
    http = client if persona == "anonymous" else client_for(request.getfixturevalue(persona))

    response = http.post(share_url(appointment), {"reports": [report.pk]})

    assert response.status_code in {302, 403, 404}
    assert response.status_code != 302 or "/accounts/login/" in response["Location"]
    assert not RecordShare.objects.exists()


def test_a_cancelled_appointment_has_nothing_to_share_with(client_for, patient, doctor_profile):
    cancelled = appointment_ended(patient, doctor_profile, days_ago=-2, status=Appointment.Status.CANCELLED)

    assert client_for(patient).get(share_url(cancelled)).status_code == 404


def test_appointment_page_links_to_sharing_for_the_patient_and_history_for_the_doctor(
    client_for, patient, doctor, appointment
):
    patient_page = (
        client_for(patient).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    )
    doctor_page = (
        client_for(doctor).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    )

    assert share_url(appointment) in patient_page
    assert history_url(appointment) not in patient_page
    assert history_url(appointment) in doctor_page
    assert share_url(appointment) not in doctor_page


# --- The doctor's view -----------------------------------------------------------------


def test_doctor_sees_their_appointments_and_what_was_shared_and_the_look_is_audited(
    client_for, patient, doctor, doctor_profile, appointment
):
    report = MedicalReportFactory(patient=patient, title="Blood count")
    MedicalReportFactory(patient=patient, title="Not shared")
    shared(appointment, report)
    earlier = appointment_ended(patient, doctor_profile, days_ago=40)

    body = client_for(doctor).get(history_url(appointment)).content.decode()

    assert "Blood count" in body
    assert "Not shared" not in body
    assert file_url(report) in body
    assert reverse("appointments:detail", args=[earlier.pk]) in body
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor, entry.subject, entry.target_id) == (
        "records.history.view",
        AuditLog.Outcome.ALLOWED,
        doctor,
        patient,
        str(appointment.pk),
    )
    assert entry.detail == "with shared items"


def test_doctor_downloads_a_shared_report_while_access_lasts_and_it_is_logged(
    client_for, patient, doctor, appointment
):
    report = MedicalReportFactory(patient=patient)
    shared(appointment, report)

    response = client_for(doctor).get(file_url(report))

    assert response.status_code == 200
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor, entry.subject) == (
        "file.download",
        AuditLog.Outcome.ALLOWED,
        doctor,
        patient,
    )


def test_after_30_days_the_doctor_keeps_own_appointments_and_loses_what_was_shared(
    client_for, patient, doctor, doctor_profile
):
    old = appointment_ended(patient, doctor_profile, days_ago=31)
    report = MedicalReportFactory(patient=patient, title="Blood count")
    shared(old, report)

    body = client_for(doctor).get(history_url(old)).content.decode()
    download = client_for(doctor).get(file_url(report))

    assert "Blood count" not in body
    assert "Your access to what this patient shared ended" in body
    assert reverse("appointments:detail", args=[old.pk]) in body
    assert download.status_code == 404
    view, refused = AuditLog.objects.order_by("id")
    assert (view.action, view.outcome, view.detail) == (
        "records.history.view",
        AuditLog.Outcome.ALLOWED,
        "own appointments and prescriptions only",
    )
    assert (refused.action, refused.outcome, refused.actor, refused.subject) == (
        "file.download",
        AuditLog.Outcome.DENIED,
        doctor,
        patient,
    )


def test_the_access_period_is_a_setting(client_for, patient, doctor, doctor_profile, settings):
    settings.RECORDS_SHARED_ACCESS_DAYS = 5
    old = appointment_ended(patient, doctor_profile, days_ago=6)
    report = MedicalReportFactory(patient=patient)
    shared(old, report)

    assert client_for(doctor).get(file_url(report)).status_code == 404
    settings.RECORDS_SHARED_ACCESS_DAYS = 7
    assert client_for(doctor).get(file_url(report)).status_code == 200


def test_an_upcoming_appointment_restores_what_was_shared_before(client_for, patient, doctor, doctor_profile):
    old = appointment_ended(patient, doctor_profile, days_ago=200)
    report = MedicalReportFactory(patient=patient, title="Blood count")
    shared(old, report)
    appointment_ended(patient, doctor_profile, days_ago=-3, status=Appointment.Status.CONFIRMED)

    body = client_for(doctor).get(history_url(old)).content.decode()

    assert "Blood count" in body
    assert client_for(doctor).get(file_url(report)).status_code == 200


def test_a_hidden_report_is_withdrawn_from_the_doctor(client_for, patient, doctor, appointment):
    report = MedicalReportFactory(patient=patient, title="Blood count", hidden_at=timezone.now())
    shared(appointment, report)

    assert "Blood count" not in client_for(doctor).get(history_url(appointment)).content.decode()
    assert client_for(doctor).get(file_url(report)).status_code == 404


def test_saving_shares_while_a_report_is_hidden_keeps_its_share_for_when_it_is_shown_again(
    client_for, patient, doctor, appointment
):
    # It is not on the share page, so it was never unticked: saving used to withdraw it.
    report = MedicalReportFactory(patient=patient, title="Blood count", hidden_at=timezone.now())
    other = MedicalReportFactory(patient=patient, title="X-ray")
    shared(appointment, report)

    client_for(patient).post(share_url(appointment), {"reports": [other.pk]})
    client_for(patient).post(reverse("records:report_unhide", args=[report.pk]))

    assert set(RecordShare.objects.filter(appointment=appointment).values_list("report", flat=True)) == {
        report.pk,
        other.pk,
    }
    assert client_for(doctor).get(file_url(report)).status_code == 200


def test_a_report_shared_with_one_doctor_is_not_shown_to_another(
    client_for, patient, other_doctor, other_doctor_profile, appointment
):
    report = MedicalReportFactory(patient=patient, title="Blood count")
    shared(appointment, report)
    theirs = appointment_ended(patient, other_doctor_profile, days_ago=1)

    body = client_for(other_doctor).get(history_url(theirs)).content.decode()

    assert "Blood count" not in body
    assert client_for(other_doctor).get(file_url(report)).status_code == 404


def test_a_doctor_without_an_appointment_with_the_patient_gets_404_and_it_is_logged(
    client_for, patient, other_doctor, other_doctor_profile, appointment
):
    response = client_for(other_doctor).get(history_url(appointment))

    assert response.status_code == 404
    entry = AuditLog.objects.get()
    assert (entry.action, entry.outcome, entry.actor, entry.subject) == (
        "records.history.view",
        AuditLog.Outcome.DENIED,
        other_doctor,
        None,
    )


def test_a_doctor_whose_only_appointment_was_cancelled_gets_404(client_for, patient, doctor, doctor_profile):
    cancelled = appointment_ended(patient, doctor_profile, days_ago=-2, status=Appointment.Status.CANCELLED)

    response = client_for(doctor).get(history_url(cancelled))

    assert response.status_code == 404
    entry = AuditLog.objects.get()
    assert (entry.outcome, entry.subject) == (AuditLog.Outcome.DENIED, patient)


@pytest.mark.parametrize("persona", ["patient", "other_patient", "staff"])
def test_the_history_view_is_for_doctors(client_for, request, appointment, persona):
    response = client_for(request.getfixturevalue(persona)).get(history_url(appointment))

    assert response.status_code == 403
    assert not AuditLog.objects.exists()


def test_the_history_view_sends_anonymous_visitors_to_log_in(client, appointment):
    response = client.get(history_url(appointment))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [1, 6])
def test_the_doctors_view_costs_the_same_queries_for_one_item_or_many(
    client_for,
    patient,
    doctor,
    doctor_profile,
    other_doctor_profile,
    appointment,
    count,
    django_assert_num_queries,
):
    for n in range(count):
        shared(appointment, MedicalReportFactory(patient=patient))
        other = IssuedPrescriptionFactory(
            appointment__patient=patient, appointment__doctor=other_doctor_profile
        )
        RecordShare.objects.create(appointment=appointment, prescription=other)
        IssuedPrescriptionFactory(
            appointment=appointment if not n else appointment_ended(patient, doctor_profile, days_ago=10 + n)
        )
    http = client_for(doctor)
    http.get(history_url(appointment))

    # user, profile zone, the appointment, the pair's appointments, own prescriptions, shared
    # prescriptions, shared reports, the audit row, unread notifications
    with django_assert_num_queries(9):
        response = http.get(history_url(appointment))

    assert response.status_code == 200
    assert response.content.decode().count('class="record-row"') == 3 * count


def test_unticking_everything_withdraws_every_share(client_for, patient, appointment):
    report = MedicalReportFactory(patient=patient)
    shared(appointment, report)

    response = client_for(patient).post(share_url(appointment), {})

    assert response.status_code == 302
    assert not RecordShare.objects.exists()
    assert AuditLog.objects.get().detail.startswith(f"reports shared: -; withdrawn: [{report.pk}]")


def test_the_patient_sees_which_file_the_doctor_downloaded_and_when(client_for, patient, doctor, appointment):
    report = MedicalReportFactory(patient=patient, title="Blood count")
    shared(appointment, report)
    client_for(doctor).get(file_url(report))
    entry = AuditLog.objects.get()

    body = client_for(patient).get(reverse("records:index")).content.decode()

    panel = body[body.index("Who looked at your records") :]
    assert f"<strong>{doctor.get_full_name()}</strong> downloaded" in panel
    assert "Lab report: Blood count" in panel
    assert f'datetime="{entry.created_at.isoformat()}"' in panel


def test_the_patients_own_reads_are_not_listed_as_someone_looking(client_for, patient):
    report = MedicalReportFactory(patient=patient)
    http = client_for(patient)
    http.get(file_url(report))

    body = http.get(reverse("records:index")).content.decode()

    assert "No one else has opened your records yet." in body
