"""Issue 10, booking: the confirm page checks the slot (1), clinics named and
filterable (2), the one rule for showing an appointment's time (3), the day and
mode kept after a refusal (4), the picker's tab lists (5)."""

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from core.zones import shown_time
from profiles.models import Mode
from tests.appointments.conftest import local
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    ClinicFactory,
    LocalityFactory,
    PatientFactory,
    PatientProfileFactory,
)

pytestmark = pytest.mark.django_db


def slot_links(html):
    return [link.replace("&amp;", "&") for link in re.findall(r'class="slot" href="([^"]+)"', html)]


def confirm(client, doctor, start, mode="IN_PERSON"):
    return client.get(
        reverse("appointments:book", args=[doctor.slug]), {"start": start.isoformat(), "mode": mode}
    )


def picker_url(doctor, **query):
    url = reverse("appointments:slots", args=[doctor.slug])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


# --- 1. The confirm page refuses, on GET, what the booking would refuse ---------------------


def test_confirm_page_shows_a_free_slot(client_for, clinic_doctor, booker):
    response = confirm(client_for(booker), clinic_doctor, local(clinic_doctor, 2, 14, 0))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm your booking" in page
    # "Pick another time" goes back to that day and mode, not to today.
    day = local(clinic_doctor, 2, 14, 0).date().isoformat()
    assert (
        f'href="{picker_url(clinic_doctor, day=day, mode="IN_PERSON").replace("&", "&amp;")}">Pick another time'
        in page
    )


@pytest.mark.parametrize(
    ("when", "mode", "reason"),
    [
        ((0, 0, 0), "IN_PERSON", "That time has already passed."),  # today's midnight: past
        ((2, 14, 5), "IN_PERSON", "That time is not one of the doctor&#x27;s free slots."),  # off the grid
        (
            (2, 14, 0),
            "ONLINE",
            "That time is not one of the doctor&#x27;s free slots.",
        ),  # video in clinic hours
    ],
)
def test_confirm_page_sends_a_refused_time_back_to_the_picker_on_its_day(
    client_for, clinic_doctor, booker, when, mode, reason
):
    client = client_for(booker)
    start = local(clinic_doctor, *when)

    response = confirm(client, clinic_doctor, start, mode)

    assert response.status_code == 302
    assert response.url == picker_url(clinic_doctor, day=start.date().isoformat(), mode=mode)
    page = client.get(response.url).content.decode()
    assert reason in page
    assert f'id="day-tab-{start.date().isoformat()}" role="tab" aria-selected="true"' in page
    assert not Appointment.objects.exists()


def test_confirm_page_sends_a_leave_day_back_to_the_picker_with_the_reason(client_for, clinic_doctor, booker):
    client = client_for(booker)
    start = local(clinic_doctor, 3, 14, 0)
    AvailabilityExceptionFactory(doctor=clinic_doctor, date=start.date())

    response = confirm(client, clinic_doctor, start)

    assert response.url == picker_url(clinic_doctor, day=start.date().isoformat(), mode="IN_PERSON")
    assert (
        "The doctor is on leave that day. Please pick another day."
        in client.get(response.url).content.decode()
    )


# --- 2. Which clinic ---------------------------------------------------------------------------


@pytest.fixture
def second_clinic(clinic_doctor):
    """The doctor also sees patients 17:00-19:00 at a second clinic, in Baner."""
    clinic = ClinicFactory(
        doctor=clinic_doctor,
        name="Baner Skin Care",
        locality=LocalityFactory(name="Baner", city=clinic_doctor.clinics.first().city),
    )
    for weekday in range(7):
        AvailabilityRuleFactory(
            doctor=clinic_doctor,
            weekday=weekday,
            start=time(17),
            end=time(19),
            mode=Mode.IN_PERSON,
            clinic=clinic,
        )
    return clinic


def test_picker_names_the_clinic_of_every_in_clinic_slot_group(client, clinic_doctor, second_clinic):
    first = clinic_doctor.clinics.first()
    day = (timezone.localdate() + timedelta(days=2)).isoformat()

    page = client.get(picker_url(clinic_doctor, day=day, mode="IN_PERSON")).content.decode()

    assert f'<p class="slot-group__clinic">{first.name}, {first.locality.name}</p>' in page
    assert '<p class="slot-group__clinic">Baner Skin Care, Baner</p>' in page
    assert 'aria-label="Evening at Baner Skin Care"' in page


