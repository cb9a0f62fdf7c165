"""Every transition, legal and illegal, with its event row; holds and requests that lapse."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from core.models import Notification
from profiles.models import Mode
from tests.appointments.conftest import deadlock, next_slot
from tests.factories import AppointmentFactory, BookingSettingsFactory, PatientFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def confirmed(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    return services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )


@pytest.fixture
def requested(clinic_doctor, booker):
    BookingSettingsFactory(doctor=clinic_doctor, approval_required=True)
    slot = next_slot(clinic_doctor)
    return services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )


def last_event(appointment):
    return appointment.events.order_by("-id").first()


def started(appointment, status=Status.CONFIRMED):
    """The same appointment moved into the past, as time would."""
    start = timezone.now() - timedelta(minutes=5)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=start, end=start + timedelta(minutes=30), status=status
    )
    appointment.refresh_from_db()
    return appointment


# --- cancel --------------------------------------------------------------------------


def test_patient_cancels_with_reason_and_both_are_told(confirmed, booker):
    services.appointment_cancel(appointment=confirmed, actor=booker, reason="Feeling better")

    confirmed.refresh_from_db()
    assert confirmed.status == Status.CANCELLED
    event = last_event(confirmed)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        Status.CONFIRMED,
        Status.CANCELLED,
        booker,
        "Feeling better",
    )
    kinds = set(Notification.objects.filter(kind="appointment.cancelled").values_list("user", flat=True))
    assert kinds == {booker.pk, confirmed.doctor.user_id}


def test_cancel_needs_a_reason(confirmed, booker):
    with pytest.raises(services.BookingError, match="reason"):
        services.appointment_cancel(appointment=confirmed, actor=booker, reason=" ")
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED


def test_patient_cannot_cancel_inside_two_hours_but_doctor_can(confirmed, booker):
    soon = timezone.now() + timedelta(minutes=90)
    Appointment.objects.filter(pk=confirmed.pk).update(start=soon, end=soon + timedelta(minutes=30))
    confirmed.refresh_from_db()

    with pytest.raises(services.BookingError, match="until 2 hours before"):
        services.appointment_cancel(appointment=confirmed, actor=booker, reason="x")
    services.appointment_cancel(
        appointment=confirmed, actor=confirmed.doctor.user, reason="Emergency surgery"
    )

    confirmed.refresh_from_db()
    assert confirmed.status == Status.CANCELLED
    assert last_event(confirmed).actor == confirmed.doctor.user


def test_stranger_cannot_cancel(confirmed):
    with pytest.raises(services.BookingError, match="Only the patient or the doctor"):
        services.appointment_cancel(appointment=confirmed, actor=PatientFactory(), reason="x")


@pytest.mark.parametrize(
    "status", [Status.CANCELLED, Status.COMPLETED, Status.EXPIRED, Status.DECLINED, Status.NO_SHOW]
)
def test_finished_appointments_cannot_be_cancelled(booker, clinic_doctor, status):
    appointment = AppointmentFactory(doctor=clinic_doctor, patient=booker, status=status)

    with pytest.raises(services.IllegalTransition):
        services.appointment_cancel(appointment=appointment, actor=clinic_doctor.user, reason="x")
    assert appointment.events.count() == 1


# --- accept / decline ----------------------------------------------------------------------


def test_doctor_accepts_request(requested):
    services.appointment_accept(appointment=requested, actor=requested.doctor.user)

    requested.refresh_from_db()
    assert requested.status == Status.CONFIRMED
    assert (last_event(requested).from_status, last_event(requested).to_status) == (
        Status.REQUESTED,
        Status.CONFIRMED,
    )
    assert Notification.objects.filter(user=requested.patient, kind="appointment.confirmed").exists()


def test_doctor_declines_request_with_reason(requested):
    services.appointment_decline(appointment=requested, actor=requested.doctor.user, reason="Fully booked")

    requested.refresh_from_db()
    assert requested.status == Status.DECLINED
    assert last_event(requested).reason == "Fully booked"
    assert (
        "Fully booked" in Notification.objects.get(user=requested.patient, kind="appointment.declined").body
    )


def test_only_the_doctor_accepts_and_only_requests(requested, booker, other_doctor):
    confirmed = AppointmentFactory(doctor=requested.doctor, patient=booker, status=Status.CONFIRMED)
    with pytest.raises(services.BookingError):
        services.appointment_accept(appointment=requested, actor=booker)
    with pytest.raises(services.BookingError):
        services.appointment_accept(appointment=requested, actor=other_doctor)
    with pytest.raises(services.IllegalTransition):
        services.appointment_accept(appointment=confirmed, actor=confirmed.doctor.user)
    with pytest.raises(services.IllegalTransition):
        services.appointment_decline(appointment=confirmed, actor=confirmed.doctor.user, reason="x")


def test_unanswered_request_is_declined_at_its_start(requested):
    started(requested, status=Status.REQUESTED)

    call_command("expire_holds", verbosity=0)

    requested.refresh_from_db()
    assert requested.status == Status.DECLINED
    event = last_event(requested)
    assert event.actor is None
    assert event.reason == "The doctor did not respond in time."


def test_request_cannot_be_accepted_after_its_start(requested):
    started(requested, status=Status.REQUESTED)

    with pytest.raises(services.BookingError, match="already started"):
        services.appointment_accept(appointment=requested, actor=requested.doctor.user)


# --- complete / no-show ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status"),
    [("appointment_complete", Status.COMPLETED), ("appointment_no_show", Status.NO_SHOW)],
)
def test_doctor_records_outcome_after_the_start(confirmed, action, status):
    with pytest.raises(services.BookingError, match="once the appointment has started"):
        getattr(services, action)(appointment=confirmed, actor=confirmed.doctor.user)

    started(confirmed)
    getattr(services, action)(appointment=confirmed, actor=confirmed.doctor.user)

    confirmed.refresh_from_db()
    assert confirmed.status == status
    assert last_event(confirmed).to_status == status


def test_patient_cannot_record_outcome(confirmed, booker):
    started(confirmed)

    with pytest.raises(services.BookingError, match="Only the appointment's doctor"):
        services.appointment_complete(appointment=confirmed, actor=booker)


def test_outcome_only_from_confirmed(booker, clinic_doctor):
    appointment = started(AppointmentFactory(doctor=clinic_doctor, patient=booker), status=Status.CANCELLED)

    with pytest.raises(services.IllegalTransition):
        services.appointment_complete(appointment=appointment, actor=clinic_doctor.user)


# --- expire ---------------------------------------------------------------------------------------


def test_expire_holds_command_expires_lapsed_holds_and_notifies(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    hold = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    fresh = services.appointment_book(
        patient=PatientFactory(),
        doctor=clinic_doctor,
        start=next_slot(clinic_doctor, Mode.ONLINE).start,
        mode=Mode.ONLINE,
        reason="x",
    )
    Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))

    call_command("expire_holds", verbosity=0)

    hold.refresh_from_db()
    fresh.refresh_from_db()
    assert hold.status == Status.EXPIRED
    assert fresh.status == Status.PENDING_PAYMENT
    assert Notification.objects.filter(user=booker, kind="appointment.expired").count() == 1


def test_expire_refuses_a_live_hold(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    hold = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="x"
    )

    with pytest.raises(services.BookingError, match="still open"):
        services.appointment_expire(appointment=hold)


# --- reschedule ------------------------------------------------------------------------------------


def test_patient_reschedules_same_row_and_event_keeps_old_time(confirmed, booker):
    old_start, old_end, pk = confirmed.start, confirmed.end, confirmed.pk
    new = next_slot(confirmed.doctor, index=3)

    services.appointment_reschedule(appointment=confirmed, actor=booker, start=new.start)

    moved = Appointment.objects.get(pk=pk)
    assert (moved.start, moved.end, moved.status) == (new.start, new.end, Status.CONFIRMED)
    assert Appointment.objects.count() == 1
    event = last_event(moved)
    assert (event.old_start, event.old_end) == (old_start, old_end)
    assert Notification.objects.filter(kind="appointment.rescheduled").count() == 2


def test_reschedule_losing_a_deadlock_is_just_taken(confirmed, booker, monkeypatch):
    new = next_slot(confirmed.doctor, index=3)
    old_start = confirmed.start

    def save(self, *args, **kwargs):
        raise deadlock()

    monkeypatch.setattr(Appointment, "save", save)
    with pytest.raises(services.SlotTaken):
        services.appointment_reschedule(appointment=confirmed, actor=booker, start=new.start)
    monkeypatch.undo()
    assert Appointment.objects.get(pk=confirmed.pk).start == old_start


def test_reschedule_by_a_few_minutes_into_an_overlapping_slot_is_allowed(clinic_doctor, booker):
    """Moving 30 minutes later from [14:00, 14:30) to [14:30, 15:00) and back works; the
    appointment's own time never counts against it."""
    first = next_slot(clinic_doctor, index=0)
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=first.start, mode=first.mode, reason="x"
    )

    services.appointment_reschedule(
        appointment=appointment, actor=booker, start=next_slot(clinic_doctor, index=0).start
    )

    appointment.refresh_from_db()
    assert appointment.start == first.start + timedelta(minutes=30)


