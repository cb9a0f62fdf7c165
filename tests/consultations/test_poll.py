"""The poll: 204 from the cache when nothing changed, only newer messages in a
stable order, no duplicates across polls, and literal query counts."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import poll, services
from consultations.models import Message

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def _say(session, user, text):
    message, _ = services.message_send(session=session, sender=user, body=text, client_id=uuid.uuid4())
    return message


def _params_of(html):
    """The next poll's query string, as the replaced poller carries it."""
    found = re.search(r'id="poller"[^>]*hx-get="[^"?]+\?([^"]+)"', html)
    return dict(pair.split("=", 1) for pair in found.group(1).replace("&amp;", "&").split("&"))


def _room(client, session):
    return client.get(reverse("consultations:room", args=[session.pk]))


def _poll(client, session, params):
    return client.get(reverse("consultations:poll", args=[session.pk]), params)


def _ids(html):
    return [int(pk) for pk in re.findall(r'<li class="msg[^"]*" id="m-(\d+)"', html)]


def test_poll_nothing_new_is_204_in_two_queries_without_writes(client_for, session, patient):
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())

    # the signed token names the user, the room comes from the shared cache and
    # the viewer's zone is not needed: no query at all
    with CaptureQueriesContext(connection) as queries:
        response = _poll(client, session, params)

    assert response.status_code == 204
    assert len(queries) == 0
    assert not any(q["sql"].lstrip().upper().startswith(WRITES) for q in queries)


def test_poll_with_three_new_messages_runs_a_constant_number_of_queries(
    client_for, session, patient, doctor, django_assert_num_queries
):
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())
    for number in range(3):
        _say(session, doctor, f"Question {number}")

    # the user, the viewer's zone, the session, the new messages, the read receipts
    with django_assert_num_queries(5):
        response = _poll(client, session, params)

    assert len(_ids(response.content.decode())) == 3


def test_poll_returning_messages_writes_nothing(client_for, session, patient, doctor):
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())
    _say(session, doctor, "Hello")

    with CaptureQueriesContext(connection) as queries:
        _poll(client, session, params)

    assert not any(q["sql"].lstrip().upper().startswith(WRITES) for q in queries)
    assert Message.objects.get().read_at is None  # read only when the page reports it on screen


def test_poll_returns_only_newer_messages_in_order_without_duplicates(client_for, session, patient, doctor):
    client = client_for(patient)
    first = _say(session, doctor, "One")
    params = _params_of(_room(client, session).content.decode())
    assert params["after"] == str(first.pk)

    second = _say(session, doctor, "Two")
    third = _say(session, patient, "Three")
    response = _poll(client, session, params)
    html = response.content.decode()
    assert _ids(html) == [second.pk, third.pk]

    params = _params_of(html)
    assert params["after"] == str(third.pk)
    assert _poll(client, session, params).status_code == 204

    fourth = _say(session, doctor, "Four")
    assert _ids(_poll(client, session, params).content.decode()) == [fourth.pk]


def test_poll_after_a_stale_version_shows_nothing_twice(client_for, session, patient, doctor):
    client = client_for(patient)
    message = _say(session, doctor, "Once")
    response = _poll(client, session, {"after": message.pk, "v": "stale", "phase": "open"})
    assert response.status_code == 200
    assert _ids(response.content.decode()) == []


def test_retried_send_is_stored_once_and_polled_once(client_for, session, patient, doctor):
    client = client_for(patient)
    params = _params_of(_room(client_for(doctor), session).content.decode())
    client_id = str(uuid.uuid4())
    for _ in range(2):
        client.post(
            reverse("consultations:send", args=[session.pk]), {"body": "Retry me", "client_id": client_id}
        )

    html = _poll(client_for(doctor), session, params).content.decode()

    assert Message.objects.count() == 1
    assert len(_ids(html)) == 1


def test_phase_change_re_renders_and_stops_the_poll_when_read_only(client_for, session, patient, doctor):
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())
    services.consultation_needs_in_person(session=session, actor=doctor)

    html = _poll(client, session, params).content.decode()

    assert 'id="composer-area"' in html
    assert "closed for new messages" in html
    assert 'data-phase="read_only"' in html
    assert "hx-trigger" not in html.split('id="poller"')[1].split(">")[0]


def test_registered_fragment_is_added_to_full_polls_only(client_for, session, patient, doctor, monkeypatch):
    monkeypatch.setattr(poll, "_fragments", [])
    poll.fragment(lambda request, session: '<div id="video" hx-swap-oob="true">ring</div>')
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())
    assert _poll(client, session, params).status_code == 204

    poll.bump(session.pk)
    html = _poll(client, session, params).content.decode()
    assert '<div id="video" hx-swap-oob="true">ring</div>' in html


