"""Sessions end by idleness: staff after 30 minutes, everyone else after two
weeks; activity is written to the session at most every 5 minutes."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.sessions import ACTIVITY_WRITE_INTERVAL

pytestmark = pytest.mark.django_db

START = "2026-12-01 10:00 +0000"
LOGGED_OUT = "You were logged out after a while without activity."
STAFF_IDLE = timedelta(minutes=30)
PATIENT_IDLE = timedelta(days=14)


def _stored(client):
    return Session.objects.get(session_key=client.session.session_key)


@pytest.mark.parametrize(
    ("persona", "idle", "url_name"),
    [("staff", STAFF_IDLE, "admin:index"), ("patient", PATIENT_IDLE, "patient_dashboard")],
)
def test_session_survives_its_idle_limit_exactly(request, client, persona, idle, url_name):
    user = request.getfixturevalue(persona)
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        traveller.shift(idle.total_seconds())

        response = client.get(reverse(url_name))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("persona", "idle"),
    [("staff", STAFF_IDLE), ("patient", PATIENT_IDLE)],
)
def test_session_ends_one_second_past_its_idle_limit_with_a_message(request, client, persona, idle):
    user = request.getfixturevalue(persona)
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(user)
        traveller.shift(idle.total_seconds() + 1)

        response = client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert LOGGED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_activity_keeps_the_session_open(client, staff):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(staff)
        traveller.shift(timedelta(minutes=25).total_seconds())
        client.get(reverse("admin:index"))
        traveller.shift(timedelta(minutes=25).total_seconds())

        response = client.get(reverse("admin:index"))

    assert response.status_code == 200


def test_a_patient_idle_for_a_day_is_still_logged_in_where_staff_is_not(client, client_for, patient):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(patient)
        traveller.shift(timedelta(days=1).total_seconds())

        response = client.get(reverse("patient_dashboard"))

    assert response.status_code == 200


def test_requests_within_the_write_interval_do_not_write_the_session(client, patient):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(patient)
        before = _stored(client)
        traveller.shift(ACTIVITY_WRITE_INTERVAL - 1)

        for _ in range(3):
            client.get(reverse("patient_dashboard"))

        after = _stored(client)
    assert (after.expire_date, after.session_data) == (before.expire_date, before.session_data)


def test_a_request_after_the_write_interval_records_activity_once(client, patient):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(patient)
        before = _stored(client).expire_date
        traveller.shift(ACTIVITY_WRITE_INTERVAL)

        client.get(reverse("patient_dashboard"))
        moved = _stored(client).expire_date
        traveller.shift(1)
        client.get(reverse("patient_dashboard"))

        assert moved == before + timedelta(seconds=ACTIVITY_WRITE_INTERVAL)
        assert _stored(client).expire_date == moved


def test_session_settings_never_save_every_request(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE) == PATIENT_IDLE
