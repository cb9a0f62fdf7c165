"""The session's moves (legal and illegal), the window with the clock moved, the
repair, and the session following its appointment."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from consultations import lifecycle, services
from consultations.lifecycle import Phase
from consultations.models import ConsultationEvent, ConsultationSession
from core.models import Notification
from tests.consultations.conftest import make_session
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = ConsultationSession.Status


def _at(session, delta):
    return session.appointment.start + delta


# --- The window ----------------------------------------------------------------------------------


def test_window_before_open_in_progress_follow_up_and_read_only(session, doctor):
    start = session.appointment.start

    assert lifecycle.room_phase(session, start - timedelta(minutes=11)) == Phase.WAITING
    assert lifecycle.room_phase(session, start - timedelta(minutes=10)) == Phase.OPEN
    services.consultation_start(session=session, actor=doctor, now=start)
    session.refresh_from_db()
    assert lifecycle.room_phase(session, start + timedelta(minutes=5)) == Phase.IN_PROGRESS
    services.consultation_complete(session=session, actor=doctor, now=start + timedelta(minutes=20))
    session.refresh_from_db()
    assert lifecycle.room_phase(session, start + timedelta(days=7)) == Phase.FOLLOW_UP
    assert lifecycle.room_phase(session, start + timedelta(days=7, minutes=20)) == Phase.READ_ONLY


def test_window_moves_with_the_clock_for_posting(session, patient, doctor):
    start = session.appointment.start
    with (
        time_machine.travel(start - timedelta(minutes=30), tick=False),
        pytest.raises(services.ConsultationError, match="not open"),
    ):
        services.message_send(session=session, sender=patient, body="Too early")
    with time_machine.travel(start - timedelta(minutes=5), tick=False):
        services.message_send(session=session, sender=patient, body="I am here")
        services.consultation_start(session=session, actor=doctor)
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        services.consultation_complete(session=session, actor=doctor)
    with time_machine.travel(start + timedelta(days=6), tick=False):
        services.message_send(session=session, sender=patient, body="Still itchy on day 6")
    with (
        time_machine.travel(start + timedelta(days=8), tick=False),
        pytest.raises(services.ConsultationError, match="not open"),
    ):
        services.message_send(session=session, sender=patient, body="Day 8")

    assert list(session.messages.values_list("body", flat=True)) == ["I am here", "Still itchy on day 6"]


# --- Moves -------------------------------------------------------------------------------------


def test_start_by_the_doctor_when_open(session, doctor):
    services.consultation_start(session=session, actor=doctor)

    session.refresh_from_db()
    assert session.status == Status.IN_PROGRESS
    assert session.started_at is not None
    event = ConsultationEvent.objects.filter(session=session).last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "start",
        Status.SCHEDULED,
        Status.IN_PROGRESS,
        doctor,
    )


def test_start_by_the_patient_is_refused(session, patient):
    with pytest.raises(services.ConsultationError, match="Only the consultation's doctor"):
        services.consultation_start(session=session, actor=patient)
    session.refresh_from_db()
    assert session.status == Status.SCHEDULED


def test_start_before_the_room_opens_is_refused(patient, doctor_profile, doctor):
    session = make_session(patient=patient, doctor_profile=doctor_profile, starts_in=timedelta(hours=2))
    with pytest.raises(services.ConsultationError, match="opens 10 minutes before"):
        services.consultation_start(session=session, actor=doctor)


def test_start_twice_is_refused(session, doctor):
    services.consultation_start(session=session, actor=doctor)
    with pytest.raises(services.ConsultationError, match="in progress cannot be started"):
        services.consultation_start(session=session, actor=doctor)


def test_complete_completes_the_appointment_too(session, doctor):
    now = _at(session, timedelta(minutes=10))
    services.consultation_start(session=session, actor=doctor, now=now)

    services.consultation_complete(session=session, actor=doctor, now=now)

    session.refresh_from_db()
    assert session.status == Status.COMPLETED
    assert session.completed_at == now
    assert Appointment.objects.get(pk=session.appointment_id).status == Appointment.Status.COMPLETED


def test_complete_before_the_start_is_refused(session, doctor):
    with pytest.raises(services.ConsultationError, match="once the appointment has started"):
        services.consultation_complete(session=session, actor=doctor)
    assert Appointment.objects.get(pk=session.appointment_id).status == Appointment.Status.CONFIRMED


def test_complete_by_the_patient_is_refused(session, patient):
    with pytest.raises(services.ConsultationError, match="Only"):
        services.consultation_complete(session=session, actor=patient, now=_at(session, timedelta(minutes=5)))


def test_completed_from_the_appointment_page_the_session_follows(
    session, doctor, django_capture_on_commit_callbacks
):
    now = _at(session, timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_complete(appointment=session.appointment, actor=doctor, now=now)

    session.refresh_from_db()
    assert session.status == Status.COMPLETED
    assert session.completed_at is not None


def test_cancelled_appointment_closes_its_session(session, doctor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_cancel(
            appointment=session.appointment, actor=doctor, reason="Unwell"
        )

    session.refresh_from_db()
    assert (session.status, session.outcome) == (Status.CLOSED, ConsultationSession.Outcome.CANCELLED)
    assert lifecycle.room_phase(session, timezone.now()) == Phase.READ_ONLY


def test_no_show_of_the_patient_closes_the_session(session, doctor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_no_show(
            appointment=session.appointment, actor=doctor, now=_at(session, timedelta(minutes=20))
        )
    session.refresh_from_db()
    assert (session.status, session.outcome) == (Status.CLOSED, ConsultationSession.Outcome.PATIENT_NO_SHOW)


def test_closed_session_refuses_every_move(session, doctor):
    session = services.consultation_needs_in_person(session=session, actor=doctor)
    for action in ("start", "complete", "needs_in_person"):
        with pytest.raises(lifecycle.Refused) as refused:
            lifecycle.check(session, action=action, actor=doctor, now=_at(session, timedelta(minutes=5)))
        assert refused.value.kind == "status"


def test_buttons_are_the_moves_the_table_allows(session, doctor, patient):
    now = _at(session, timedelta(minutes=1))
    assert lifecycle.allowed_actions(session, doctor, now=now) == {"start", "complete", "needs_in_person"}
    assert lifecycle.allowed_actions(session, patient, now=now) == set()


def test_stranger_has_no_moves(session, other_doctor):
    with pytest.raises(lifecycle.Refused) as refused:
        lifecycle.check(session, action="start", actor=other_doctor, now=_at(session, timedelta(0)))
    assert refused.value.kind == "party"


# --- Ensure, repair, reschedule -----------------------------------------------------------------------


def test_ensure_is_idempotent_and_online_only(patient, doctor_profile):
    online = AppointmentFactory(doctor=doctor_profile, patient=patient)
    clinic = AppointmentFactory(
        doctor=doctor_profile,
        patient=patient,
        mode="IN_PERSON",
        start=online.start + timedelta(hours=2),
        end=online.start + timedelta(hours=3),
    )

    first = services.consultation_session_ensure(appointment=online)
    second = services.consultation_session_ensure(appointment=online)

    assert first.pk == second.pk
    assert services.consultation_session_ensure(appointment=clinic) is None
    assert ConsultationSession.objects.count() == 1


def test_ensure_schedules_the_room_open_notice_for_both(session, patient, doctor):
    notices = Notification.objects.filter(kind="consultation.open")
    assert {n.user for n in notices} == {patient, doctor}
    assert {n.send_after for n in notices} == {lifecycle.opens_at(session)}


def test_confirmed_receiver_creates_the_session(patient, doctor_profile, django_capture_on_commit_callbacks):
    appointment = AppointmentFactory(
        doctor=doctor_profile, patient=patient, status=Appointment.Status.REQUESTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.appointment_accept(appointment=appointment, actor=doctor_profile.user)
    assert ConsultationSession.objects.filter(appointment=appointment).exists()


def test_repair_creates_a_missing_session(patient, doctor_profile):
    appointment = AppointmentFactory(doctor=doctor_profile, patient=patient)
    assert not ConsultationSession.objects.exists()

    call_command("consultations_tick")

    assert ConsultationSession.objects.filter(appointment=appointment).count() == 1
    assert services.consultation_repair() == 0


@pytest.mark.parametrize(
    ("appointment_status", "session_status"),
    [
        (Appointment.Status.CANCELLED, ConsultationSession.Status.CLOSED),
        (Appointment.Status.NO_SHOW, ConsultationSession.Status.CLOSED),
        (Appointment.Status.COMPLETED, ConsultationSession.Status.COMPLETED),
    ],
)
def test_repair_makes_a_session_follow_an_appointment_its_receiver_missed(
    session, appointment_status, session_status
):
    # the appointment moved but the receiver failed: the room must not stay open
    Appointment.objects.filter(pk=session.appointment_id).update(status=appointment_status)

    call_command("consultations_tick")

    session.refresh_from_db()
    assert session.status == session_status
    assert services.consultation_repair() == 0


def test_room_of_an_appointment_repairs_too(client_for, patient, doctor_profile):
    from django.urls import reverse

    appointment = AppointmentFactory(doctor=doctor_profile, patient=patient)

    response = client_for(patient).get(reverse("consultations:for_appointment", args=[appointment.pk]))

    session = ConsultationSession.objects.get(appointment=appointment)
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:room", args=[session.pk])


def test_rescheduled_appointment_moves_the_room_open_notice(session, patient):
    appointment = session.appointment
    new_start = appointment.start + timedelta(days=1)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=new_start, end=new_start + timedelta(minutes=30)
    )
    appointment.refresh_from_db()

    services.follow_appointment(appointment=appointment, event="rescheduled")

    notice = Notification.objects.get(user=patient, kind="consultation.open")
    assert notice.send_after == new_start - timedelta(minutes=10)