def test_reschedule_refuses_taken_slot_and_other_mode(confirmed, booker, clinic_doctor):
    other = next_slot(clinic_doctor, index=2)
    services.appointment_book(
        patient=PatientFactory(), doctor=clinic_doctor, start=other.start, mode=other.mode, reason="x"
    )
    online = next_slot(clinic_doctor, Mode.ONLINE)

    with pytest.raises(services.SlotTaken):
        services.appointment_reschedule(appointment=confirmed, actor=booker, start=other.start)
    with pytest.raises(services.BookingError):
        services.appointment_reschedule(appointment=confirmed, actor=booker, start=online.start)
    confirmed.refresh_from_db()
    assert confirmed.events.count() == 1


def test_only_the_patient_reschedules(confirmed):
    with pytest.raises(services.BookingError, match="Only the patient"):
        services.appointment_reschedule(
            appointment=confirmed,
            actor=confirmed.doctor.user,
            start=next_slot(confirmed.doctor, index=4).start,
        )


# --- what the page offers ----------------------------------------------------------------------------


def test_available_actions_follow_the_rules(confirmed, requested, booker):
    doctor = confirmed.doctor.user

    assert services.available_actions(confirmed, booker) == {"cancel", "reschedule"}
    assert services.available_actions(confirmed, doctor) == {"cancel"}
    assert services.available_actions(requested, doctor) == {"accept", "decline", "cancel"}
    assert services.available_actions(started(confirmed), doctor) == {"cancel", "complete", "no_show"}
    assert services.available_actions(confirmed, booker) == set()
    assert services.available_actions(confirmed, PatientFactory()) == set()


