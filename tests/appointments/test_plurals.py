"""Counts in the availability messages read as English for one and for many (ngettext)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.factories import AppointmentFactory, PatientFactory, verified_doctor

pytestmark = pytest.mark.django_db
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def profile():
    return verified_doctor(full_name="Dr. Asha Rao", time_zone="Asia/Kolkata")


def bookings_on_a_day(profile, count):
    today = timezone.localdate(timezone=KOLKATA)
    day = today + timedelta(days=(2 - today.weekday()) % 7 + 7)
    bookings = []
    for hour in range(10, 10 + count):
        start = datetime.combine(day, time(hour), tzinfo=KOLKATA)
        bookings.append(
            AppointmentFactory(
                doctor=profile, patient=PatientFactory(), start=start, end=start + timedelta(minutes=30)
            )
        )
    return day, bookings


def leave_over(client, day):
    response = client.post(
        reverse("appointments:availability_exception_add", args=["leave"]), {"leave-date": day.isoformat()}
    )
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_leave_over_one_booking_speaks_of_it(client_for, profile):
    day, _ = bookings_on_a_day(profile, 1)

    shown = leave_over(client_for(profile.user), day)

    assert "1 booking falls in that time. Nothing is cancelled: choose below what happens to it." in shown


def test_leave_over_two_bookings_speaks_of_them(client_for, profile):
    day, _ = bookings_on_a_day(profile, 2)

    shown = leave_over(client_for(profile.user), day)

    assert "2 bookings fall in that time. Nothing is cancelled: choose below what happens to them." in shown


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "Cancelled 1 booking. We have told the patient why."),
        (2, "Cancelled 2 bookings. We have told the patients why."),
    ],
)
def test_cancelling_collisions_counts_them(client_for, profile, count, text):
    day, bookings = bookings_on_a_day(profile, count)
    client = client_for(profile.user)
    leave_over(client, day)

    response = client.post(
        reverse("appointments:availability_collisions_cancel"),
        {"appointments": [b.pk for b in bookings], "reason": "I am away at a conference."},
    )

    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == text
    assert all(b.patient.notifications.filter(kind="appointment.cancelled").exists() for b in bookings)
