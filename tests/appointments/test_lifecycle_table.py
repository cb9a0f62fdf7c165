"""The lifecycle table: the transition functions and the page's buttons read the same rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import lifecycle, services
from appointments.models import Appointment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = Appointment.Status

# How far from its start an appointment is, for each moment a rule cares about.
MOMENTS = {
    "days ahead": timedelta(days=2),
    "within the notice": timedelta(minutes=30),
    "started": -timedelta(minutes=5),
}
# Each button's service, called with what the page would send.
SERVICES = {
    "accept": lambda appointment, actor: services.appointment_accept(appointment=appointment, actor=actor),
    "decline": lambda appointment, actor: services.appointment_decline(
        appointment=appointment, actor=actor, reason="Not this week"
    ),
    "complete": lambda appointment, actor: services.appointment_complete(
        appointment=appointment, actor=actor
    ),
    "no_show": lambda appointment, actor: services.appointment_no_show(appointment=appointment, actor=actor),
    "cancel": lambda appointment, actor: services.appointment_cancel(
        appointment=appointment, actor=actor, reason="Plans changed"
    ),
}


def appointment_at(clinic_doctor, booker, status, moment):
    start = timezone.now() + MOMENTS[moment]
    return AppointmentFactory(
        doctor=clinic_doctor, patient=booker, status=status, start=start, end=start + timedelta(minutes=30)
    )


def one_of_many(booker, status, moment):
    """An appointment of its own doctor, so several at the same time do not overlap."""
    start = timezone.now() + MOMENTS[moment]
    return AppointmentFactory(patient=booker, status=status, start=start, end=start + timedelta(minutes=30))


def test_request_decline_after_its_start_is_refused(clinic_doctor, booker):
    requested = appointment_at(clinic_doctor, booker, Status.REQUESTED, "started")
    assert "decline" not in services.available_actions(requested, clinic_doctor.user)

    with pytest.raises(services.BookingError, match="already started; it can no longer be declined"):
        services.appointment_decline(appointment=requested, actor=clinic_doctor.user, reason="Too late")

    requested.refresh_from_db()
    assert requested.status == Status.REQUESTED
    assert requested.events.count() == 1


def test_request_after_its_start_is_still_declined_by_the_system(clinic_doctor, booker):
    requested = appointment_at(clinic_doctor, booker, Status.REQUESTED, "started")

    services.appointment_decline(
        appointment=requested, actor=None, reason="The doctor did not respond in time."
    )

    requested.refresh_from_db()
    assert requested.status == Status.DECLINED


@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize(
    "status", [Status.REQUESTED, Status.PENDING_PAYMENT, Status.CONFIRMED, Status.CANCELLED]
)
@pytest.mark.parametrize("party", ["doctor", "patient"])
def test_buttons_shown_are_exactly_the_moves_the_services_accept(booker, status, moment, party):
    def actor(appointment):
        return appointment.doctor.user if party == "doctor" else booker

    shown_on = one_of_many(booker, status, moment)
    shown = services.available_actions(shown_on, actor(shown_on))

    accepted = set()
    for action, call in SERVICES.items():
        appointment = one_of_many(booker, status, moment)
        try:
            call(appointment, actor(appointment))
        except services.BookingError:
            continue
        accepted.add(action)

    assert shown - {"reschedule"} == accepted


def test_refusals_say_whose_move_it_is_and_why(clinic_doctor, booker):
    confirmed = appointment_at(clinic_doctor, booker, Status.CONFIRMED, "days ahead")
    expired = appointment_at(clinic_doctor, booker, Status.EXPIRED, "days ahead")
    now = timezone.now()

    with pytest.raises(lifecycle.Refused, match="Only the appointment's doctor can do that") as refused:
        lifecycle.check(confirmed, action="complete", actor=booker, now=now)
    assert refused.value.kind == "party"
    with pytest.raises(lifecycle.Refused, match="An expired appointment cannot be cancelled") as refused:
        lifecycle.check(expired, action="cancel", actor=booker, now=now)
    assert refused.value.kind == "status"
    with pytest.raises(lifecycle.Refused, match="until 2 hours before they start") as refused:
        lifecycle.check(
            confirmed, action="reschedule", actor=booker, now=confirmed.start - timedelta(hours=1)
        )
    assert refused.value.kind == "time"


def test_a_new_row_is_all_a_new_transition_needs(monkeypatch, clinic_doctor, booker):
    """What the payments issue will add: a paid hold confirmed by the system."""
    confirm_payment = lifecycle.Action("confirm_payment", "confirmed")
    row = lifecycle.Move(
        confirm_payment, Status.PENDING_PAYMENT, lifecycle.Party.SYSTEM, lifecycle.ANY_TIME, Status.CONFIRMED
    )
    monkeypatch.setattr(lifecycle, "MOVES", (*lifecycle.MOVES, row))
    held = appointment_at(clinic_doctor, booker, Status.PENDING_PAYMENT, "days ahead")

    move = lifecycle.check(held, action=confirm_payment, actor=None, now=timezone.now())

    assert move.target == Status.CONFIRMED
    with pytest.raises(lifecycle.Refused, match="Only the"):
        lifecycle.check(held, action=confirm_payment, actor=booker, now=timezone.now())