def test_picker_filters_by_clinic(client, clinic_doctor, second_clinic):
    day = (timezone.localdate() + timedelta(days=2)).isoformat()

    page = client.get(
        picker_url(clinic_doctor, day=day, mode="IN_PERSON", clinic=second_clinic.pk)
    ).content.decode()

    assert f'id="clinic-filter-{second_clinic.pk}" href' in page
    assert "Afternoon" not in page  # the first clinic's hours
    assert len(slot_links(page)) == 4  # 17:00-19:00 in 30 minutes
    assert f'class="chip is-selected" id="clinic-filter-{second_clinic.pk}"' in page


def test_picker_has_no_clinic_filter_for_one_clinic(client, clinic_doctor):
    page = client.get(picker_url(clinic_doctor, mode="IN_PERSON")).content.decode()

    assert "clinic-filter" not in page


def test_confirm_page_names_the_slots_clinic(client_for, clinic_doctor, booker, second_clinic):
    response = confirm(client_for(booker), clinic_doctor, local(clinic_doctor, 2, 17, 30))

    page = response.content.decode()
    assert "At <strong>Baner Skin Care</strong>, Baner" in page
    assert second_clinic.address in page


# --- 3. One rule for how an appointment's time is shown --------------------------------------

NINE_IN_PUNE = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)  # 9:00 AM IST, 3:30 AM GMT


def test_clinic_visit_time_is_the_clinics_with_the_viewers_as_a_note():
    shown = shown_time(NINE_IN_PUNE, in_person=True, doctor_zone="Asia/Kolkata", viewer_zone="Europe/London")

    assert shown.label() == "Tue, 1 Dec, 9:00 AM IST"
    assert shown.note() == "your time: 3:30 AM GMT"


def test_video_consult_time_is_the_viewers():
    shown = shown_time(NINE_IN_PUNE, in_person=False, doctor_zone="Asia/Kolkata", viewer_zone="Europe/London")

    assert shown.label() == "Tue, 1 Dec, 3:30 AM GMT"
    assert shown.note() == ""


def test_time_in_the_doctors_zone_names_no_zone_and_adds_no_note():
    shown = shown_time(NINE_IN_PUNE, in_person=True, doctor_zone="Asia/Kolkata", viewer_zone="Asia/Calcutta")

    assert (shown.label(), shown.note()) == ("Tue, 1 Dec, 9:00 AM", "")


def test_note_names_the_viewers_day_when_it_is_another():
    shown = shown_time(
        NINE_IN_PUNE, in_person=True, doctor_zone="Asia/Kolkata", viewer_zone="America/New_York"
    )

    assert shown.note() == "your time: Mon, 30 Nov, 10:30 PM EST"


def test_picker_shows_clinic_slots_in_the_clinics_time_for_a_viewer_abroad(client, clinic_doctor):
    client.cookies["tz"] = "Europe/London"
    day = (timezone.localdate() + timedelta(days=2)).isoformat()

    page = client.get(picker_url(clinic_doctor, day=day, mode="IN_PERSON")).content.decode()

    # Clinic hours 13:00-17:00 IST, whatever the viewer's zone.
    assert (
        '<span>1:00 PM</span><span class="slot__note"><span class="visually-hidden">, your time </span>7:30 AM</span>'
        in page
    )
    assert "Afternoon" in page
    assert (
        "Times are the clinic's local time (Asia/Kolkata), with your time (Europe/London) under each."
        in page.replace("&#x27;", "'")
    )


def test_appointment_page_shows_a_clinic_visit_in_the_clinics_time(client_for, clinic_doctor, booker):
    PatientProfileFactory(user=booker, time_zone="Europe/London")
    appointment = AppointmentFactory(
        doctor=clinic_doctor,
        patient=booker,
        mode=Mode.IN_PERSON,
        clinic=clinic_doctor.clinics.first(),
        start=datetime(2030, 1, 15, 8, 30, tzinfo=UTC),  # 2:00 PM IST
    )

    page = client_for(booker).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()

    assert "Tue, 15 Jan, 2:00 PM IST</time>" in page
    assert '<span class="time-note">(your time: 8:30 AM GMT)</span>' in page


def test_patient_list_shows_a_video_consult_in_the_viewers_time(client_for, clinic_doctor, booker):
    PatientProfileFactory(user=booker, time_zone="Europe/London")
    AppointmentFactory(
        doctor=clinic_doctor, patient=booker, mode=Mode.ONLINE, start=datetime(2030, 1, 15, 8, 30, tzinfo=UTC)
    )

    page = client_for(booker).get(reverse("appointments:patient_list")).content.decode()

    assert "Tue, 15 Jan, 8:30 AM GMT</time>" in page
    assert "your time" not in page


