"""My Records' timeline: the patient's own rows only, filters, pages, constant queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from core.audit import audit_record
from tests.factories import (
    AppointmentFactory,
    CapturedPaymentFactory,
    IssuedPrescriptionFactory,
    MedicalReportFactory,
    png_bytes,
)
from tests.prescriptions.records.conftest import chat

pytestmark = pytest.mark.django_db

INDEX = reverse("records:index")


def test_records_page_is_for_the_patient_only(client, client_for, doctor, staff):
    assert client.get(INDEX).status_code == 302
    assert client_for(doctor).get(INDEX).status_code == 403
    assert client_for(staff).get(INDEX).status_code == 403


def test_timeline_shows_the_patients_appointments_payments_and_reports_and_nothing_of_others(
    client_for, patient, other_patient, appointment
):
    payment = CapturedPaymentFactory(appointment=appointment)
    MedicalReportFactory(patient=patient, title="My blood count")
    MedicalReportFactory(patient=other_patient, title="Karan's scan")
    AppointmentFactory(patient=other_patient, reason="Karan's knee")

    body = client_for(patient).get(INDEX).content.decode()

    assert appointment.doctor.display_name in body
    assert reverse("appointments:detail", args=[appointment.pk]) in body
    assert reverse("payments:receipt", args=[payment.pk]) in body
    assert "My blood count" in body
    assert "Karan" not in body


def test_timeline_leaves_out_a_lapsed_payment_hold(client_for, patient, doctor_profile):
    AppointmentFactory(
        patient=patient,
        doctor=doctor_profile,
        status=Appointment.Status.PENDING_PAYMENT,
        hold_expires_at=timezone.now() - timedelta(minutes=1),
        reason="Never paid",
    )

    body = client_for(patient).get(INDEX).content.decode()

    assert "Never paid" not in body
    assert "Your records are empty" in body


def test_timeline_is_newest_first_across_kinds(client_for, patient, appointment):
    MedicalReportFactory(
        patient=patient, title="Older report", report_date=timezone.localdate() - timedelta(days=30)
    )
    MedicalReportFactory(
        patient=patient, title="Newer report", report_date=timezone.localdate() - timedelta(days=1)
    )

    body = client_for(patient).get(INDEX).content.decode()

    assert body.index("Newer report") < body.index(appointment.reason) < body.index("Older report")


@pytest.mark.parametrize(
    ("chosen", "shown", "not_shown"),
    [
        ("report", ["Blood count", "Chest X-ray"], ["Rash on the arm"]),
        ("report:IMAGING", ["Chest X-ray"], ["Blood count", "Rash on the arm"]),
        ("appointment", ["Rash on the arm"], ["Blood count", "Chest X-ray"]),
    ],
)
def test_timeline_filters_by_type(client_for, patient, doctor_profile, chosen, shown, not_shown):
    AppointmentFactory(patient=patient, doctor=doctor_profile, reason="Rash on the arm")
    MedicalReportFactory(patient=patient, title="Blood count", kind="LAB")
    MedicalReportFactory(patient=patient, title="Chest X-ray", kind="IMAGING")

    body = client_for(patient).get(INDEX, {"type": chosen}).content.decode()

    assert all(text in body for text in shown)
    assert not any(text in body for text in not_shown)


def test_timeline_filters_by_date_range(client_for, patient):
    today = timezone.localdate()
    MedicalReportFactory(patient=patient, title="January", report_date=today - timedelta(days=60))
    MedicalReportFactory(patient=patient, title="Last week", report_date=today - timedelta(days=7))

    body = (
        client_for(patient)
        .get(INDEX, {"start": (today - timedelta(days=10)).isoformat(), "end": today.isoformat()})
        .content.decode()
    )

    assert "Last week" in body
    assert "January" not in body


def test_timeline_date_filter_with_end_before_start_says_so_and_shows_everything(client_for, patient):
    MedicalReportFactory(patient=patient, title="Blood count")

    body = client_for(patient).get(INDEX, {"start": "2026-05-02", "end": "2026-05-01"}).content.decode()

    assert "The end date is before the start date." in body
    assert "Blood count" in body


@pytest.mark.parametrize(
    "dates", [{"end": "9999-12-31"}, {"start": "0001-01-01"}, {"start": "9999-12-31", "end": "9999-12-31"}]
)
def test_timeline_date_filter_at_the_calendars_ends_asks_to_check_the_year(client_for, patient, dates):
    # Such a day's midnight (or the next) is outside what a datetime holds: it was a 500.
    MedicalReportFactory(patient=patient, title="Blood count")

    response = client_for(patient).get(INDEX, dates)

    assert response.status_code == 200
    assert "Please check the year." in response.content.decode()
    assert "Blood count" in response.content.decode()


def test_timeline_ignores_a_type_it_does_not_know(client_for, patient):
    MedicalReportFactory(patient=patient, title="Blood count")

    response = client_for(patient).get(INDEX, {"type": "'; drop table", "page": "abc"})

    assert response.status_code == 200
    assert "Blood count" in response.content.decode()


def test_timeline_paginates_and_keeps_the_filter(client_for, patient, settings):
    settings.RECORDS_PER_PAGE = 2
    for day in range(5):
        MedicalReportFactory(
            patient=patient, title=f"Report {day}", report_date=timezone.localdate() - timedelta(days=day)
        )

    first = client_for(patient).get(INDEX, {"type": "report"}).content.decode()
    last = client_for(patient).get(INDEX, {"type": "report", "page": 3}).content.decode()

    assert "Report 0" in first
    assert "Report 1" in first
    assert "Report 2" not in first
    assert "?type=report&amp;page=2" in first
    assert "Page 1 of 3" in first
    assert "Report 4" in last
    assert "Report 0" not in last


def _fill(patient, doctor, doctor_profile, count):
    """`count` of each of the six kinds of row."""
    for n in range(count):
        appointment = AppointmentFactory(
            patient=patient,
            doctor=doctor_profile,
            start=timezone.now() - timedelta(days=n + 1),
            status=Appointment.Status.COMPLETED,
        )
        CapturedPaymentFactory(appointment=appointment)
        MedicalReportFactory(patient=patient)
        IssuedPrescriptionFactory(appointment=appointment)
        chat(
            appointment, (patient, "Hello"), (doctor, "Hello"), attachment=("a.png", png_bytes(), "image/png")
        )


@pytest.mark.parametrize("count", [1, 3])
def test_timeline_costs_the_same_queries_for_one_row_or_a_full_page(
    client_for, patient, doctor, doctor_profile, count, django_assert_num_queries
):
    _fill(patient, doctor, doctor_profile, count)
    audit_record(action="records.history.view", actor=doctor, subject=patient)
    http = client_for(patient)
    http.get(INDEX)  # warm the session and the user's profile, as a second page view would be

    # user, profile zone, count, page of the UNION, one per kind (6), the consultations' calls,
    # who looked, unread notifications
    with django_assert_num_queries(13):
        response = http.get(INDEX)

    assert response.status_code == 200
    assert response.content.decode().count('class="record-row"') == 6 * count


def test_records_page_shows_who_looked_and_when(client_for, patient, doctor, appointment):
    client_for(doctor).get(reverse("records:patient_history", args=[appointment.pk]))

    body = client_for(patient).get(INDEX).content.decode()

    assert "Who looked at your records" in body
    assert f"<strong>{doctor.get_full_name()}</strong> opened your records" in body


def test_records_page_shows_a_doctor_opening_one_of_the_patients_prescriptions(
    client_for, patient, doctor, appointment
):
    # Audited as prescription.view, but My Records did not list it (issue 13, point 9:
    # the patient sees who looked at what and when).
    rx = IssuedPrescriptionFactory(appointment=appointment)
    client_for(doctor).get(reverse("prescriptions:detail", args=[rx.pk]))

    body = client_for(patient).get(INDEX).content.decode()

    assert f"<strong>{doctor.get_full_name()}</strong> opened a prescription" in body
