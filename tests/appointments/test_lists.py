"""The patient's and the doctor's appointment lists: what each tab holds, paging,
bad input, HTMX fragments, query counts and who may see what."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from profiles.models import Mode
from tests.factories import (
    AppointmentFactory,
    ClinicFactory,
    DoctorProfileFactory,
    LocalityFactory,
    PatientFactory,
    SpecialtyFactory,
)

pytestmark = pytest.mark.django_db

S = Appointment.Status
PATIENT_LIST = reverse("appointments:patient_list")
DOCTOR_LIST = reverse("appointments:doctor_list")
HTMX = {"HX-Request": "true"}
NEW_YORK = ZoneInfo("America/New_York")


def row_ids(response) -> list[int]:
    """The appointments a list shows, in the order it shows them."""
    html = response.content.decode()
    return [int(pk) for pk in re.findall(r'class="appt-row__title"><a href="/appointments/(\d+)/"', html)]


def ago(**delta):
    return timezone.now().replace(second=0, microsecond=0) - timedelta(**delta)


def ahead(**delta):
    return timezone.now().replace(second=0, microsecond=0) + timedelta(**delta)


def new_york(*args):
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.fixture
def doctor_profile(doctor):
    return DoctorProfileFactory(user=doctor, full_name=doctor.full_name)


@pytest.fixture
def other_doctor_profile(other_doctor):
    return DoctorProfileFactory(user=other_doctor, full_name=other_doctor.full_name)


# --- Patient: what each tab holds ------------------------------------------------------


def test_patient_upcoming_lists_active_future_appointments_soonest_first(client_for, patient):
    later = AppointmentFactory(patient=patient, start=ahead(days=3))
    soon = AppointmentFactory(patient=patient, start=ahead(days=1), status=S.PENDING_PAYMENT)
    requested = AppointmentFactory(patient=patient, start=ahead(days=2), status=S.REQUESTED)
    AppointmentFactory(patient=patient, start=ahead(days=1, hours=2), status=S.CANCELLED)
    AppointmentFactory(patient=patient, start=ago(days=2), status=S.COMPLETED)

    response = client_for(patient).get(PATIENT_LIST)

    assert response.status_code == 200
    assert row_ids(response) == [soon.pk, requested.pk, later.pk]


def test_patient_past_lists_finished_cancelled_and_expired_latest_first(client_for, patient):
    completed = AppointmentFactory(patient=patient, start=ago(days=3), status=S.COMPLETED)
    no_show = AppointmentFactory(patient=patient, start=ago(days=10), status=S.NO_SHOW)
    expired = AppointmentFactory(patient=patient, start=ahead(days=1), status=S.EXPIRED)
    cancelled = AppointmentFactory(patient=patient, start=ahead(days=4), status=S.CANCELLED)
    declined = AppointmentFactory(patient=patient, start=ago(days=1), status=S.DECLINED)
    AppointmentFactory(patient=patient, start=ahead(days=2))

    response = client_for(patient).get(PATIENT_LIST, {"tab": "past"})

    assert row_ids(response) == [cancelled.pk, expired.pk, declined.pk, completed.pk, no_show.pk]
    html = response.content.decode()
    assert 'class="is-struck"' in html
    assert "chip-muted" in html


def test_patient_tabs_split_at_the_end_of_the_appointment(client_for, patient):
    with time_machine.travel(datetime(2026, 1, 15, 10, 0, tzinfo=UTC), tick=False):
        running = AppointmentFactory(patient=patient, start=datetime(2026, 1, 15, 9, 45, tzinfo=UTC))
        ends_now = AppointmentFactory(
            patient=patient,
            start=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
            end=datetime(2026, 1, 15, 10, 0, tzinfo=UTC),
        )
        ended = AppointmentFactory(
            patient=patient,
            start=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
            end=datetime(2026, 1, 15, 9, 59, tzinfo=UTC),
        )
        client = client_for(patient)

        upcoming = client.get(PATIENT_LIST, {"tab": "upcoming"})
        past = client.get(PATIENT_LIST, {"tab": "past"})

    assert row_ids(upcoming) == [ends_now.pk, running.pk]
    assert row_ids(past) == [ended.pk]


def test_patient_row_shows_doctor_specialty_clinic_locality_and_status(client_for, patient):
    doctor = DoctorProfileFactory(full_name="Dr. Asha Rao")
    doctor.specialties.add(SpecialtyFactory(name="Dermatologist", slug="dermatologist"))
    clinic = ClinicFactory(doctor=doctor, name="Skin First Clinic", locality=LocalityFactory(name="Kothrud"))
    appointment = AppointmentFactory(
        patient=patient, doctor=doctor, mode=Mode.IN_PERSON, clinic=clinic, start=ahead(days=2)
    )

    html = client_for(patient).get(PATIENT_LIST).content.decode()

    assert "Dr. Asha Rao" in html
    assert '<span class="avatar avatar-md avatar-' in html
    assert ">AR</span>" in html
    assert "Dermatologist" in html
    assert "Clinic visit at Skin First Clinic · Kothrud" in html
    assert '<span class="chip-status chip-success">Confirmed</span>' in html
    assert f'href="{reverse("appointments:detail", args=[appointment.pk])}"' in html
    assert "Manage" in html


def test_patient_row_shows_hold_deadline_for_pending_payment(client_for, patient):
    tomorrow = timezone.now().astimezone(UTC).date() + timedelta(days=1)
    hold = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 11, 10, tzinfo=UTC)  # 4:40 PM in India
    AppointmentFactory(
        patient=patient, status=S.PENDING_PAYMENT, start=hold + timedelta(hours=3), hold_expires_at=hold
    )

    html = client_for(patient).get(PATIENT_LIST).content.decode()

    assert "Pay by 4:40 PM to keep this slot" in html
    assert "Awaiting payment" in html


def test_patient_row_says_when_the_hold_has_lapsed(client_for, patient):
    AppointmentFactory(
        patient=patient, status=S.PENDING_PAYMENT, start=ahead(hours=5), hold_expires_at=ago(minutes=1)
    )

    client = client_for(patient)
    upcoming = client.get(PATIENT_LIST).content.decode()
    html = client.get(PATIENT_LIST, {"tab": "past"}).content.decode()

    # A lapsed hold reads as expired (see test_lapsed_holds), so it has left the upcoming tab.
    assert "The time to pay" not in upcoming
    assert "Pay by" not in html
    assert "The time to pay for this slot has run out" in html
    assert "Awaiting payment" not in html


def test_patient_list_names_the_zone_when_it_differs_from_the_doctors(client_for, patient):
    doctor = DoctorProfileFactory(time_zone="America/New_York")
    AppointmentFactory(patient=patient, doctor=doctor, start=datetime(2030, 1, 15, 14, 0, tzinfo=UTC))

    html = client_for(patient).get(PATIENT_LIST).content.decode()

    # The page speaks the viewer's zone (India) and says so.
    assert "Tue, 15 Jan, 7:30 PM IST" in html


def test_patient_empty_tabs_say_why_and_offer_one_action(client_for, patient):
    client = client_for(patient)

    upcoming = client.get(PATIENT_LIST).content.decode()
    past = client.get(PATIENT_LIST, {"tab": "past"}).content.decode()

    assert "No upcoming appointments — find a doctor" in upcoming
    assert 'href="/doctors/"' in upcoming
    assert "No past appointments yet." in past


# --- Doctor: what each tab holds -------------------------------------------------------


@pytest.fixture
def ny_doctor():
    return DoctorProfileFactory(time_zone="America/New_York")


def test_doctor_today_is_the_doctors_local_day_around_midnight(client_for, ny_doctor, patient):
    # Noon in New York, 10:30 PM in India (the server's zone): the two "todays" differ.
    now = new_york(2026, 1, 15, 12, 0)
    with time_machine.travel(now, tick=False):
        before_midnight = AppointmentFactory(
            patient=patient, doctor=ny_doctor, start=new_york(2026, 1, 14, 23, 30)
        )
        at_midnight = AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 1, 15, 0, 0))
        late_tonight = AppointmentFactory(
            patient=patient, doctor=ny_doctor, start=new_york(2026, 1, 15, 23, 30)
        )
        tomorrow = AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 1, 16, 0, 0))
        client = client_for(ny_doctor.user)

        today = client.get(DOCTOR_LIST, {"tab": "today"})
        week = client.get(DOCTOR_LIST, {"tab": "week"})
        past = client.get(DOCTOR_LIST, {"tab": "past"})

    assert row_ids(today) == [at_midnight.pk, late_tonight.pk]
    assert "Thursday, 15 January" in today.content.decode()
    assert tomorrow.pk in row_ids(week)
    assert row_ids(past) == [at_midnight.pk, before_midnight.pk]


def test_doctor_today_is_the_default_tab(client_for, ny_doctor, patient):
    with time_machine.travel(new_york(2026, 1, 15, 12, 0), tick=False):
        appointment = AppointmentFactory(
            patient=patient, doctor=ny_doctor, start=new_york(2026, 1, 15, 16, 0)
        )
        AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 1, 17, 16, 0))

        response = client_for(ny_doctor.user).get(DOCTOR_LIST)

    assert row_ids(response) == [appointment.pk]
    assert 'aria-current="page">Today<' in response.content.decode()


def test_doctor_today_on_a_daylight_saving_day_has_23_hours(client_for, ny_doctor, patient):
    # 8 March 2026: New York springs forward, so the local day ends 23 hours after it starts.
    with time_machine.travel(new_york(2026, 3, 8, 12, 0), tick=False):
        last_of_day = AppointmentFactory(
            patient=patient, doctor=ny_doctor, start=new_york(2026, 3, 8, 23, 30)
        )
        next_day = AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 3, 9, 0, 0))

        today = client_for(ny_doctor.user).get(DOCTOR_LIST, {"tab": "today"})

    assert row_ids(today) == [last_of_day.pk]
    assert next_day.pk not in row_ids(today)


def test_doctor_week_is_the_seven_local_days_after_today(client_for, ny_doctor, patient):
    # The week runs over the spring-forward night: seven local days are 167 hours.
    with time_machine.travel(new_york(2026, 3, 7, 12, 0), tick=False):
        AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 3, 7, 23, 30))
        first = AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 3, 8, 0, 0))
        last = AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 3, 14, 23, 30))
        AppointmentFactory(patient=patient, doctor=ny_doctor, start=new_york(2026, 3, 15, 0, 30))

        week = client_for(ny_doctor.user).get(DOCTOR_LIST, {"tab": "week"})

    assert row_ids(week) == [first.pk, last.pk]
    assert "Sun, 8 Mar to Sat, 14 Mar" in week.content.decode()


def test_doctor_schedule_leaves_out_lapsed_holds_and_declined_requests(client_for, doctor_profile, patient):
    confirmed = AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=2))
    cancelled = AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=ahead(days=2, hours=1), status=S.CANCELLED
    )
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=2, hours=2), status=S.EXPIRED)
    AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=ahead(days=2, hours=3), status=S.DECLINED
    )

    week = client_for(doctor_profile.user).get(DOCTOR_LIST, {"tab": "week"})

    assert row_ids(week) == [confirmed.pk, cancelled.pk]
    assert 'class="is-struck"' in week.content.decode()


def test_doctor_requests_lists_requests_still_waiting(client_for, doctor_profile, patient):
    later = AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=ahead(days=3), status=S.REQUESTED, reason="Acne"
    )
    sooner = AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=ahead(hours=5), status=S.REQUESTED
    )
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ago(hours=1), status=S.REQUESTED)
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=1), status=S.CONFIRMED)
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=2), status=S.DECLINED)

    response = client_for(doctor_profile.user).get(DOCTOR_LIST, {"tab": "requests"})

    html = response.content.decode()
    assert row_ids(response) == [sooner.pk, later.pk]
    assert "Acne" in html
    assert "Respond" in html
    assert '<span class="chip-status chip-warning">Needs your answer</span>' in html
    assert '<span class="tabs__count">2<span class="visually-hidden"> waiting</span></span>' in html


def test_doctor_past_lists_earlier_appointments_latest_first(client_for, doctor_profile, patient):
    completed = AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=ago(days=1), status=S.COMPLETED
    )
    no_show = AppointmentFactory(patient=patient, doctor=doctor_profile, start=ago(days=2), status=S.NO_SHOW)
    cancelled = AppointmentFactory(
        patient=patient, doctor=doctor_profile, start=ago(days=3), status=S.CANCELLED
    )
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ago(days=4), status=S.EXPIRED)
    AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=1))

    response = client_for(doctor_profile.user).get(DOCTOR_LIST, {"tab": "past"})

    assert row_ids(response) == [completed.pk, no_show.pk, cancelled.pk]
    html = response.content.decode()
    assert '<span class="chip-status chip-primary-outline">Completed</span>' in html
    assert '<span class="chip-status chip-danger-outline">No-show</span>' in html


def test_doctor_row_shows_patient_mode_reason_and_status(client_for, doctor_profile, patient):
    clinic = ClinicFactory(
        doctor=doctor_profile, name="Rao Skin Clinic", locality=LocalityFactory(name="Aundh")
    )
    AppointmentFactory(
        doctor=doctor_profile,
        patient=patient,
        mode=Mode.IN_PERSON,
        clinic=clinic,
        start=ahead(days=2),
        reason="Itchy rash on both arms",
    )

    html = client_for(doctor_profile.user).get(DOCTOR_LIST, {"tab": "week"}).content.decode()

    assert "Priya Nair" in html
    assert ">PN</span>" in html
    assert "Clinic visit at Rao Skin Clinic · Aundh" in html
    assert "Itchy rash on both arms" in html
    assert "Confirmed" in html


def test_doctor_list_creates_a_missing_profile_instead_of_failing(client_for, doctor):
    response = client_for(doctor).get(DOCTOR_LIST)

    assert response.status_code == 200
    assert "No appointments today." in response.content.decode()


# --- Pagination and bad input ----------------------------------------------------------


def test_patient_list_pages_keep_the_tab(client_for, patient):
    doctor = DoctorProfileFactory()
    for n in range(12):
        AppointmentFactory(patient=patient, doctor=doctor, start=ago(days=n + 1), status=S.COMPLETED)
    client = client_for(patient)

    first = client.get(PATIENT_LIST, {"tab": "past"})
    second = client.get(PATIENT_LIST, {"tab": "past", "page": "2"})

    html = first.content.decode()
    assert len(row_ids(first)) == 10
    assert len(row_ids(second)) == 2
    assert f'href="{PATIENT_LIST}?tab=past&amp;page=2"' in html
    assert f'hx-get="{PATIENT_LIST}?tab=past&amp;page=2"' in html
    assert "Page 1 of 2" in html
    assert f'href="{PATIENT_LIST}?tab=past&amp;page=1"' in second.content.decode()
    assert set(row_ids(first)).isdisjoint(row_ids(second))


def test_doctor_list_pages_keep_the_tab(client_for, doctor_profile, patient):
    for n in range(12):
        AppointmentFactory(patient=patient, doctor=doctor_profile, start=ahead(days=2, minutes=30 * n))
    client = client_for(doctor_profile.user)

    first = client.get(DOCTOR_LIST, {"tab": "week"})
    second = client.get(DOCTOR_LIST, {"tab": "week", "page": "2"})

    assert len(row_ids(first)) == 10
    assert len(row_ids(second)) == 2
    assert f'href="{DOCTOR_LIST}?tab=week&amp;page=2"' in first.content.decode()
    assert f'href="{DOCTOR_LIST}?tab=week&amp;page=1"' in second.content.decode()


@pytest.mark.parametrize(
    ("params", "tab", "page_number"),
    [
        ({"tab": "nonsense"}, "Upcoming", 1),
        ({"tab": ""}, "Upcoming", 1),
        ({"page": "abc"}, "Upcoming", 1),
        ({"page": "-1"}, "Upcoming", 2),
        ({"page": "0"}, "Upcoming", 2),
        ({"page": "99999"}, "Upcoming", 2),
        ({"tab": "past", "page": "1.5"}, "Past", 1),
    ],
)
def test_patient_list_bad_params_give_a_normal_page(client_for, patient, params, tab, page_number):
    doctor = DoctorProfileFactory()
    for n in range(12):
        AppointmentFactory(patient=patient, doctor=doctor, start=ahead(days=n + 1))
        AppointmentFactory(patient=patient, doctor=doctor, start=ago(days=n + 1), status=S.COMPLETED)

    response = client_for(patient).get(PATIENT_LIST, params)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'aria-current="page">{tab}<' in html
    assert f"Page {page_number} of 2" in html


@pytest.mark.parametrize("params", [{"tab": "tomorrow"}, {"page": "abc"}, {"tab": "past", "page": "99999"}])
def test_doctor_list_bad_params_give_a_normal_page(client_for, doctor_profile, params):
    AppointmentFactory(doctor=doctor_profile, start=ago(days=1), status=S.COMPLETED)

    response = client_for(doctor_profile.user).get(DOCTOR_LIST, params)

    assert response.status_code == 200
    assert 'id="appointment-list"' in response.content.decode()


# --- HTMX: the fragment and the full page ----------------------------------------------


@pytest.mark.parametrize("tab", ["upcoming", "past"])
def test_patient_list_htmx_request_gets_only_the_fragment(client_for, patient, tab):
    AppointmentFactory(patient=patient, start=ahead(days=1))
    AppointmentFactory(patient=patient, start=ago(days=1), status=S.COMPLETED)
    client = client_for(patient)

    page = client.get(PATIENT_LIST, {"tab": tab})
    fragment = client.get(PATIENT_LIST, {"tab": tab}, headers=HTMX)

    fragment_html = fragment.content.decode()
    assert row_ids(fragment) == row_ids(page)
    assert len(row_ids(fragment)) == 1
    assert "<html" in page.content.decode()
    assert "<html" not in fragment_html
    assert "site-header" not in fragment_html
    assert fragment_html.lstrip().startswith('<div id="appointment-list"')
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.parametrize("tab", ["today", "week", "requests", "past"])
def test_doctor_list_htmx_request_gets_only_the_fragment(client_for, doctor_profile, tab):
    AppointmentFactory(doctor=doctor_profile, start=ahead(minutes=5))
    AppointmentFactory(doctor=doctor_profile, start=ahead(days=2), status=S.REQUESTED)
    AppointmentFactory(doctor=doctor_profile, start=ago(days=1), status=S.COMPLETED)
    client = client_for(doctor_profile.user)

    page = client.get(DOCTOR_LIST, {"tab": tab})
    fragment = client.get(DOCTOR_LIST, {"tab": tab}, headers=HTMX)

    assert row_ids(fragment) == row_ids(page)
    assert "<html" in page.content.decode()
    assert "<html" not in fragment.content.decode()


def test_list_history_restore_gets_the_full_page(client_for, patient):
    response = client_for(patient).get(
        PATIENT_LIST, {"tab": "past"}, headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


@pytest.mark.parametrize("url", [PATIENT_LIST, DOCTOR_LIST])
def test_list_tabs_are_links_that_htmx_enhances(client_for, patient, doctor, url):
    user = patient if url == PATIENT_LIST else doctor
    AppointmentFactory(patient=patient, start=ahead(days=1))

    html = client_for(user).get(url).content.decode()

    hx_links = re.findall(r'<a [^>]*hx-get="([^"]+)"[^>]*>', html)
    assert hx_links
    for tag in re.findall(r'<a [^>]*hx-get="[^"]+"[^>]*>', html):
        href = re.search(r'href="([^"]+)"', tag).group(1)
        assert href == re.search(r'hx-get="([^"]+)"', tag).group(1)
    assert 'hx-push-url="true"' in html
    assert 'hx-target="this"' in html


@pytest.mark.parametrize("url", [PATIENT_LIST, DOCTOR_LIST])
def test_list_pages_have_no_inline_script_or_style(client_for, patient, doctor, url):
    user = patient if url == PATIENT_LIST else doctor
    html = client_for(user).get(url).content.decode()

    assert "<script>" not in html
    assert " style=" not in html


# --- Query counts ----------------------------------------------------------------------


def _patient_rows(patient, tab, count):
    doctor = DoctorProfileFactory()
    doctor.specialties.add(SpecialtyFactory(name="Dermatologist", slug="dermatologist"))
    clinic = ClinicFactory(doctor=doctor)
    for n in range(count):
        if tab == "upcoming":
            AppointmentFactory(
                patient=patient,
                doctor=doctor,
                mode=Mode.IN_PERSON,
                clinic=clinic,
                start=ahead(days=1, minutes=30 * n),
                status=S.PENDING_PAYMENT,
                hold_expires_at=ahead(minutes=10),
            )
        else:
            AppointmentFactory(patient=patient, doctor=doctor, start=ago(days=n + 1), status=S.COMPLETED)


@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize("tab", ["upcoming", "past"])
def test_patient_list_query_count_is_constant(client_for, patient, django_assert_num_queries, tab, count):
    _patient_rows(patient, tab, count)
    client = client_for(patient)

    # the user, the viewer's zone, the page's count, its rows, the doctors' specialties, the bell
    with django_assert_num_queries(6):
        response = client.get(PATIENT_LIST, {"tab": tab})

    assert len(row_ids(response)) == min(count, 10)


@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize("tab", ["upcoming", "past"])
def test_patient_list_fragment_query_count_is_constant(
    client_for, patient, django_assert_num_queries, tab, count
):
    _patient_rows(patient, tab, count)
    client = client_for(patient)

    # the same without the header's bell
    with django_assert_num_queries(5):
        response = client.get(PATIENT_LIST, {"tab": tab}, headers=HTMX)

    assert len(row_ids(response)) == min(count, 10)


def _doctor_rows(doctor, tab, count):
    clinic = ClinicFactory(doctor=doctor)
    with_clinic = {"mode": Mode.IN_PERSON, "clinic": clinic}
    for n in range(count):
        # A patient per row, so a per-row query would show; no password keeps hashing out of it.
        patient = PatientFactory(password=None)
        if tab == "today":
            # Starting now and onwards, in 2-minute steps, all inside today in the doctor's zone.
            start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=2 * n)
            AppointmentFactory(doctor=doctor, patient=patient, start=start, end=start + timedelta(minutes=2))
        elif tab == "week":
            AppointmentFactory(
                doctor=doctor, patient=patient, start=ahead(days=2, minutes=30 * n), **with_clinic
            )
        elif tab == "requests":
            AppointmentFactory(
                doctor=doctor,
                patient=patient,
                start=ahead(days=3, minutes=30 * n),
                status=S.REQUESTED,
                **with_clinic,
            )
        else:
            AppointmentFactory(doctor=doctor, patient=patient, start=ago(days=n + 1), status=S.COMPLETED)


@pytest.fixture
def frozen_morning():
    """Early morning in India, so "today" has room for a dozen appointments after now."""
    with time_machine.travel(datetime(2026, 1, 15, 3, 0, tzinfo=UTC), tick=False):
        yield


@pytest.mark.usefixtures("frozen_morning")
@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize("tab", ["today", "week", "requests", "past"])
def test_doctor_list_query_count_is_constant(
    client_for, doctor_profile, django_assert_num_queries, tab, count
):
    _doctor_rows(doctor_profile, tab, count)
    client = client_for(doctor_profile.user)

    # the user, the viewer's zone, the doctor's profile, the page's count and rows,
    # the requests badge, the bell
    with django_assert_num_queries(7):
        response = client.get(DOCTOR_LIST, {"tab": tab})

    assert len(row_ids(response)) == min(count, 10)


@pytest.mark.usefixtures("frozen_morning")
@pytest.mark.parametrize("count", [1, 12])
@pytest.mark.parametrize("tab", ["today", "week", "requests", "past"])
def test_doctor_list_fragment_query_count_is_constant(
    client_for, doctor_profile, django_assert_num_queries, tab, count
):
    _doctor_rows(doctor_profile, tab, count)
    client = client_for(doctor_profile.user)

    # the same without the header's bell
    with django_assert_num_queries(6):
        response = client.get(DOCTOR_LIST, {"tab": tab}, headers=HTMX)

    assert len(row_ids(response)) == min(count, 10)


# --- Permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [PATIENT_LIST, DOCTOR_LIST])
def test_lists_send_anonymous_visitors_to_login(client, url):
    response = client.get(url, {"tab": "past"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "next=" in response.url


@pytest.mark.parametrize(("url", "persona"), [(PATIENT_LIST, "doctor"), (PATIENT_LIST, "staff")])
def test_patient_list_refuses_other_roles(client_for, request, url, persona):
    response = client_for(request.getfixturevalue(persona)).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize(("url", "persona"), [(DOCTOR_LIST, "patient"), (DOCTOR_LIST, "staff")])
def test_doctor_list_refuses_other_roles(client_for, request, url, persona):
    response = client_for(request.getfixturevalue(persona)).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("tab", ["upcoming", "past"])
def test_patient_list_never_shows_another_patients_appointments(client_for, patient, other_patient, tab):
    doctor = DoctorProfileFactory()
    start, status = (ahead(days=1), S.CONFIRMED) if tab == "upcoming" else (ago(days=1), S.COMPLETED)
    mine = AppointmentFactory(patient=patient, doctor=doctor, start=start, status=status)
    theirs = AppointmentFactory(
        patient=other_patient, doctor=doctor, start=start + timedelta(hours=1), status=status
    )

    mine_seen = client_for(patient).get(PATIENT_LIST, {"tab": tab})
    theirs_seen = client_for(other_patient).get(PATIENT_LIST, {"tab": tab})

    assert row_ids(mine_seen) == [mine.pk]
    assert row_ids(theirs_seen) == [theirs.pk]


@pytest.mark.usefixtures("frozen_morning")
@pytest.mark.parametrize("tab", ["today", "week", "requests", "past"])
def test_doctor_list_never_shows_another_doctors_appointments(
    client_for, doctor_profile, other_doctor_profile, tab
):
    starts = {
        "today": (ahead(hours=2), S.CONFIRMED),
        "week": (ahead(days=2), S.CONFIRMED),
        "requests": (ahead(days=2), S.REQUESTED),
        "past": (ago(days=1), S.COMPLETED),
    }
    start, status = starts[tab]
    mine = AppointmentFactory(doctor=doctor_profile, start=start, status=status)
    theirs = AppointmentFactory(doctor=other_doctor_profile, start=start, status=status)

    mine_seen = client_for(doctor_profile.user).get(DOCTOR_LIST, {"tab": tab})
    theirs_seen = client_for(other_doctor_profile.user).get(DOCTOR_LIST, {"tab": tab})

    assert row_ids(mine_seen) == [mine.pk]
    assert row_ids(theirs_seen) == [theirs.pk]
