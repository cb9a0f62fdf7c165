"""Video calls: the record's moves, signalling (access, order, expiry, rate
limit), the poll's cost, and the "consulted by video" rule."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations import calls, poll, selectors
from consultations.models import Call, CallSignal, ConsultationSession
from consultations.selectors import consulted_by_video
from tests.factories import AdminFactory, AppointmentFactory, DoctorProfileFactory, PatientFactory

pytestmark = pytest.mark.django_db

OFFER = json.dumps({"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"})
ANSWER = json.dumps({"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"})
CANDIDATES = json.dumps(
    [
        {
            "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
    ]
)
JSON = {"HTTP_ACCEPT": "application/json"}
# The room's own full poll with no new messages (issue 12's literal, tests/consultations/test_poll.py).
FULL_POLL_QUERIES = 5


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def room():
    """An open room: the appointment starts in 5 minutes."""
    appointment = AppointmentFactory(start=timezone.now() + timedelta(minutes=5))
    return ConsultationSession.objects.create(appointment=appointment)


@pytest.fixture
def doctor(room):
    return room.appointment.doctor.user


@pytest.fixture
def patient(room):
    return room.appointment.patient


def _url(name, room, call=None):
    args = (room.pk,) if call is None else (room.pk, call.pk)
    return reverse(f"consultations:{name}", args=args)


def _start(client, doctor, room):
    client.force_login(doctor)
    response = client.post(_url("call_start", room), **JSON)
    assert response.status_code == 201, response.content
    return Call.objects.get(pk=response.json()["call_id"])


# --- The record's moves --------------------------------------------------------------------


def test_call_start_rings_and_bumps_the_room(room, doctor):
    version = poll.current_version(room.pk)

    call = calls.call_start(session=room, doctor=doctor)

    assert call.status == Call.Status.RINGING
    assert call.started_by == doctor
    assert poll.current_version(room.pk) != version


def test_call_start_ends_a_live_call_first(room, doctor):
    first = calls.call_start(session=room, doctor=doctor)

    second = calls.call_start(session=room, doctor=doctor)

    first.refresh_from_db()
    assert first.status == Call.Status.ENDED
    assert first.ended_by == doctor
    assert second.status == Call.Status.RINGING
    assert Call.objects.filter(session=room, status__in=Call.LIVE).count() == 1


def test_call_join_connect_end_records_times_and_video(room, doctor, patient):
    now = timezone.now()
    call = calls.call_start(session=room, doctor=doctor, now=now)
    calls.call_join(call=call, patient=patient, now=now + timedelta(seconds=5))
    calls.call_connected(call=call, user=patient, role="patient", video=True, now=now + timedelta(seconds=8))
    calls.call_connected(call=call, user=doctor, role="doctor", video=True, now=now + timedelta(seconds=9))

    call = calls.call_end(call=call, user=patient, now=now + timedelta(seconds=68))

    assert call.status == Call.Status.ENDED
    assert call.patient_joined_at == now + timedelta(seconds=5)
    assert call.connected_at == now + timedelta(seconds=8)
    assert call.ended_by == patient
    assert calls.duration(call) == timedelta(seconds=60)
    assert call.with_video


def test_call_end_twice_changes_nothing(room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    ended = calls.call_end(call=call, user=doctor)

    again = calls.call_end(call=call, user=patient)

    assert again.ended_by == doctor
    assert again.ended_at == ended.ended_at


def test_call_decline_after_the_end_is_refused(room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    calls.call_end(call=call, user=doctor)

    with pytest.raises(calls.CallError, match="ended"):
        calls.call_decline(call=call, patient=patient)


def test_call_unanswered_counts_as_missed(room, doctor, patient, settings):
    settings.VIDEO_RING_SECONDS = 60
    now = timezone.now()
    call = calls.call_start(session=room, doctor=doctor, now=now)

    assert calls.effective_status(call, now=now + timedelta(seconds=59)) == Call.Status.RINGING
    assert calls.effective_status(call, now=now + timedelta(seconds=61)) == Call.Status.MISSED
    with pytest.raises(calls.CallError, match="not answered"):
        calls.call_join(call=call, patient=patient, now=now + timedelta(seconds=61))


def test_call_silent_browsers_end_at_their_last_word(room, doctor, patient, settings):
    settings.VIDEO_CALL_STALE_SECONDS = 90
    now = timezone.now()
    call = calls.call_start(session=room, doctor=doctor, now=now)
    calls.call_join(call=call, patient=patient, now=now)
    call = calls.call_connected(
        call=call, user=doctor, role="doctor", video=True, now=now + timedelta(seconds=30)
    )

    later = now + timedelta(seconds=200)
    assert calls.effective_status(call, now=later) == Call.Status.ENDED
    assert calls.effective_end(call, now=later) == now + timedelta(seconds=30)
    # The next start writes it down.
    calls.call_start(session=room, doctor=doctor, now=later)
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED
    assert call.ended_at == now + timedelta(seconds=30)


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_patient", "other_doctor", "staff"])
def test_call_endpoints_hide_the_room_from_everyone_else(client, room, doctor, who):
    call = calls.call_start(session=room, doctor=doctor)
    outsider = {
        "other_patient": PatientFactory,
        "other_doctor": lambda: DoctorProfileFactory().user,
        "staff": AdminFactory,
    }[who]()
    client.force_login(outsider)

    responses = [
        client.post(_url("call_start", room), **JSON),
        client.post(_url("call_join", room, call), **JSON),
        client.post(_url("call_decline", room, call), **JSON),
        client.post(_url("call_signal", room, call), {"kind": "offer", "payload": OFFER}, **JSON),
        client.post(_url("call_connected", room, call), {"video": "1"}, **JSON),
        client.post(_url("call_end", room, call), **JSON),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    call.refresh_from_db()
    assert call.status == Call.Status.RINGING
    assert not CallSignal.objects.exists()


def test_call_endpoints_send_anonymous_to_login(client, room, doctor):
    call = calls.call_start(session=room, doctor=doctor)

    response = client.post(_url("call_join", room, call))

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_call_start_only_by_the_doctor(client, room, patient):
    client.force_login(patient)

    response = client.post(_url("call_start", room), **JSON)

    assert response.status_code == 404
    assert not Call.objects.exists()


def test_call_join_only_by_the_patient(client, room, doctor):
    call = _start(client, doctor, room)

    response = client.post(_url("call_join", room, call), **JSON)

    assert response.status_code == 404


def test_call_of_another_room_is_404(client, room, doctor):
    other_room = ConsultationSession.objects.create(
        appointment=AppointmentFactory(start=timezone.now() + timedelta(minutes=5))
    )
    other_call = calls.call_start(session=other_room, doctor=other_room.appointment.doctor.user)
    client.force_login(doctor)

    response = client.post(_url("call_end", room, other_call), **JSON)

    assert response.status_code == 404
    other_call.refresh_from_db()
    assert other_call.status == Call.Status.RINGING


@pytest.mark.parametrize("minutes_ahead", [60, -60 * 24 * 30])
def test_call_start_refused_outside_the_window(client, room, doctor, minutes_ahead):
    room.appointment.start = timezone.now() + timedelta(minutes=minutes_ahead)
    room.appointment.end = room.appointment.start + timedelta(minutes=30)
    room.appointment.save(update_fields=["start", "end"])
    if minutes_ahead < 0:
        room.status = ConsultationSession.Status.CLOSED
        room.save(update_fields=["status"])
    client.force_login(doctor)

    response = client.post(_url("call_start", room), **JSON)

    assert response.status_code == 404
    assert not Call.objects.exists()


def test_call_start_answers_ice_servers_with_turn_credentials(client, room, doctor, settings):
    settings.WEBRTC_ICE_SERVERS = [{"urls": "turn:turn.example.com:3478"}]
    settings.TURN_SHARED_SECRET = "shared"
    client.force_login(doctor)

    data = client.post(_url("call_start", room), **JSON).json()

    assert data["ice_servers"][0]["username"].endswith(f":{doctor.pk}")
    assert set(data["urls"]) == {"join", "decline", "signal", "connected", "end"}


# --- Signalling ------------------------------------------------------------------------------


def test_signal_offer_reaches_the_doctor_only(client, room, doctor, patient):
    call = _start(client, doctor, room)
    client.force_login(patient)
    client.post(_url("call_join", room, call), **JSON)

    response = client.post(_url("call_signal", room, call), {"kind": "offer", "payload": OFFER}, **JSON)

    assert response.status_code == 201
    assert [s.kind for s in calls.pending_signals(call, doctor)] == ["offer"]
    assert calls.pending_signals(call, patient) == []


def test_signal_kinds_are_tied_to_the_side(client, room, doctor, patient):
    call = _start(client, doctor, room)

    offer_from_doctor = client.post(
        _url("call_signal", room, call), {"kind": "offer", "payload": OFFER}, **JSON
    )
    client.force_login(patient)
    answer_from_patient = client.post(
        _url("call_signal", room, call), {"kind": "answer", "payload": ANSWER}, **JSON
    )

    assert offer_from_doctor.status_code == 400
    assert answer_from_patient.status_code == 400
    assert not CallSignal.objects.exists()


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("offer", "not json"),
        ("offer", json.dumps({"type": "answer", "sdp": "x"})),
        ("offer", json.dumps({"type": "offer", "sdp": 5})),
        ("candidates", json.dumps([])),
        ("candidates", json.dumps([{"candidate": "x", "sdpMLineIndex": "zero"}])),
        ("candidates", json.dumps([{"candidate": "x"}] * 51)),
        ("video", OFFER),
        ("offer", "x" * 70_000),
    ],
)
def test_signal_malformed_payload_is_a_400_never_a_500(client, room, doctor, patient, kind, payload):
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(patient)

    response = client.post(_url("call_signal", room, call), {"kind": kind, "payload": payload}, **JSON)

    assert response.status_code == 400
    assert not CallSignal.objects.exists()


def test_signal_keeps_only_the_fields_webrtc_needs(room, doctor, patient, client):
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(patient)
    payload = json.dumps([{"candidate": "c", "sdpMid": "0", "sdpMLineIndex": 0, "evil": "<script>"}])

    client.post(_url("call_signal", room, call), {"kind": "candidates", "payload": payload}, **JSON)

    assert CallSignal.objects.get().payload == [
        {"candidate": "c", "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": None}
    ]


def test_signals_come_in_the_order_they_were_posted(room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    now = timezone.now()
    for offset, kind in enumerate(["offer", "candidates", "candidates"]):
        calls.signal_post(
            call=call, sender=patient, kind=kind, payload={"n": offset}, now=now + timedelta(seconds=offset)
        )

    pending = calls.pending_signals(call, doctor, now=now + timedelta(seconds=3))

    assert [s.payload["n"] for s in pending] == [0, 1, 2]
    assert pending == sorted(pending, key=lambda s: s.pk)


def test_signals_expire_and_are_deleted(room, doctor, patient, settings):
    settings.VIDEO_SIGNAL_TTL = 120
    settings.VIDEO_RING_SECONDS = 600
    call = calls.call_start(session=room, doctor=doctor)
    now = timezone.now()
    old = calls.signal_post(call=call, sender=patient, kind="offer", payload={}, now=now)
    calls.call_join(call=call, patient=patient, now=now + timedelta(seconds=100))

    # Past its lifetime it is no longer handed out ...
    assert calls.pending_signals(call, doctor, now=now + timedelta(seconds=121)) == []
    # ... and the next post deletes it.
    calls.signal_post(
        call=call, sender=patient, kind="candidates", payload=[], now=now + timedelta(seconds=125)
    )
    assert not CallSignal.objects.filter(pk=old.pk).exists()


def test_signals_are_deleted_when_the_call_ends(room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    calls.signal_post(call=call, sender=patient, kind="offer", payload={})

    calls.call_end(call=call, user=doctor)

    assert not CallSignal.objects.exists()


def test_signal_to_an_ended_call_is_refused(client, room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    calls.call_end(call=call, user=doctor)
    client.force_login(patient)

    response = client.post(_url("call_signal", room, call), {"kind": "offer", "payload": OFFER}, **JSON)

    assert response.status_code == 409
    assert not CallSignal.objects.exists()


def test_purge_call_signals_deletes_expired_ones(room, doctor, patient, settings):
    settings.VIDEO_SIGNAL_TTL = 120
    call = calls.call_start(session=room, doctor=doctor)
    calls.signal_post(
        call=call, sender=patient, kind="offer", payload={}, now=timezone.now() - timedelta(minutes=5)
    )
    fresh = calls.signal_post(call=call, sender=patient, kind="candidates", payload=[])

    call_command("purge_call_signals", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert list(CallSignal.objects.values_list("pk", flat=True)) == [fresh.pk]


# --- Rate limit ------------------------------------------------------------------------------


def test_rate_limit_lets_a_normal_set_up_and_an_ice_restart_through(client, room, doctor, patient):
    call = _start(client, doctor, room)
    client.force_login(patient)
    posts = [
        ("call_join", {}),
        ("call_signal", {"kind": "offer", "payload": OFFER}),
        ("call_signal", {"kind": "candidates", "payload": CANDIDATES}),
        ("call_connected", {"video": "1"}),
        # an ICE restart after a network change, and two heartbeats
        ("call_signal", {"kind": "offer", "payload": OFFER}),
        ("call_signal", {"kind": "candidates", "payload": CANDIDATES}),
        ("call_connected", {"video": "1"}),
        ("call_connected", {"video": "1"}),
        ("call_end", {}),
    ]

    codes = [client.post(_url(name, room, call), data, **JSON).status_code for name, data in posts]

    assert 429 not in codes
    assert codes[-1] == 200


def test_rate_limit_stops_a_flood(client, room, doctor, patient, settings):
    settings.VIDEO_SIGNAL_POSTS_PER_MINUTE = 30
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(patient)

    codes = [
        client.post(
            _url("call_signal", room, call), {"kind": "candidates", "payload": CANDIDATES}, **JSON
        ).status_code
        for _ in range(35)
    ]

    assert codes[:30] == [201] * 30
    assert codes[30:] == [429] * 5
    assert CallSignal.objects.count() == 30


def test_rate_limit_counts_each_user_apart(client, room, doctor, patient, settings):
    settings.VIDEO_SIGNAL_POSTS_PER_MINUTE = 2
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(patient)
    for _ in range(3):
        client.post(_url("call_signal", room, call), {"kind": "candidates", "payload": CANDIDATES}, **JSON)
    client.force_login(doctor)

    response = client.post(
        _url("call_signal", room, call), {"kind": "candidates", "payload": CANDIDATES}, **JSON
    )

    assert response.status_code == 201


# --- "Consulted by video" (the prescription rule reads it) -----------------------------------


def _connected_call(room, doctor, patient, *, seconds, doctor_video=True, patient_video=True):
    start = timezone.now() - timedelta(seconds=seconds + 10)
    call = calls.call_start(session=room, doctor=doctor, now=start)
    calls.call_join(call=call, patient=patient, now=start)
    calls.call_connected(call=call, user=doctor, role="doctor", video=doctor_video, now=start)
    calls.call_connected(call=call, user=patient, role="patient", video=patient_video, now=start)
    for beat in range(30, seconds, 30):  # the browsers' heartbeats
        calls.call_connected(
            call=call, user=doctor, role="doctor", video=doctor_video, now=start + timedelta(seconds=beat)
        )
    return calls.call_end(call=call, user=doctor, now=start + timedelta(seconds=seconds))


def test_consulted_by_video_after_a_minute_of_video(room, doctor, patient, settings):
    settings.VIDEO_CONSULT_MIN_SECONDS = 60
    _connected_call(room, doctor, patient, seconds=60)

    assert consulted_by_video(room) is True


def test_consulted_by_video_counts_until_the_last_word_of_a_call_gone_silent(room, doctor, patient, settings):
    settings.VIDEO_CONSULT_MIN_SECONDS = 60
    start = timezone.now() - timedelta(minutes=30)
    call = calls.call_start(session=room, doctor=doctor, now=start)
    calls.call_join(call=call, patient=patient, now=start)
    calls.call_connected(call=call, user=doctor, role="doctor", video=True, now=start)
    calls.call_connected(
        call=call, user=patient, role="patient", video=True, now=start + timedelta(seconds=50)
    )

    # Both browsers vanished without hanging up: the call lasted until its last word, 50 s.
    assert consulted_by_video(room) is False


def test_consulted_by_video_not_for_a_short_call(room, doctor, patient, settings):
    settings.VIDEO_CONSULT_MIN_SECONDS = 60
    _connected_call(room, doctor, patient, seconds=59)

    assert consulted_by_video(room) is False


def test_consulted_by_video_not_for_an_audio_call(room, doctor, patient):
    _connected_call(room, doctor, patient, seconds=600, patient_video=False)

    assert consulted_by_video(room) is False


def test_consulted_by_video_not_without_a_call(room):
    assert consulted_by_video(room) is False


def test_consulted_by_video_not_for_a_call_that_never_connected(room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor, now=timezone.now() - timedelta(minutes=10))
    calls.call_end(call=call, user=doctor)

    assert consulted_by_video(room) is False


def test_consulted_by_video_follows_the_setting(room, doctor, patient, settings):
    _connected_call(room, doctor, patient, seconds=90)

    settings.VIDEO_CONSULT_MIN_SECONDS = 120
    assert consulted_by_video(room) is False
    settings.VIDEO_CONSULT_MIN_SECONDS = 60
    assert consulted_by_video(room) is True


def test_consulted_by_video_another_rooms_call_does_not_count(room, doctor, patient):
    other = ConsultationSession.objects.create(
        appointment=AppointmentFactory(doctor=room.appointment.doctor, patient=patient)
    )
    _connected_call(other, doctor, patient, seconds=600)

    assert consulted_by_video(room) is False


# --- The room's poll: signalling rides on it at no cost when nothing is pending ---------------


def _page_params(client, room) -> dict:
    """Open the room; the query string its poller will send (as the room's own tests read it)."""
    html = client.get(_url("room", room)).content.decode()
    found = re.search(r'id="poller"[^>]*hx-get="[^"?]+\?([^"]+)"', html)
    return dict(pair.split("=", 1) for pair in found.group(1).replace("&amp;", "&").split("&"))


def _poll(client, room, params, **changes):
    return client.get(_url("poll", room), {**params, **changes})


def _writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_poll_with_a_live_call_and_nothing_pending_is_204_without_sql(client, room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    calls.call_join(call=call, patient=patient)
    client.force_login(doctor)
    params = _page_params(client, room)  # also warms the session and the room snapshot

    with CaptureQueriesContext(connection) as queries:
        response = _poll(client, room, params)

    assert response.status_code == 204
    assert len(queries) == 0  # as without a call (issue 12's budget is 2)
    assert _writes(queries) == []


def test_poll_after_a_signal_takes_the_full_path_and_hands_it_over(client, room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(doctor)
    params = _page_params(client, room)
    signal = calls.signal_post(
        call=call, sender=patient, kind="offer", payload={"type": "offer", "sdp": "v=0"}
    )

    response = _poll(client, room, params)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="video-inbox"' in body
    assert f"&quot;id&quot;: {signal.pk}" in body
    assert "&quot;kind&quot;: &quot;offer&quot;" in body


@pytest.mark.parametrize("signals", [1, 3])
def test_poll_with_pending_signals_costs_a_constant_number_of_queries(client, room, doctor, patient, signals):
    call = calls.call_start(session=room, doctor=doctor)
    for n in range(signals):
        calls.signal_post(call=call, sender=patient, kind="candidates", payload=[{"n": n}])
    client.force_login(doctor)
    params = _page_params(client, room)

    with CaptureQueriesContext(connection) as queries:
        response = _poll(client, room, params, v="0")

    assert response.status_code == 200
    assert response.content.decode().count("&quot;kind&quot;: &quot;candidates&quot;") == signals
    # The room's own full poll, plus the call panel: its recent calls and its pending signals.
    assert len(queries) == FULL_POLL_QUERIES + 2
    assert _writes(queries) == []


def test_poll_of_a_room_without_calls_costs_nothing_extra(client, room, doctor):
    client.force_login(doctor)
    params = _page_params(client, room)

    with CaptureQueriesContext(connection) as queries:
        response = _poll(client, room, params, v="0")

    assert response.status_code == 200
    assert 'id="video-call-status"' in response.content.decode()
    assert len(queries) == FULL_POLL_QUERIES


def test_call_start_marks_the_room_as_having_calls(room, doctor):
    assert room.has_calls is False

    calls.call_start(session=room, doctor=doctor)

    room.refresh_from_db()
    assert room.has_calls is True


def test_poll_does_not_hand_my_own_signals_back(client, room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    calls.signal_post(call=call, sender=patient, kind="offer", payload={"type": "offer", "sdp": "v=0"})
    client.force_login(patient)

    body = _poll(client, room, _page_params(client, room), v="0").content.decode()

    assert 'data-signals="[]"' in body


def test_poll_shows_the_patient_the_doctor_calling(client, room, doctor, patient):
    client.force_login(patient)
    params = _page_params(client, room)
    call = calls.call_start(session=room, doctor=doctor)

    body = _poll(client, room, params).content.decode()

    assert "is calling" in body
    assert _url("call_join", room, call) in body
    assert _url("call_decline", room, call) in body


# --- The room page ------------------------------------------------------------------------------


def test_room_allows_camera_and_microphone_only_there(client, room, patient):
    client.force_login(patient)

    in_room = client.get(_url("room", room))
    elsewhere = client.get(reverse("dashboard"))

    assert "camera=(self)" in in_room["Permissions-Policy"]
    assert "microphone=(self)" in in_room["Permissions-Policy"]
    assert "camera=()" in elsewhere["Permissions-Policy"]
    assert "microphone=()" in elsewhere["Permissions-Policy"]


def test_room_shows_the_call_history(client, room, doctor, patient):
    _connected_call(room, doctor, patient, seconds=125)
    missed = calls.call_start(session=room, doctor=doctor, now=timezone.now() - timedelta(minutes=30))
    Call.objects.filter(pk=missed.pk).update(status=Call.Status.MISSED)
    client.force_login(patient)

    body = client.get(_url("room", room)).content.decode()

    assert "Video call" in body
    assert "2 min 5 s" in body
    assert "doctor and patient joined" in body
    assert "Missed call" in body
    assert "static/js/video-call.js" in body
    assert "<script>" not in body  # no inline script: the CSP stays strict


def test_call_records_for_my_records_in_one_query(room, doctor, patient, django_assert_num_queries):
    other = ConsultationSession.objects.create(
        appointment=AppointmentFactory(doctor=room.appointment.doctor, patient=patient)
    )
    _connected_call(room, doctor, patient, seconds=70)
    calls.call_decline(call=calls.call_start(session=room, doctor=doctor), patient=patient)
    _connected_call(other, doctor, patient, seconds=40, patient_video=False)

    with django_assert_num_queries(1):
        records = selectors.call_records([room.pk, other.pk])

    assert [(r["status"], r["duration"], r["with_video"]) for r in records[room.pk]] == [
        (Call.Status.DECLINED, None, False),
        (Call.Status.ENDED, "1 min 10 s", True),
    ]
    assert [(r["duration"], r["with_video"], r["patient_joined"]) for r in records[other.pk]] == [
        ("40 s", False, True)
    ]


def test_call_end_after_the_ring_time_records_it_missed(room, doctor, settings):
    settings.VIDEO_RING_SECONDS = 60
    now = timezone.now()
    call = calls.call_start(session=room, doctor=doctor, now=now)

    call = calls.call_end(call=call, user=doctor, now=now + timedelta(seconds=62))

    assert call.status == Call.Status.MISSED
    assert call.ended_at == now
    assert calls.duration(call) is None


def test_call_decline_by_the_patient_shows_on_the_doctors_poll(client, room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(doctor)
    params = _page_params(client, room)
    client.force_login(patient)

    response = client.post(_url("call_decline", room, call), **JSON)

    assert response.json()["status"] == Call.Status.DECLINED
    call.refresh_from_db()
    assert call.status == Call.Status.DECLINED
    assert call.ended_by == patient
    client.force_login(doctor)
    body = _poll(client, room, params).content.decode()
    assert 'data-call-state="declined"' in body
    assert "The patient declined the last call." in body
    assert "Declined call" in body


def test_call_join_twice_after_the_end_is_a_409_never_a_500(client, room, doctor, patient):
    call = calls.call_start(session=room, doctor=doctor)
    calls.call_end(call=call, user=doctor)
    client.force_login(patient)

    response = client.post(_url("call_join", room, call), **JSON)

    assert response.status_code == 409
    assert response.json() == {"error": "This call has ended."}


def test_call_endpoints_refuse_get(client, room, doctor):
    client.force_login(doctor)

    response = client.get(_url("call_start", room))

    assert response.status_code == 405
    assert not Call.objects.exists()


def test_call_start_without_javascript_goes_back_to_the_room(client, room, doctor):
    client.force_login(doctor)

    response = client.post(_url("call_start", room))

    assert response.status_code == 302
    assert response["Location"] == _url("room", room)
    assert Call.objects.filter(session=room, status=Call.Status.RINGING).count() == 1


def test_call_admin_lists_calls_read_only(client, room, doctor, patient):
    _connected_call(room, doctor, patient, seconds=70)
    client.force_login(AdminFactory())

    listing = client.get(reverse("admin:consultations_call_changelist"))
    add = client.get(reverse("admin:consultations_call_add"))

    assert listing.status_code == 200
    assert f"Consultation for appointment {room.appointment_id}" in listing.content.decode()
    assert add.status_code == 403


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("offer", '{"type": "offer", "sdp": "v=0\\u0000"}'),
        ("offer", '{"type": "offer", "sdp": "v=0\\ud800"}'),
        ("candidates", '[{"candidate": "c\\u0000", "sdpMLineIndex": 0}]'),
        ("candidates", '[{"candidate": "c", "sdpMid": "\\udfff", "sdpMLineIndex": 0}]'),
    ],
)
def test_signal_with_a_nul_or_lone_surrogate_is_a_400_never_a_500(
    client, room, doctor, patient, kind, payload
):
    # PostgreSQL's jsonb refuses \u0000 and unpaired surrogates: they must stop at the form.
    call = calls.call_start(session=room, doctor=doctor)
    client.force_login(patient)

    response = client.post(_url("call_signal", room, call), {"kind": kind, "payload": payload}, **JSON)

    assert response.status_code == 400
    assert not CallSignal.objects.exists()


def test_consulted_by_video_counts_a_live_call_only_until_its_last_word(room, doctor, patient, settings):
    settings.VIDEO_CONSULT_MIN_SECONDS = 60
    settings.VIDEO_CALL_STALE_SECONDS = 90
    start = timezone.now() - timedelta(seconds=70)
    call = calls.call_start(session=room, doctor=doctor, now=start)
    calls.call_join(call=call, patient=patient, now=start)
    calls.call_connected(call=call, user=patient, role="patient", video=True, now=start)
    call = calls.call_connected(
        call=call, user=doctor, role="doctor", video=True, now=start + timedelta(seconds=10)
    )

    # Silent for 60 s (not yet stale): 10 s of video were confirmed, not the 70 s since it connected,
    # and the answer must not flip to "no" once the call goes stale.
    assert calls.is_live(call)
    assert consulted_by_video(room) is False
    assert consulted_by_video(room, now=timezone.now() + timedelta(seconds=60)) is False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_call_start_twice_at_once_rings_once_never_a_500():
    # Two tabs (or a double click) start a call in a room with no live call at the same moment.
    import threading

    from django.db import transaction

    room = ConsultationSession.objects.create(
        appointment=AppointmentFactory(start=timezone.now() + timedelta(minutes=5))
    )
    doctor = room.appointment.doctor.user
    first_inserted = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = calls.call_start(session=room, doctor=doctor)
                first_inserted.set()
                threading.Event().wait(0.5)  # the second start arrives before this commits
        except Exception as error:  # reported to the test
            results["first"] = error
        finally:
            first_inserted.set()
            connection.close()

    def second():
        first_inserted.wait(timeout=10)
        try:
            results["second"] = calls.call_start(
                session=ConsultationSession.objects.get(pk=room.pk), doctor=doctor
            )
        except Exception as error:
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert isinstance(results["first"], Call), results["first"]
    assert isinstance(results["second"], Call), results["second"]
    assert Call.objects.filter(session=room, status__in=Call.LIVE).get().pk == results["second"].pk
    assert Call.objects.get(pk=results["first"].pk).status == Call.Status.ENDED


def test_call_missed_and_hung_up_takes_the_ringing_off_the_patients_page(
    client, room, doctor, patient, settings
):
    # The doctor's page hangs up an unanswered call after the ring time; the patient's
    # page, still showing "is calling" with Join, must re-render on its next poll.
    settings.VIDEO_RING_SECONDS = 60
    start = timezone.now() - timedelta(seconds=62)
    call = calls.call_start(session=room, doctor=doctor, now=start)
    client.force_login(patient)
    params = _page_params(client, room)  # the patient's page, rendered while it rang
    version = poll.current_version(room.pk)

    calls.call_end(call=call, user=doctor)

    assert poll.current_version(room.pk) != version
    response = _poll(client, room, params)
    assert response.status_code == 200
    assert b"is calling" not in response.content


def test_call_admin_page_is_written_to_the_audit_log(client, room, doctor, patient):
    from core.models import AuditLog

    call = _connected_call(room, doctor, patient, seconds=70)
    staff = AdminFactory()
    client.force_login(staff)

    response = client.get(reverse("admin:consultations_call_change", args=(call.pk,)))

    assert response.status_code == 200
    entry = AuditLog.objects.get(action="consultation.call_viewed")
    assert entry.actor == staff
    assert entry.target_id == str(call.pk)
    assert entry.subject == patient