def test_poll_records_presence_in_the_cache(client_for, session, patient, doctor):
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())
    poll.forget_snapshot_after_commit(session.pk)  # even a cold snapshot
    _poll(client, session, params)
    assert poll.is_present(session.pk, "patient")
    assert not poll.is_present(session.pk, "doctor")


# --- The room page ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_room_query_count_is_constant(client_for, session, patient, doctor, count, django_assert_num_queries):
    for number in range(count):
        _say(session, doctor if number % 2 else patient, f"Message {number}")
    client = client_for(patient)

    # the user, the viewer's zone, the session, marking read, the messages, the read
    # receipts, the doctor's qualifications, the bell
    with django_assert_num_queries(8):
        response = _room(client, session)

    assert len(_ids(response.content.decode())) == count


def test_typing_shows_on_the_other_sides_next_poll(client_for, session, patient, doctor):
    patient_client = client_for(patient)
    params = _params_of(_room(patient_client, session).content.decode())
    doctor_client = client_for(doctor)  # the same test client, now the doctor's
    assert doctor_client.post(reverse("consultations:typing", args=[session.pk])).status_code == 204

    html = _poll(client_for(patient), session, params).content.decode()

    assert f"{session.appointment.doctor.display_name} is typing" in html


def test_typing_by_a_stranger_is_404(client_for, session, other_patient):
    assert (
        client_for(other_patient).post(reverse("consultations:typing", args=[session.pk])).status_code == 404
    )


def test_arrival_of_the_other_side_re_renders_presence(client_for, session, patient, doctor):
    params = _params_of(_room(client_for(patient), session).content.decode())
    assert _poll(client_for(patient), session, params).status_code == 204

    _room(client_for(doctor), session)  # the doctor comes in
    html = _poll(client_for(patient), session, params).content.decode()

    assert f"{session.appointment.doctor.display_name} is in the room" in html


def test_doctor_starting_does_not_replace_the_patients_composer(client_for, session, patient, doctor):
    params = _params_of(_room(client_for(patient), session).content.decode())
    services.consultation_start(session=session, actor=doctor)

    html = _poll(client_for(patient), session, params).content.decode()

    assert 'data-phase="in_progress"' in html
    assert 'id="composer-area"' not in html  # what the patient is typing stays


def test_poll_far_behind_catches_up_in_batches(client_for, session, patient, doctor, monkeypatch):
    from consultations import views

    monkeypatch.setattr(views, "POLL_BATCH", 2)
    for number in range(3):
        _say(session, doctor, f"Message {number}")
    client = client_for(patient)

    first = _poll(client, session, {"after": 0, "v": "old", "phase": "open"}).content.decode()
    params = _params_of(first)
    second = _poll(client, session, params).content.decode()

    assert len(_ids(first)) == 2
    assert params["v"] == ""  # the next poll is a full one
    assert len(_ids(second)) == 1


def test_poll_without_a_token_authenticates_as_pages_do(
    client_for, session, patient, django_assert_num_queries
):
    client = client_for(patient)
    params = _params_of(_room(client, session).content.decode())
    del params["t"]

    # the user (the session is in the cache); still no query for the room or the zone
    with django_assert_num_queries(1):
        assert _poll(client, session, params).status_code == 204


def test_token_of_another_room_or_forged_is_ignored(
    client_for, session, patient, other_patient, doctor_profile
):
    from tests.consultations.conftest import make_session

    theirs = make_session(patient=other_patient, doctor_profile=doctor_profile, starts_in=timedelta(hours=1))
    their_params = _params_of(_room(client_for(other_patient), theirs).content.decode())
    my_params = _params_of(_room(client_for(patient), session).content.decode())

    stranger = client_for(other_patient)
    assert _poll(stranger, session, {**my_params, "t": their_params["t"]}).status_code == 404
    assert _poll(stranger, session, {**my_params, "t": my_params["t"] + "x"}).status_code == 404


def test_token_after_logout_is_worthless(client, client_for, session, patient, doctor):
    params = _params_of(_room(client_for(patient), session).content.decode())
    client.logout()
    from django.core.cache import cache

    cache.delete(poll.SEEN_KEY.format(pk=session.pk, role="patient"))

    response = _poll(client, session, params)

    # to the login page at once, and the logged-out patient is not "in the
    # room" (which would keep the doctor's messages from notifying them)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not poll.is_present(session.pk, "patient")


def test_token_from_another_browser_session_is_ignored(client_for, session, patient, doctor):
    from django.test import Client

    params = _params_of(_room(client_for(patient), session).content.decode())
    elsewhere = Client()
    elsewhere.force_login(doctor)  # a leaked poll URL used in someone else's session
    from django.core.cache import cache

    cache.delete(poll.SEEN_KEY.format(pk=session.pk, role="patient"))

    response = _poll(elsewhere, session, params)

    # authenticated as the doctor, not answered as the patient the token names
    assert response.status_code == 204
    assert not poll.is_present(session.pk, "patient")
    assert poll.is_present(session.pk, "doctor")
