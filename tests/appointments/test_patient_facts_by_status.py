"""Review of issue 10, point 1: the doctor sees the patient's age, allergies,
conditions (and, for a clinic visit to come, the phone) only while the
appointment binds them; never for a cancelled, declined or expired one."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import appointment_for, patient_facts
from profiles.models import Mode
from tests.factories import AppointmentFactory, PatientProfileFactory

pytestmark = pytest.mark.django_db

ALLERGY = "Penicillin (hives)"
CONDITION = "Type 2 diabetes"
PHONE = "+91 98200 12345"
Status = Appointment.Status


@pytest.fixture
def booker_details(booker):
    return PatientProfileFactory(
        user=booker,
        date_of_birth=date(1990, 6, 15),
        gender="FEMALE",
        phone=PHONE,
        allergies=ALLERGY,
        chronic_conditions=CONDITION,
    )


def clinic_visit(doctor, patient, **fields):
    return AppointmentFactory(
        doctor=doctor, patient=patient, mode=Mode.IN_PERSON, clinic=doctor.clinics.first(), **fields
    )


def page(client_for, appointment, user):
    return client_for(user).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.DECLINED, Status.EXPIRED])
def test_doctor_sees_no_patient_details_once_the_appointment_has_ended_as(
    client_for, clinic_doctor, booker, booker_details, status
):
    appointment = clinic_visit(clinic_doctor, booker, status=status)

    html = page(client_for, appointment, clinic_doctor.user)

    assert booker.get_full_name() in html  # the page itself is still theirs
    assert "About the patient" not in html
    assert ALLERGY not in html
    assert CONDITION not in html
    assert PHONE not in html
    assert "(born 15 Jun 1990)" not in html


def test_doctor_sees_no_patient_details_for_a_lapsed_payment_hold(
    client_for, clinic_doctor, booker, booker_details
):
    # Still PENDING_PAYMENT in the database: the cron has not expired it yet.
    appointment = AppointmentFactory(
        doctor=clinic_doctor,
        patient=booker,
        status=Status.PENDING_PAYMENT,
        hold_expires_at=timezone.now() - timedelta(minutes=1),
    )

    html = page(client_for, appointment, clinic_doctor.user)

    assert "About the patient" not in html
    assert ALLERGY not in html


def test_doctor_sees_the_patient_details_while_a_hold_runs(client_for, clinic_doctor, booker, booker_details):
    appointment = AppointmentFactory(
        doctor=clinic_doctor,
        patient=booker,
        status=Status.PENDING_PAYMENT,
        hold_expires_at=timezone.now() + timedelta(minutes=9),
    )

    html = page(client_for, appointment, clinic_doctor.user)

    assert "About the patient" in html
    assert ALLERGY in html
    assert PHONE not in html  # a video consult happens here


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.CONFIRMED])
def test_doctor_gets_the_phone_for_a_clinic_visit_to_come(
    client_for, clinic_doctor, booker, booker_details, status
):
    appointment = clinic_visit(clinic_doctor, booker, status=status)

    html = page(client_for, appointment, clinic_doctor.user)

    assert f'<a href="tel:{PHONE}">{PHONE}</a>' in html
    assert ALLERGY in html


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.NO_SHOW])
def test_doctor_keeps_the_details_but_not_the_phone_after_a_clinic_visit(
    client_for, clinic_doctor, booker, booker_details, status
):
    start = (timezone.now() - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    appointment = clinic_visit(
        clinic_doctor, booker, status=status, start=start, end=start + timedelta(minutes=30)
    )

    html = page(client_for, appointment, clinic_doctor.user)

    assert "About the patient" in html
    assert CONDITION in html
    assert PHONE not in html
    assert "<dt>Phone</dt>" not in html


def test_doctor_does_not_get_the_phone_for_a_confirmed_clinic_visit_that_is_over(
    clinic_doctor, booker, booker_details
):
    appointment = clinic_visit(clinic_doctor, booker, status=Status.CONFIRMED)
    loaded = appointment_for(clinic_doctor.user, appointment.pk)

    before = patient_facts(loaded, clinic_doctor.user, now=appointment.end - timedelta(minutes=1))
    after = patient_facts(loaded, clinic_doctor.user, now=appointment.end + timedelta(minutes=1))

    assert before.phone == PHONE
    assert after.phone == ""
    assert after.phone_shared is False
    assert after.allergies == ALLERGY


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.DECLINED, Status.EXPIRED])
def test_patient_is_not_told_the_doctor_sees_their_details_once_it_has_ended(
    client_for, clinic_doctor, booker, booker_details, status
):
    appointment = clinic_visit(clinic_doctor, booker, status=status)

    html = page(client_for, appointment, booker)

    assert "sees your age, gender" not in html


@pytest.mark.parametrize("persona", ["other_doctor", "other_patient", "staff"])
def test_others_never_see_the_patient_details_of_an_ended_appointment(
    client_for, request, clinic_doctor, booker, booker_details, persona
):
    appointment = clinic_visit(clinic_doctor, booker, status=Status.CANCELLED)

    response = client_for(request.getfixturevalue(persona)).get(
        reverse("appointments:detail", args=[appointment.pk])
    )

    assert response.status_code == 404
    assert ALLERGY not in response.content.decode()
