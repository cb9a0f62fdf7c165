"""Review of issue 10, points 3, 4 and 7: one "zones differ" rule (clock
offsets, not zone names) for the picker, the templates and shown_time; legacy
zone names read as current ones; the viewer's day on a slot pill when it is
another day there; the list rows' screen-reader day by the shown-time rule;
every picker tab reachable without JavaScript."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from core import zones
from profiles.models import Mode
from tests.factories import AppointmentFactory, PatientProfileFactory

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
# Sri Lanka keeps India's clock under another name: nothing to convert, nothing to name.
SAME_CLOCK = "Asia/Colombo"


def picker(client, doctor, **query):
    return client.get(reverse("appointments:slots", args=[doctor.slug]), query).content.decode()


def test_clocks_differ_compares_offsets_not_names():
    at = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)

    assert zones.clocks_differ("Asia/Kolkata", "Asia/Calcutta", at=at) is False
    assert zones.clocks_differ("Asia/Kolkata", SAME_CLOCK, at=at) is False
    assert zones.clocks_differ("Asia/Kolkata", "Europe/London", at=at) is True
    # London and Lisbon share a clock in winter and in summer.
    assert zones.clocks_differ("Europe/London", "Europe/Lisbon", at=at) is False


def test_viewer_zone_reads_a_legacy_name_as_the_current_one():
    assert zones.viewer_zone_name(cookie="Asia/Calcutta") == "Asia/Kolkata"
    assert zones.viewer_zone_name(profile_zone="Asia/Calcutta") == "Asia/Kolkata"
    assert zones.viewer_zone_name(cookie="Europe/Kiev") == "Europe/Kyiv"
    assert zones.viewer_zone_name(cookie="Europe/London") == "Europe/London"


@pytest.mark.parametrize("cookie", ["Asia/Calcutta", SAME_CLOCK])
def test_picker_has_no_zone_note_for_a_viewer_on_the_doctors_clock(client, clinic_doctor, cookie):
    client.cookies["tz"] = cookie
    day = (timezone.localdate() + timedelta(days=2)).isoformat()

    for mode in ("IN_PERSON", "ONLINE"):
        page = picker(client, clinic_doctor, day=day, mode=mode)

        assert "zone-note" not in page
        assert "slot__note" not in page


def test_hold_time_names_no_zone_for_a_viewer_on_the_doctors_clock(client_for, clinic_doctor, booker):
    PatientProfileFactory(user=booker, time_zone=SAME_CLOCK)
    until = datetime(2030, 1, 15, 5, 0, tzinfo=UTC)  # 10:30 AM in India and Sri Lanka
    appointment = AppointmentFactory(
        doctor=clinic_doctor,
        patient=booker,
        status=Appointment.Status.PENDING_PAYMENT,
        start=datetime(2030, 1, 16, 5, 0, tzinfo=UTC),
        hold_expires_at=until,
    )

    page = client_for(booker).get(reverse("appointments:detail", args=[appointment.pk])).content.decode()

    assert "Your slot is held until 10:30 AM. Pay now" in page


def test_slot_pill_names_the_viewers_day_when_it_is_another(client, clinic_doctor):
    client.cookies["tz"] = "America/Los_Angeles"
    day = timezone.localdate() + timedelta(days=2)

    page = picker(client, clinic_doctor, day=day.isoformat(), mode="IN_PERSON")

    # The clinic opens at 1:00 PM in Pune: still the evening before in Los Angeles.
    there = datetime.combine(day, time(13), IST).astimezone(ZoneInfo("America/Los_Angeles"))
    assert there.date() == day - timedelta(days=1)
    expected = f"{there:%a} {zones.clock(there)}"
    assert (
        f'<span>1:00 PM</span><span class="slot__note"><span class="visually-hidden">, your time </span>{expected}</span>'
        in page
    )


def test_slot_pill_gives_only_the_clock_on_the_same_day(client, clinic_doctor):
    client.cookies["tz"] = "Europe/London"
    day = (timezone.localdate() + timedelta(days=2)).isoformat()

    page = picker(client, clinic_doctor, day=day, mode="IN_PERSON")

    assert '<span class="visually-hidden">, your time </span>7:30 AM</span>' in page


@pytest.mark.parametrize("url_name", ["appointments:slots"])
def test_every_picker_tab_is_reachable_without_javascript(client, clinic_doctor, url_name):
    page = client.get(reverse(url_name, args=[clinic_doctor.slug])).content.decode()

    tabs = re.findall(r'<a [^>]*role="tab"[^>]*>', page)
    assert len(tabs) == 9  # 2 modes, 7 days
    assert [t for t in tabs if "tabindex" in t] == []
    assert all(" href=" in t for t in tabs)


def test_patient_list_row_names_the_clinic_visits_day_for_screen_readers_in_the_clinics_time(
    client_for, clinic_doctor, booker
):
    PatientProfileFactory(user=booker, time_zone="America/New_York")
    AppointmentFactory(
        doctor=clinic_doctor,
        patient=booker,
        mode=Mode.IN_PERSON,
        clinic=clinic_doctor.clinics.first(),
        start=datetime(2030, 1, 15, 20, 0, tzinfo=UTC),  # 1:30 AM IST Wed 16 Jan; 3:00 PM EST Tue 15 Jan
    )

    page = client_for(booker).get(reverse("appointments:patient_list")).content.decode()

    assert "Wed, 16 Jan, 1:30 AM IST</time>" in page
    assert "of your appointment with Dr. Asha Rao, Wed, 16 Jan</span>" in page
