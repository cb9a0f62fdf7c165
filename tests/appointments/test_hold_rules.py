"""Review of issue 9, point 4: one home for the hold and upcoming rules
(Appointment.lapsed_hold / open_hold / holding_slot / upcoming), read at the
caller's `now` everywhere."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments import selectors, services
from appointments.limits import booking_refusal
from appointments.models import Appointment
from profiles.models import Mode
from tests.factories import AppointmentFactory, PatientFactory, bookable_doctor

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def doctor(db):
    return bookable_doctor(full_name="Dr. Asha Rao")


@pytest.fixture
def hold(doctor):
    """An unpaid hold starting in an hour, lapsing in 5 minutes."""
    now = timezone.now()
    return AppointmentFactory(
        doctor=doctor,
        status=Status.PENDING_PAYMENT,
        start=now + timedelta(hours=1),
        end=now + timedelta(hours=1, minutes=30),
        hold_expires_at=now + timedelta(minutes=5),
    )


def test_hold_reads_active_before_its_expiry_and_not_after_at_the_callers_now(hold):
    now = timezone.now()

    assert hold.is_active_at(now)
    assert not hold.is_active_at(now + timedelta(minutes=10))
    assert services.patient_too_late(hold, now=now) is True  # inside the notice, still held
    assert (
        services.patient_too_late(hold, now=now + timedelta(minutes=10)) is False
    )  # lapsed: nothing to change


def test_colliding_appointments_leave_out_a_hold_lapsed_at_the_callers_now(hold, doctor):
    later = timezone.now() + timedelta(minutes=10)

    colliding = selectors.colliding_appointments(
        doctor=doctor, start=hold.start - timedelta(hours=1), end=hold.end, now=later
    )

    assert colliding == []


def test_appointments_to_review_leave_out_a_lapsed_hold(hold, doctor):
    confirmed = AppointmentFactory(doctor=doctor, start=hold.start + timedelta(hours=1))
    Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))

    review = selectors.appointments_to_review(doctor, [hold.pk, confirmed.pk])

    assert [a.pk for a in review] == [confirmed.pk]


def test_an_appointment_in_progress_counts_toward_the_per_doctor_limit(doctor):
    patient = PatientFactory()
    now = timezone.now()
    AppointmentFactory(
        doctor=doctor, patient=patient, start=now - timedelta(minutes=10), end=now + timedelta(minutes=20)
    )
    AppointmentFactory(doctor=doctor, patient=patient, start=now + timedelta(days=2))

    refusal = booking_refusal(patient=patient, doctor=doctor, mode=Mode.IN_PERSON, now=now)

    assert refusal is not None
    assert "You already have 2 upcoming appointments with Dr. Asha Rao" in refusal.message


def test_a_hold_without_an_expiry_holds_its_slot_in_every_rule(doctor):
    now = timezone.now()
    hold = AppointmentFactory(doctor=doctor, status=Status.PENDING_PAYMENT, hold_expires_at=None)

    assert hold.status_at(now) == Status.PENDING_PAYMENT
    assert Appointment.objects.filter(Appointment.open_hold(now), pk=hold.pk).exists()
    assert Appointment.objects.filter(Appointment.holding_slot(now), pk=hold.pk).exists()
    assert not Appointment.objects.filter(Appointment.lapsed_hold(now), pk=hold.pk).exists()
    with pytest.raises(services.BookingError):
        services.appointment_expire(appointment=hold, now=now)