# --- 4. After "that slot was just taken": the same day and mode, fresh slots ----------------


@pytest.mark.parametrize(("mode", "hour"), [("IN_PERSON", 14), ("ONLINE", 10)])
def test_slot_just_taken_keeps_the_chosen_day_and_mode(client_for, clinic_doctor, booker, mode, hour):
    client = client_for(booker)
    start = local(clinic_doctor, 3, hour, 0)
    link = f"{reverse('appointments:book', args=[clinic_doctor.slug])}?start={start.isoformat().replace('+', '%2B')}&mode={mode}"
    services.appointment_book(
        patient=PatientFactory(), doctor=clinic_doctor, start=start, mode=mode, reason="x"
    )

    response = client.post(link, {"start": start.isoformat(), "mode": mode, "reason": "Fever"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "That slot was just taken, please pick another." in page
    assert f'id="day-tab-{start.date().isoformat()}" role="tab" aria-selected="true"' in page
    assert f'id="mode-tab-{mode}" role="tab" aria-selected="true"' in page
    links = slot_links(page)
    assert links
    assert all(f"mode={mode}" in link for link in links)
    starts = {parse_qs(urlparse(link).query)["start"][0] for link in links}
    assert start.isoformat() not in {s.replace(" ", "+") for s in starts}
    assert all(s.startswith(start.date().isoformat()) for s in starts)


# --- 5. The picker's tab lists ---------------------------------------------------------------


def test_picker_day_strip_and_mode_switch_are_tab_lists_with_one_selected_tab(client, clinic_doctor):
    day = timezone.localdate() + timedelta(days=2)

    page = client.get(picker_url(clinic_doctor, day=day.isoformat(), mode="ONLINE")).content.decode()

    assert '<div class="day-tabs" role="tablist" aria-label="Days">' in page
    assert '<div class="mode-toggle" role="tablist" aria-label="Consultation type">' in page
    tabs = re.findall(r'<a [^>]*role="tab"[^>]*>', page)
    selected = [t for t in tabs if 'aria-selected="true"' in t]
    assert len(tabs) == 9  # 2 modes, 7 days
    assert [re.search(r'id="([^"]+)"', t).group(1) for t in selected] == [
        "mode-tab-ONLINE",
        f"day-tab-{day.isoformat()}",
    ]
    # Every tab reachable as sent; static/js/app.js applies the roving tabindex.
    assert not [t for t in tabs if "tabindex" in t]
    # The panels name the selected tabs, so the slots shown always match them.
    assert f'id="day-panel" role="tabpanel" aria-labelledby="day-tab-{day.isoformat()}"' in page
    assert 'id="mode-panel" role="tabpanel" aria-labelledby="mode-tab-ONLINE"' in page


@pytest.mark.parametrize("clinics", [1, 3])
def test_picker_with_clinics_query_count_is_constant(
    client, clinic_doctor, django_assert_num_queries, clinics
):
    for n in range(clinics - 1):
        ClinicFactory(doctor=clinic_doctor, locality=LocalityFactory(name=f"Area {n}"))

    # doctor, clinics (with localities), rules, exceptions, taken, settings
    with django_assert_num_queries(6):
        response = client.get(picker_url(clinic_doctor, mode="IN_PERSON"))

    assert response.status_code == 200


def test_doctor_page_tabs_agree_with_the_slots_rendered_with_it(client, clinic_doctor):
    zone = ZoneInfo(clinic_doctor.time_zone)

    page = client.get(reverse("profiles:doctor_page", args=[clinic_doctor.slug])).content.decode()

    selected = re.search(r'id="day-tab-([0-9-]+)" role="tab" aria-selected="true"', page).group(1)
    starts = [parse_qs(urlparse(link).query)["start"][0].replace(" ", "+") for link in slot_links(page)]
    assert starts
    assert {datetime.fromisoformat(s).astimezone(zone).date().isoformat() for s in starts} == {selected}


def test_search_card_shows_the_next_clinic_slot_in_the_clinics_time(client, clinic_doctor):
    from appointments.next_available import refresh_all

    refresh_all()
    client.cookies["tz"] = "Europe/London"

    page = client.get(reverse("profiles:search"), {"mode": "in_person"}).content.decode()

    label = re.search(
        r'<p class="doctor-card__next">Next available: <a [^>]+><time [^>]+>([^<]+)</time>', page
    )
    assert label is not None
    assert re.fullmatch(
        r"[^,]+(, \d+ \w+)?, \d+:\d\d [AP]M IST \(your time: .*\d:\d\d [AP]M GMT\)", label.group(1)
    )
