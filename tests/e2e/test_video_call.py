"""A video call in the consultation room, between two real Chromium pages.

Chromium's fake devices (--use-fake-device-for-media-stream) give each page a
test pattern and a beep; --use-fake-ui-for-media-stream answers the permission
prompt with "allow". The two peers connect over 127.0.0.1 with no ICE servers.
These tests are CPU-heavy (two encoders, two decoders on 2 cores): short.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations import calls
from consultations.models import Call, CallSignal, ConsultationSession
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_booking_flow import log_in
from tests.factories import AppointmentFactory, PatientProfileFactory, verified_doctor

pytestmark = pytest.mark.django_db(transaction=True)

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def media_browser(browser_type):
    """A Chromium whose camera and microphone are fakes that always say yes."""
    browser = browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MEDIA)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def no_camera_browser(browser_type):
    """Fake devices, but the prompt is left to the context's permissions."""
    browser = browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, FAKE_MEDIA[0]])
    yield browser
    browser.close()


def _room():
    doctor = verified_doctor()
    patient = PatientProfileFactory(user__full_name="Priya Nair").user
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, start=timezone.now() + timedelta(minutes=5)
    )
    return ConsultationSession.objects.create(appointment=appointment), doctor.user, patient


def _page(browser, live_server, **context_args):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, **context_args
    )
    # Keep a handle on each peer connection the page makes, to read its getStats().
    context.add_init_script(
        "(() => { const Native = window.RTCPeerConnection; if (!Native) return;"
        " window.__peers = [];"
        " window.RTCPeerConnection = class extends Native {"
        " constructor(...args) { super(...args); window.__peers.push(this); } }; })();"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


def _url_of(live_server):
    return lambda path: f"{live_server.url}{path}"


def _frames_decoded(page) -> int:
    return page.evaluate(
        """async () => {
            const pc = (window.__peers || []).filter((p) => p.connectionState !== "closed").pop();
            if (!pc) return 0;
            let frames = 0;
            (await pc.getStats()).forEach((r) => {
                if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded || 0;
            });
            return frames;
        }"""
    )


def test_video_call_doctor_calls_patient_joins_mute_hang_up(media_browser, live_server, screenshot):
    room, doctor, patient = _room()
    url = _url_of(live_server)
    doc_page = _page(media_browser, live_server)
    pat_page = _page(media_browser, live_server)
    log_in(doc_page, url, doctor.email)
    log_in(pat_page, url, patient.email)
    doc_page.goto(url(f"/consultations/{room.pk}/"))
    pat_page.goto(url(f"/consultations/{room.pk}/"))
    doc_call = doc_page.locator("[data-video-call]")
    pat_call = pat_page.locator("[data-video-call]")

    doc_call.get_by_role("button", name="Start video call").click()
    expect(pat_call.get_by_text(f"{room.appointment.doctor.display_name} is calling")).to_be_visible()
    screenshot(pat_page, "video-call-ringing")
    pat_call.get_by_role("button", name="Join").click()

    expect(doc_call.locator("[data-call-indicator]")).to_have_text("Connected", timeout=20_000)
    expect(pat_call.locator("[data-call-indicator]")).to_have_text("Connected", timeout=20_000)
    # The doctor's picture reaches the patient: decoded frames keep rising.
    first = _frames_decoded(pat_page)
    pat_page.wait_for_timeout(1500)
    assert _frames_decoded(pat_page) > first > 0
    screenshot(pat_page, "video-call-connected-patient", variants=True)

    doc_call.get_by_role("button", name="Mute").click()
    expect(pat_call.locator("[data-peer-state]")).to_contain_text("Doctor: microphone muted")
    pat_call.get_by_role("button", name="Camera off").click()
    expect(doc_call.locator("[data-peer-state]")).to_contain_text("Patient: camera off")
    screenshot(doc_page, "video-call-connected-doctor")

    # A network change on the patient's side: an ICE restart (new ICE credentials on
    # both sides, through the server), and the call carries on.
    ufrag = "(pc) => (pc.currentRemoteDescription.sdp.match(/a=ice-ufrag:(\\S+)/) || [])[1]"
    last_peer = "(window.__peers || []).filter((p) => p.connectionState !== 'closed').pop()"
    before = doc_page.evaluate(f"(() => ({ufrag})({last_peer}))()")
    pat_page.evaluate("window.dispatchEvent(new Event('online'))")
    doc_page.wait_for_function(f"() => ({ufrag})({last_peer}) !== {before!r}")
    pat_page.wait_for_function(
        f"() => {{ const pc = {last_peer}; return pc.signalingState === 'stable' && pc.connectionState === 'connected'; }}"
    )
    expect(pat_call.locator("[data-call-indicator]")).to_have_text("Connected")

    pat_call.get_by_role("button", name="Hang up").click()
    expect(pat_call.locator("[data-call-indicator]")).to_contain_text("Call ended")
    expect(doc_call.locator("[data-call-indicator]")).to_contain_text("Call ended")

    # The hang-up reached the server: the doctor's poll shows the finished call in the history.
    history = doc_page.locator("#video-call-history")
    expect(history).to_contain_text("Video call")
    expect(history).not_to_contain_text("under way")
    call = Call.objects.get(session=room)
    assert call.status == Call.Status.ENDED
    assert call.connected_at is not None
    assert call.doctor_video
    assert call.patient_video
    pat_page.reload()
    expect(pat_page.locator("#video-call-history")).to_contain_text("doctor and patient joined")
    screenshot(pat_page, "video-call-history")
    assert doc_page.errors == []
    assert pat_page.errors == []


def test_video_call_camera_denied_offers_audio_and_chat_goes_on(
    media_browser, no_camera_browser, live_server, screenshot
):
    room, doctor, patient = _room()
    url = _url_of(live_server)
    doc_page = _page(media_browser, live_server)
    # Only the microphone is allowed: asking for the camera is refused.
    pat_page = _page(no_camera_browser, live_server, permissions=["microphone"])
    log_in(doc_page, url, doctor.email)
    log_in(pat_page, url, patient.email)
    doc_page.goto(url(f"/consultations/{room.pk}/"))
    pat_page.goto(url(f"/consultations/{room.pk}/"))
    pat_call = pat_page.locator("[data-video-call]")

    doc_page.locator("[data-video-call]").get_by_role("button", name="Start video call").click()
    pat_call.get_by_role("button", name="Join").click()

    expect(pat_call.locator("[data-media-error]")).to_contain_text(
        "not allowed to use your camera or microphone"
    )
    audio_only = pat_call.get_by_role("button", name="Use audio only")
    expect(audio_only).to_be_visible()
    screenshot(pat_page, "video-call-camera-denied")
    audio_only.click()
    expect(pat_call.locator("[data-call-indicator]")).to_have_text("Connected", timeout=20_000)
    # Audio only on the patient's side, yet the doctor's picture still arrives.
    first = _frames_decoded(pat_page)
    pat_page.wait_for_timeout(1500)
    assert _frames_decoded(pat_page) > first

    # The chat keeps working beside the call.
    composer = pat_page.locator("textarea[name='body']")
    composer.fill("My camera does not work, can you hear me?")
    composer.press("Enter")
    expect(doc_page.get_by_text("My camera does not work, can you hear me?")).to_be_visible()
    screenshot(pat_page, "video-call-audio-only")

    pat_call.get_by_role("button", name="Hang up").click()
    expect(doc_page.locator("#video-call-history")).to_contain_text("Audio call")
    expect(doc_page.locator("#video-call-history")).not_to_contain_text("under way")
    call = Call.objects.get(session=room)
    assert call.patient_video is False
    assert pat_page.errors == []
    assert doc_page.errors == []


# What the patient's browser posts when it joins late in the ring: an offer, then a batch of
# candidates found after it (a TURN relay is often slower than the 2 s the offer waits), both
# arriving in the doctor's same poll. A second RTCPeerConnection in the doctor's page makes the offer.
FAKE_PATIENT_SIGNALS = """async (callId) => {
    const fake = new RTCPeerConnection();
    fake.addTransceiver("audio");
    fake.addTransceiver("video");
    const offer = await fake.createOffer();
    await fake.setLocalDescription(offer);
    const signals = [
        {id: 2e9, call_id: callId, kind: "offer", payload: {type: "offer", sdp: offer.sdp}},
        {id: 2e9 + 1, call_id: callId, kind: "candidates", payload: [{
            candidate: "candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host",
            sdpMid: fake.getTransceivers()[0].mid, sdpMLineIndex: 0}]},
    ];
    const inbox = document.getElementById("video-inbox");
    const fresh = inbox.cloneNode(false);
    fresh.setAttribute("data-signals", JSON.stringify(signals));
    inbox.replaceWith(fresh);
}"""


def test_video_call_doctor_keeps_candidates_sent_with_a_late_offer(media_browser, live_server, settings):
    settings.VIDEO_RING_SECONDS = 4  # the doctor's page gives up 2 s after that, unless answered
    room, doctor, patient = _room()
    url = _url_of(live_server)
    doc_page = _page(media_browser, live_server)
    log_in(doc_page, url, doctor.email)
    doc_page.goto(url(f"/consultations/{room.pk}/"))
    doc_call = doc_page.locator("[data-video-call]")
    doc_call.get_by_role("button", name="Start video call").click()
    doc_page.wait_for_function("() => (window.__peers || []).length === 1")
    call = Call.objects.get(session=room)
    calls.call_join(call=call, patient=patient)  # the patient joins near the end of the ring

    doc_page.evaluate(FAKE_PATIENT_SIGNALS, call.pk)

    # The candidates that came in the offer's poll reached the doctor's connection.
    doc_page.wait_for_function(
        "() => { const d = window.__peers[0].remoteDescription;"
        " return !!d && d.sdp.includes('192.0.2.10'); }",
        timeout=5_000,
    )
    # Answered: past the ring time the doctor's page is still setting the call up, not hanging up.
    doc_page.wait_for_timeout(7_000)
    expect(doc_call.locator("[data-call-indicator]")).to_have_text("Connecting…")
    call.refresh_from_db()
    assert call.status == Call.Status.RINGING
    assert CallSignal.objects.filter(call=call, kind="answer").exists()
    assert doc_page.errors == []


# The page's 30 s heartbeat every half second instead, so the test need not wait.
SHORT_HEARTBEAT = (
    "(() => { const native = window.setInterval;"
    " window.setInterval = (fn, ms, ...rest) => native(fn, ms === 30000 ? 500 : ms, ...rest); })();"
)
# A stand-in for the patient's browser inside the doctor's page: its offer carries its candidates.
FAKE_PATIENT_OFFER = """async (callId) => {
    const fake = window.__fake = new RTCPeerConnection();
    fake.addTransceiver("audio");
    fake.addTransceiver("video");
    await fake.setLocalDescription(await fake.createOffer());
    await new Promise((done) => {
        if (fake.iceGatheringState === "complete") return done();
        fake.addEventListener("icegatheringstatechange", () => fake.iceGatheringState === "complete" && done());
        setTimeout(done, 3000);
    });
    const signals = [{id: 2e9, call_id: callId, kind: "offer",
                      payload: {type: "offer", sdp: fake.localDescription.sdp}}];
    const inbox = document.getElementById("video-inbox");
    const fresh = inbox.cloneNode(false);
    fresh.setAttribute("data-signals", JSON.stringify(signals));
    inbox.replaceWith(fresh);
}"""


def test_video_call_no_heartbeat_once_the_other_browser_is_gone(media_browser, live_server):
    room, doctor, patient = _room()
    url = _url_of(live_server)
    doc_page = _page(media_browser, live_server)
    doc_page.context.add_init_script(SHORT_HEARTBEAT)
    log_in(doc_page, url, doctor.email)
    doc_page.goto(url(f"/consultations/{room.pk}/"))
    doc_call = doc_page.locator("[data-video-call]")
    doc_call.get_by_role("button", name="Start video call").click()
    doc_page.wait_for_function("() => (window.__peers || []).length === 1")
    call = Call.objects.get(session=room)
    calls.call_join(call=call, patient=patient)
    doc_page.evaluate(FAKE_PATIENT_OFFER, call.pk)
    for _ in range(100):
        answer = CallSignal.objects.filter(call=call, kind="answer").first()
        if answer:
            break
        doc_page.wait_for_timeout(100)
    doc_page.evaluate(
        "async (answer) => { await window.__fake.setRemoteDescription(answer); }", answer.payload
    )
    expect(doc_call.locator("[data-call-indicator]")).to_have_text("Connected", timeout=20_000)

    # The patient's browser vanishes without a word (a crash, the network gone).
    doc_page.evaluate("() => window.__fake.close()")
    doc_page.wait_for_function("() => window.__peers[0].connectionState !== 'connected'", timeout=30_000)
    doc_page.wait_for_timeout(600)  # a heartbeat already on its way lands
    call.refresh_from_db()
    last_word = call.last_seen_at
    doc_page.wait_for_timeout(2_500)

    # No more "connected" from the doctor's page: the record is not kept alive by one side.
    call.refresh_from_db()
    assert call.last_seen_at == last_word
    assert doc_page.errors == []
