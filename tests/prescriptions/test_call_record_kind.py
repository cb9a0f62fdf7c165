"""Issue 14 item 5: the call record feeds the prescription rules. A consultation
counts as by video only when a call connected with video on both sides for at
least VIDEO_CONSULT_MIN_SECONDS; otherwise the doctor's declaration stands and
is recorded as declared."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from consultations.models import Call, ConsultationSession
from prescriptions import services
from prescriptions.models import ConsultKind, KindSource, Prescription
from prescriptions.pdf import render_pdf
from tests.prescriptions.conftest import draft_with, item
from tests.prescriptions.test_pages import ROW, post_data

pytestmark = pytest.mark.django_db

Status = Prescription.Status


@pytest.fixture(autouse=True)
def _a_minute(settings):
    settings.VIDEO_CONSULT_MIN_SECONDS = 60


def call(appointment, *, seconds, video=True):
    """An ended call of the appointment's room, connected for `seconds`."""
    session, _ = ConsultationSession.objects.get_or_create(appointment=appointment)
    connected = timezone.now() - timedelta(minutes=10)
    return Call.objects.create(
        session=session,
        started_by=appointment.doctor.user,
        status=Call.Status.ENDED,
        created_at=connected - timedelta(seconds=5),
        patient_joined_at=connected,
        connected_at=connected,
        last_seen_at=connected + timedelta(seconds=seconds),
        ended_at=connected + timedelta(seconds=seconds),
        ended_by=appointment.doctor.user,
        doctor_video=video,
        patient_video=video,
    )


def test_list_a_refused_on_a_declared_audio_consult_without_a_call(appointment):
    draft = draft_with(appointment, items=[item("Clotrimazole cream")], consult_kind="AUDIO")

    with pytest.raises(services.IssueRefused) as refused:
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)

    assert "List A" in refused.value.item_errors[0]
    draft.refresh_from_db()
    assert (draft.status, draft.consult_kind, draft.consult_kind_source) == (
        Status.DRAFT,
        ConsultKind.AUDIO,
        KindSource.DECLARED,
    )


def test_list_a_accepted_when_a_qualifying_video_call_exists(appointment):
    call(appointment, seconds=75)
    draft = draft_with(appointment, items=[item("Clotrimazole cream")], consult_kind="AUDIO")

    rx = services.prescription_issue(prescription=draft, actor=appointment.doctor.user)

    assert rx.status == Status.ISSUED
    assert (rx.consult_kind, rx.consult_kind_source) == (ConsultKind.VIDEO, KindSource.CALL_RECORD)


def test_a_call_connected_after_the_draft_was_saved_decides_at_issue(appointment):
    draft = draft_with(appointment, items=[item("Clotrimazole cream")], consult_kind="TEXT")
    call(appointment, seconds=60)

    rx = services.prescription_issue(prescription=draft, actor=appointment.doctor.user)

    assert (rx.consult_kind, rx.consult_kind_source) == (ConsultKind.VIDEO, KindSource.CALL_RECORD)


def test_a_short_video_call_does_not_count(appointment):
    call(appointment, seconds=45)
    draft = draft_with(appointment, items=[item("Clotrimazole cream")], consult_kind="AUDIO")

    with pytest.raises(services.IssueRefused):
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)

    draft.refresh_from_db()
    assert (draft.consult_kind, draft.consult_kind_source) == (ConsultKind.AUDIO, KindSource.DECLARED)


def test_an_audio_only_call_does_not_count(appointment):
    call(appointment, seconds=300, video=False)
    draft = draft_with(appointment, items=[item("Clotrimazole cream")], consult_kind="AUDIO")

    with pytest.raises(services.IssueRefused):
        services.prescription_issue(prescription=draft, actor=appointment.doctor.user)


def test_a_declared_video_consult_is_recorded_as_declared(appointment):
    rx = services.prescription_issue(
        prescription=draft_with(appointment, consult_kind="VIDEO"), actor=appointment.doctor.user
    )

    assert (rx.consult_kind, rx.consult_kind_source) == (ConsultKind.VIDEO, KindSource.DECLARED)


def test_editor_does_not_ask_the_kind_when_the_call_record_says_video(client, appointment):
    call(appointment, seconds=90)
    draft = draft_with(appointment)
    client.force_login(appointment.doctor.user)

    page = client.get(f"/rx/{draft.pk}/edit/").content.decode()

    assert "Video (from the call record)" in page
    assert 'name="consult_kind"' not in page
    data = post_data({**ROW, "name": "Clotrimazole cream"}, action="issue")
    del data["consult_kind"]
    response = client.post(f"/rx/{draft.pk}/edit/", data)
    assert response.status_code == 302
    rx = Prescription.objects.get(pk=draft.pk)
    assert (rx.status, rx.consult_kind, rx.consult_kind_source) == (
        Status.ISSUED,
        ConsultKind.VIDEO,
        KindSource.CALL_RECORD,
    )
    detail = client.get(f"/rx/{rx.pk}/").content.decode()
    assert "Online: video (call record)" in detail


def test_editor_asks_the_kind_after_a_short_call_and_records_it_declared(client, appointment):
    call(appointment, seconds=30)
    draft = draft_with(appointment)
    client.force_login(appointment.doctor.user)

    page = client.get(f"/rx/{draft.pk}/edit/").content.decode()

    assert "from the call record" not in page
    assert 'name="consult_kind"' in page
    response = client.post(f"/rx/{draft.pk}/edit/", post_data(ROW, action="issue", consult_kind="TEXT"))
    assert response.status_code == 302
    rx = Prescription.objects.get(pk=draft.pk)
    assert (rx.consult_kind, rx.consult_kind_source) == (ConsultKind.TEXT, KindSource.DECLARED)
    assert "Online: text (chat) (declared by the doctor)" in client.get(f"/rx/{rx.pk}/").content.decode()


def test_pdf_states_where_the_kind_came_from(appointment):
    call(appointment, seconds=120)
    rx = services.prescription_issue(prescription=draft_with(appointment), actor=appointment.doctor.user)
    content = render_pdf(rx, items=list(rx.items.all()), verify_url="https://x/v", now=timezone.now())

    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(content)).pages)

    assert "(call record)" in text
