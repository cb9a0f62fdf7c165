"""The system's cancellation of an online consult the doctor never started (consultations' job)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import lifecycle, services
from appointments.models import Appointment
from appointments.refund_policy import refund_due
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def _appointment(starts_in, status=Status.CONFIRMED):
    start = timezone.now() + starts_in
    return AppointmentFactory(status=status, start=start, end=start + timedelta(minutes=30))


def test_doctor_absent_after_the_start_cancels_as_the_system():
    appointment = _appointment(-timedelta(minutes=31))

    services.appointment_cancel_doctor_absent(appointment=appointment, reason="The doctor did not join.")

    appointment.refresh_from_db()
    event = appointment.events.last()
    assert appointment.status == Status.CANCELLED
    assert (event.actor, event.from_status, event.reason) == (None, Status.CONFIRMED, "The doctor did not join.")


def test_doctor_absent_before_the_start_is_refused():
    appointment = _appointment(timedelta(minutes=10))
    with pytest.raises(services.BookingError, match="once the appointment has started"):
        services.appointment_cancel_doctor_absent(appointment=appointment, reason="x")
    assert Appointment.objects.get(pk=appointment.pk).status == Status.CONFIRMED


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW])
def test_doctor_absent_from_another_status_is_refused(status):
    appointment = _appointment(-timedelta(minutes=31), status=status)
    with pytest.raises(services.IllegalTransition):
        services.appointment_cancel_doctor_absent(appointment=appointment, reason="x")


def test_doctor_absent_is_not_a_move_for_people():
    appointment = _appointment(-timedelta(minutes=31))
    for person in (appointment.patient, appointment.doctor.user):
        with pytest.raises(lifecycle.Refused) as refused:
            lifecycle.check(appointment, action="doctor_absent", actor=person, now=timezone.now())
        assert refused.value.kind == "party"
        assert "doctor_absent" not in services.available_actions(appointment, person)


def test_doctor_absent_refunds_the_whole_fee():
    appointment = _appointment(-timedelta(minutes=31))
    appointment.payment_state = Appointment.PaymentState.PAID
    assert refund_due(appointment, actor=None, at=timezone.now()) == appointment.fee
