"""The patient's and the doctor's dashboards: the appointment cards they show,
what stays on them, their query counts and who may open them."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from profiles.models import DoctorProfile, Mode
from profiles.services import profile_ensure
from tests.factories import (
    AppointmentFactory,
    ClinicFactory,
    DoctorProfileFactory,
    PatientFactory,
    SpecialtyFactory,
)

pytestmark = pytest.mark.django_db

S = Appointment.Status
PATIENT_DASHBOARD = reverse("patient_dashboard")
DOCTOR_DASHBOARD = reverse("doctor_dashboard")
PATIENT_LIST = reverse("appointments:patient_list")
DOCTOR_LIST = reverse("appointments:doctor_list")
NEW_YORK = ZoneInfo("America/New_York")


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="appt-row__title"><a href="/appointments/(\d+)/"', html)]


def section(html: str, title_id: str) -> str:
    """The HTML of the dashboard card labelled by `title_id`."""
    start = html.index(f'aria-labelledby="{title_id}"')
    return html[start : html.index("</section>", start)]


def ahead(**delta):
    return timezone.now().replace(second=0, microsecond=0) + timedelta(**delta)


def ago(**delta):
    return timezone.now().replace(second=0, microsecond=0) - timedelta(**delta)


def new_york(*args):
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
def doctor_profile(doctor):
    return DoctorProfileFactory(user=doctor, full_name=doctor.full_name)


@pytest.fixture
def other_doctor_profile(other_doctor):
    return DoctorProfileFactory(user=other_doctor, full_name=other_doctor.full_name)


# --- Patient dashboard -----------------------------------------------------------------


def test_patient_dashboard_shows_the_next_five_upcoming_soonest_first(client_for, patient):
    doctor = DoctorProfileFactory()
    upcoming = [AppointmentFactory(patient=patient, doctor=doctor, start=ahead(days=n + 1)) for n in range(7)]
    AppointmentFactory(patient=patient, doctor=doctor, start=ago(days=1), status=S.COMPLETED)
    AppointmentFactory(patient=patient, doctor=doctor, start=ahead(hours=5), status=S.CANCELLED)

    html = client_for(patient).get(PATIENT_DASHBOARD).content.decode()

    card = section(html, "upcoming-title")
    assert row_ids(card) == [a.pk for a in upcoming[:5]]
    assert f'href="{PATIENT_LIST}?tab=upcoming">See all' in card
    assert "No appointments yet" not in card


def test_patient_dashboard_row_shows_doctor_when_mode_and_hold(client_for, patient):
    doctor = DoctorProfileFactory(full_name="Dr. Asha Rao")
    doctor.specialties.add(SpecialtyFactory(name="Dermatologist", slug="dermatologist"))
    AppointmentFactory(
        patient=patient,
        doctor=doctor,
        status=S.PENDING_PAYMENT,
        start=ahead(days=1),
        hold_expires_at=ahead(minutes=10),
    )

    card = section(client_for(patient).get(PATIENT_DASHBOARD).content.decode(), "upcoming-title")

    assert "Dr. Asha Rao" in card
    assert "Dermatologist" in card
    assert "Video consultation" in card
    assert "Pay by " in card
    assert "Awaiting payment" in card


def test_patient_dashboard_without_upcoming_keeps_the_empty_state(client_for, patient):
    AppointmentFactory(patient=patient, start=ago(days=3), status=S.COMPLETED)

    html = client_for(patient).get(PATIENT_DASHBOARD).content.decode()

    card = section(html, "upcoming-title")
    assert row_ids(card) == []
    assert "No appointments yet" in card
    assert 'href="/doctors/">Find a doctor</a>' in card
    assert "See all" not in card


def test_patient_dashboard_keeps_its_quick_links(client_for, patient):
    html = client_for(patient).get(PATIENT_DASHBOARD).content.decode()

    assert reverse("profiles:patient_profile") in html
    assert reverse("core:notifications") in html
    assert reverse("accounts:password_change") in html
    assert f"{PATIENT_LIST}?tab=past" in html


def test_patient_dashboard_never_shows_another_patients_appointments(client_for, patient, other_patient):
    doctor = DoctorProfileFactory()
    mine = AppointmentFactory(patient=patient, doctor=doctor, start=ahead(days=1))
    AppointmentFactory(patient=other_patient, doctor=doctor, start=ahead(days=2))

    html = client_for(patient).get(PATIENT_DASHBOARD).content.decode()

    assert row_ids(html) == [mine.pk]


@pytest.mark.parametrize("count", [1, 12])
def test_patient_dashboard_query_count_is_constant(client_for, patient, django_assert_num_queries, count):
    profile_ensure(user=patient)
    doctor = DoctorProfileFactory()
    doctor.specialties.add(SpecialtyFactory(name="Dermatologist", slug="dermatologist"))
    clinic = ClinicFactory(doctor=doctor)
    for n in range(count):
        AppointmentFactory(
            patient=patient, doctor=doctor, mode=Mode.IN_PERSON, clinic=clinic, start=ahead(days=1, hours=n)
        )
    client = client_for(patient)

    # the user, the viewer's zone, the profile, the upcoming rows, the doctors' specialties,
    # the consultation rooms with their unread counts, the bell
    with django_assert_num_queries(7):
        response = client.get(PATIENT_DASHBOARD)

    assert len(row_ids(response.content.decode())) == min(count, 5)


# --- Doctor dashboard ------------------------------------------------------------------


def test_doctor_dashboard_shows_today_requests_and_the_next_seven_days(client_for, patient):
    doctor = DoctorProfileFactory(time_zone="America/New_York")
    # Noon in New York, 10:30 PM in India (the server's zone): the doctor's day is the one that counts.
    with time_machine.travel(new_york(2026, 1, 15, 12, 0), tick=False):
        AppointmentFactory(patient=patient, doctor=doctor, start=new_york(2026, 1, 14, 23, 30))
        at_midnight = AppointmentFactory(patient=patient, doctor=doctor, start=new_york(2026, 1, 15, 0, 0))
        late_tonight = AppointmentFactory(patient=patient, doctor=doctor, start=new_york(2026, 1, 15, 23, 30))
        tomorrow = AppointmentFactory(patient=patient, doctor=doctor, start=new_york(2026, 1, 16, 0, 0))
        request = AppointmentFactory(
            patient=patient,
            doctor=doctor,
            start=new_york(2026, 1, 17, 10, 0),
            status=S.REQUESTED,
            mode=Mode.IN_PERSON,
            clinic=ClinicFactory(doctor=doctor),
        )
        last_of_week = AppointmentFactory(patient=patient, doctor=doctor, start=new_york(2026, 1, 22, 23, 30))
        AppointmentFactory(patient=patient, doctor=doctor, start=new_york(2026, 1, 23, 0, 0))

        html = client_for(doctor.user).get(DOCTOR_DASHBOARD).content.decode()

    today, requests, week = (section(html, t) for t in ("today-title", "requests-title", "week-title"))
    assert row_ids(today) == [at_midnight.pk, late_tonight.pk]
    assert "Thu, 15 Jan" in today
    assert f'href="{DOCTOR_LIST}?tab=today">See all' in today
    assert row_ids(requests) == [request.pk]
    assert '<span class="tabs__count">1</span>' in requests
    assert f'href="{DOCTOR_LIST}?tab=requests">See all' in requests
    assert row_ids(week) == [tomorrow.pk, request.pk, last_of_week.pk]
    assert "Fri, 16 Jan to Thu, 22 Jan" in week
    assert f'href="{DOCTOR_LIST}?tab=week">See all' in week


def test_doctor_dashboard_caps_each_card_and_counts_every_request(client_for, doctor_profile, patient):
    for n in range(7):
        AppointmentFactory(
            patient=patient, doctor=doctor_profile, start=ahead(days=2, hours=n), status=S.REQUESTED
        )

    html = client_for(doctor_profile.user).get(DOCTOR_DASHBOARD).content.decode()

    requests = section(html, "requests-title")
    assert len(row_ids(requests)) == 5
    assert '<span class="tabs__count">7</span>' in requests
    assert len(row_ids(section(html, "week-title"))) == 5


def test_doctor_dashboard_empty_cards_say_so(client_for, doctor_profile):
    html = client_for(doctor_profile.user).get(DOCTOR_DASHBOARD).content.decode()

    assert row_ids(html) == []
    assert "No appointments today." in section(html, "today-title")
    assert "No requests waiting." in section(html, "requests-title")
    assert "Nothing booked for the next 7 days yet." in section(html, "week-title")


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (DoctorProfile.Status.DRAFT, "Get verified to receive bookings"),
        (DoctorProfile.Status.PENDING, "Verification in progress"),
        (DoctorProfile.Status.VERIFIED, "You are verified"),
    ],
)
def test_doctor_dashboard_keeps_the_verification_card_and_quick_links(
    client_for, doctor_profile, patient, status, heading
):
    doctor_profile.status = status
    doctor_profile.save(update_fields=["status"])
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=2))

    html = client_for(doctor_profile.user).get(DOCTOR_DASHBOARD).content.decode()

    assert heading in section(html, "verify-title")
    assert reverse("profiles:doctor_profile") in html
    assert reverse("core:notifications") in html
    assert reverse("accounts:password_change") in html
    assert f'href="{DOCTOR_LIST}"' in html
    assert reverse("appointments:availability") in html


def test_doctor_dashboard_never_shows_another_doctors_appointments(
    client_for, doctor_profile, other_doctor_profile, patient
):
    mine = AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=2))
    AppointmentFactory(patient=patient, doctor=other_doctor_profile, start=ahead(days=2, hours=1))
    AppointmentFactory(patient=patient, doctor=other_doctor_profile, start=ahead(days=3), status=S.REQUESTED)

    html = client_for(doctor_profile.user).get(DOCTOR_DASHBOARD).content.decode()

    assert row_ids(html) == [mine.pk]
    assert "tabs__count" not in html


@pytest.mark.parametrize("count", [1, 12])
def test_doctor_dashboard_query_count_is_constant(
    client_for, doctor_profile, django_assert_num_queries, count
):
    with time_machine.travel(datetime(2026, 1, 15, 3, 0, tzinfo=UTC), tick=False):  # 8:30 AM in India
        clinic = ClinicFactory(doctor=doctor_profile)
        for n in range(count):
            patient = PatientFactory(password=None)
            today = timezone.now() + timedelta(minutes=30 * n)
            AppointmentFactory(patient=patient, doctor=doctor_profile, start=today)
            AppointmentFactory(
                patient=patient,
                doctor=doctor_profile,
                start=ahead(days=2, minutes=30 * n),
                mode=Mode.IN_PERSON,
                clinic=clinic,
            )
            AppointmentFactory(
                patient=patient,
                doctor=doctor_profile,
                start=ahead(days=3, minutes=30 * n),
                status=S.REQUESTED,
            )
        client = client_for(doctor_profile.user)

        # the user, the viewer's zone, the profile, today's rows, the requests' count and rows,
        # the week's rows, the consultation rooms with their unread counts, the bell
        with django_assert_num_queries(9):
            response = client.get(DOCTOR_DASHBOARD)

    html = response.content.decode()
    assert len(row_ids(section(html, "today-title"))) == min(count, 10)
    assert len(row_ids(section(html, "requests-title"))) == min(count, 5)
    assert f'<span class="tabs__count">{count}</span>' in html


# --- Permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [PATIENT_DASHBOARD, DOCTOR_DASHBOARD])
def test_dashboards_send_anonymous_visitors_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        (PATIENT_DASHBOARD, "doctor"),
        (PATIENT_DASHBOARD, "staff"),
        (DOCTOR_DASHBOARD, "patient"),
        (DOCTOR_DASHBOARD, "staff"),
    ],
)
def test_dashboards_refuse_other_roles(client_for, request, url, persona):
    response = client_for(request.getfixturevalue(persona)).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", [PATIENT_DASHBOARD, DOCTOR_DASHBOARD])
def test_dashboards_have_no_inline_script_or_style(client_for, patient, doctor, url):
    user = patient if url == PATIENT_DASHBOARD else doctor
    AppointmentFactory(patient=patient, start=ahead(days=1))

    html = client_for(user).get(url).content.decode()

    assert "<script>" not in html
    assert " style=" not in html