def test_reschedule_into_a_slot_left_by_a_lapsed_hold(confirmed, booker, clinic_doctor):
    online = next_slot(clinic_doctor, Mode.ONLINE)
    target = next_slot(clinic_doctor, index=4)
    hold = AppointmentFactory(
        doctor=clinic_doctor,
        start=target.start,
        end=target.end,
        mode=Mode.IN_PERSON,
        status=Status.PENDING_PAYMENT,
        hold_expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert online  # the doctor has other free slots too

    services.appointment_reschedule(appointment=confirmed, actor=booker, start=target.start)

    hold.refresh_from_db()
    confirmed.refresh_from_db()
    assert hold.status == Status.EXPIRED
    assert confirmed.start == target.start


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.PENDING_PAYMENT])
def test_outcome_cannot_be_recorded_before_confirmation(clinic_doctor, booker, status):
    appointment = started(AppointmentFactory(doctor=clinic_doctor, patient=booker), status=status)

    for action in (services.appointment_complete, services.appointment_no_show):
        with pytest.raises(services.IllegalTransition):
            action(appointment=appointment, actor=clinic_doctor.user)
    assert appointment.events.count() == 1


def test_decline_needs_a_reason_and_the_doctor(requested, booker):
    with pytest.raises(services.BookingError, match="reason"):
        services.appointment_decline(appointment=requested, actor=requested.doctor.user, reason="")
    with pytest.raises(services.BookingError, match="Only the appointment's doctor"):
        services.appointment_decline(appointment=requested, actor=booker, reason="No")
    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED
    assert requested.events.count() == 1


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.EXPIRED, Status.PENDING_PAYMENT])
def test_illegal_reschedules_are_refused(clinic_doctor, booker, status):
    appointment = AppointmentFactory(doctor=clinic_doctor, patient=booker, status=status, mode=Mode.IN_PERSON)

    with pytest.raises(services.IllegalTransition):
        services.appointment_reschedule(
            appointment=appointment, actor=booker, start=next_slot(clinic_doctor).start
        )
    assert appointment.events.count() == 1


def test_signals_reach_every_receiver_even_if_one_fails(
    confirmed, booker, django_capture_on_commit_callbacks
):
    from appointments.signals import appointment_cancelled

    received = []

    def failing(sender, appointment, **kwargs):
        raise RuntimeError("a refund service is down")

    def recording(sender, appointment, **kwargs):
        received.append(appointment.pk)

    appointment_cancelled.connect(failing, weak=False)
    appointment_cancelled.connect(recording, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_cancel(appointment=confirmed, actor=booker, reason="x")
    finally:
        appointment_cancelled.disconnect(failing)
        appointment_cancelled.disconnect(recording)

    assert received == [confirmed.pk]
