"""What the doctor sees of the patient on their appointment page (issue 10,
point 9): age, gender, the phone for clinic visits, allergies and conditions;
nobody else sees them there."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import _age_words, appointment_for, patient_facts
from core import zones
from profiles.models import Mode
from tests.factories import AppointmentFactory, PatientProfileFactory

pytestmark = pytest.mark.django_db

ALLERGY = "Penicillin (hives)"
CONDITION = "Type 2 diabetes"
PHONE = "+91 98200 12345"
PERSONAS = ["owner", "their_doctor", "other_patient", "other_doctor", "staff", "anonymous"]


def details(user, born=date(1990, 6, 15)):
    return PatientProfileFactory(
        user=user,
        date_of_birth=born,
        gender="FEMALE",
        phone=PHONE,
        allergies=ALLERGY,
        chronic_conditions=CONDITION,
    )


@pytest.fixture
def clinic_visit(clinic_doctor, booker):
    details(booker)
    return AppointmentFactory(
        doctor=clinic_doctor, patient=booker, mode=Mode.IN_PERSON, clinic=clinic_doctor.clinics.first()
    )


def page_for(request, client, client_for, persona, appointment):
    if persona != "anonymous":
        user = {"owner": appointment.patient, "their_doctor": appointment.doctor.user}.get(
            persona
        ) or request.getfixturevalue(persona)
        client = client_for(user)
    return client.get(reverse("appointments:detail", args=[appointment.pk]))


def test_doctor_sees_age_gender_phone_allergies_and_conditions_for_a_clinic_visit(client_for, clinic_visit):
    page = client_for(clinic_visit.doctor.user).get(reverse("appointments:detail", args=[clinic_visit.pk]))

    html = page.content.decode()
    assert '<h2 id="patient-title">About the patient</h2>' in html
    day = zones.local_date(clinic_visit.start, zones.zone(clinic_visit.doctor.time_zone))
    years = clinic_visit.patient.patient_profile.age_on(day)[0]
    assert f"<dt>Age</dt><dd>{years} years" in html
    assert "(born 15 Jun 1990)" in html
    assert "<dt>Gender</dt><dd>Female</dd>" in html
    assert f'<a href="tel:{PHONE}">{PHONE}</a>' in html
    assert f'<dd class="prewrap">{ALLERGY}</dd>' in html
    assert f'<dd class="prewrap">{CONDITION}</dd>' in html


def test_doctor_does_not_get_the_phone_for_a_video_consult(client_for, clinic_doctor, booker):
    details(booker)
    online = AppointmentFactory(doctor=clinic_doctor, patient=booker, mode=Mode.ONLINE)

    html = (
        client_for(clinic_doctor.user).get(reverse("appointments:detail", args=[online.pk])).content.decode()
    )

    assert "About the patient" in html
    assert ALLERGY in html
    assert PHONE not in html
    assert "<dt>Phone</dt>" not in html


def test_doctor_is_told_when_the_patient_gave_no_age(client_for, clinic_doctor, booker):
    PatientProfileFactory(user=booker)
    appointment = AppointmentFactory(doctor=clinic_doctor, patient=booker, mode=Mode.ONLINE)

    html = (
        client_for(clinic_doctor.user)
        .get(reverse("appointments:detail", args=[appointment.pk]))
        .content.decode()
    )

    assert "Not given: ask before prescribing" in html
    assert "<dt>Gender</dt><dd>Not given</dd>" in html
    assert html.count("None given") == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_patient_facts_reach_only_the_appointments_doctor(request, client, client_for, clinic_visit, persona):
    response = page_for(request, client, client_for, persona, clinic_visit)

    html = response.content.decode()
    shown = persona == "their_doctor"
    assert ("About the patient" in html) is shown
    assert (ALLERGY in html) is shown
    assert (CONDITION in html) is shown
    assert (PHONE in html) is shown
    assert response.status_code == {"owner": 200, "their_doctor": 200, "anonymous": 302}.get(persona, 404)


def test_the_patient_is_told_what_their_doctor_sees(client_for, clinic_visit):
    html = (
        client_for(clinic_visit.patient)
        .get(reverse("appointments:detail", args=[clinic_visit.pk]))
        .content.decode()
    )

    assert "sees your age, gender, allergies and conditions and your phone number from" in html
    assert f'<a href="{reverse("profiles:patient_profile")}">your details</a>' in html


def test_patient_facts_are_none_for_anyone_but_the_doctor(clinic_visit, other_doctor, staff):
    loaded = appointment_for(clinic_visit.doctor.user, clinic_visit.pk)

    assert patient_facts(loaded, clinic_visit.patient) is None
    assert patient_facts(loaded, other_doctor) is None
    assert patient_facts(loaded, staff) is None
    assert patient_facts(loaded, clinic_visit.doctor.user).allergies == ALLERGY


def test_age_is_taken_on_the_day_of_the_appointment(clinic_doctor, booker):
    details(booker, born=date(2000, 3, 10))
    start = datetime(2030, 3, 9, 4, 30, tzinfo=timezone.get_fixed_timezone(0))
    appointment = AppointmentFactory(doctor=clinic_doctor, patient=booker, start=start)
    loaded = appointment_for(booker, appointment.pk)

    assert patient_facts(loaded, clinic_doctor.user).age == "29 years"
    Appointment.objects.filter(pk=appointment.pk).update(
        start=start + timedelta(days=1), end=start + timedelta(days=1, minutes=30)
    )
    assert patient_facts(appointment_for(booker, appointment.pk), clinic_doctor.user).age == "30 years"


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (None, ""),
        ((0, 8), "8 months"),
        ((1, 4), "1 year, 4 months"),
        ((1, 0), "1 year"),
        ((34, 5), "34 years"),
    ],
)
def test_age_words(age, words):
    assert _age_words(age) == words


def test_doctors_page_with_patient_facts_costs_no_extra_query(
    client_for, clinic_visit, django_assert_num_queries
):
    client = client_for(clinic_visit.doctor.user)

    # user, their zone, the appointment with its people and the patient's details, its events, the bell
    with django_assert_num_queries(5):
        response = client.get(reverse("appointments:detail", args=[clinic_visit.pk]))

    assert "About the patient" in response.content.decode()


def test_patients_details_page_says_what_a_doctor_sees(client_for, booker):
    PatientProfileFactory(user=booker)

    html = client_for(booker).get(reverse("profiles:patient_profile")).content.decode()

    assert (
        "A doctor you book sees your age, gender, allergies and conditions, "
        "and your phone number for a clinic visit." in html
    )
