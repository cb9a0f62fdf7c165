"""Booking through the service: every refusal of point 5, statuses by mode and approval, holds."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from appointments import services
from appointments.models import Appointment, AppointmentEvent
from core.models import Notification
from profiles.models import DoctorProfile, Mode
from tests.appointments.conftest import deadlock, local, next_slot
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    BookingSettingsFactory,
    DoctorFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def book(doctor, patient, slot, reason="Itchy rash for a week"):
    return services.appointment_book(
        patient=patient, doctor=doctor, start=slot.start, mode=slot.mode, reason=reason
    )


def test_clinic_booking_is_confirmed_at_once_with_event_and_notifications(
    clinic_doctor, booker, django_capture_on_commit_callbacks
):
    slot = next_slot(clinic_doctor)

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(clinic_doctor, booker, slot)

    assert appointment.status == Status.CONFIRMED
    assert (appointment.start, appointment.end, appointment.clinic_id) == (
        slot.start,
        slot.end,
        slot.clinic_id,
    )
    assert appointment.fee == clinic_doctor.fee_in_person
    event = appointment.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", Status.CONFIRMED, booker)
    assert set(Notification.objects.filter(send_after__lte=timezone.now()).values_list("user", "kind")) == {
        (booker.pk, "appointment.confirmed"),
        (clinic_doctor.user_id, "appointment.booked"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([booker.email, clinic_doctor.user.email])


def test_clinic_booking_with_approval_mode_is_a_request(clinic_doctor, booker):
    BookingSettingsFactory(doctor=clinic_doctor, approval_required=True)

    appointment = book(clinic_doctor, booker, next_slot(clinic_doctor))

    assert appointment.status == Status.REQUESTED
    assert appointment.hold_expires_at is None


def test_online_booking_is_held_ten_minutes_for_payment(clinic_doctor, booker):
    now = timezone.now()

    appointment = book(clinic_doctor, booker, next_slot(clinic_doctor, Mode.ONLINE))

    assert appointment.status == Status.PENDING_PAYMENT
    assert appointment.fee == clinic_doctor.fee_online
    assert timedelta(minutes=9) < appointment.hold_expires_at - now <= timedelta(minutes=10, seconds=5)


def test_same_slot_twice_is_just_taken(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    book(clinic_doctor, booker, slot)

    with pytest.raises(services.SlotTaken, match="just taken"):
        book(clinic_doctor, PatientFactory(), slot)
    assert Appointment.objects.count() == 1


def test_losing_a_deadlock_to_an_overlapping_booking_is_just_taken(clinic_doctor, booker, monkeypatch):
    """Two overlapping bookings inserted at once can wait for each other under the
    no-overlap constraint; PostgreSQL fails one (see test_concurrency for the real race)."""
    slot = next_slot(clinic_doctor)

    def create(**fields):
        raise deadlock()

    monkeypatch.setattr(Appointment.objects, "create", create)
    with pytest.raises(services.SlotTaken, match="just taken"):
        book(clinic_doctor, booker, slot)


def test_other_database_errors_are_not_mistaken_for_a_taken_slot(clinic_doctor, booker, monkeypatch):
    slot = next_slot(clinic_doctor)

    def create(**fields):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Appointment.objects, "create", create)
    with pytest.raises(OperationalError):
        book(clinic_doctor, booker, slot)


def test_a_deactivated_doctor_cannot_be_booked_by_any_caller(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    clinic_doctor.user.is_active = False
    clinic_doctor.user.save(update_fields=["is_active"])

    with pytest.raises(services.BookingError, match="cannot be booked"):
        book(clinic_doctor, booker, slot)
    assert not Appointment.objects.exists()


def test_back_to_back_slots_do_not_conflict(clinic_doctor, booker):
    first, second = next_slot(clinic_doctor, index=0), next_slot(clinic_doctor, index=1)
    assert first.end == second.start

    book(clinic_doctor, booker, first)
    book(clinic_doctor, PatientFactory(), second)

    assert Appointment.objects.filter(status=Status.CONFIRMED).count() == 2


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda slot: slot.start + timedelta(minutes=7), "not one of the doctor's free slots"),
        (lambda slot: slot.start.replace(hour=22), "not one of the doctor's free slots"),
    ],
)
def test_tampered_time_is_refused(clinic_doctor, booker, tamper, message):
    slot = next_slot(clinic_doctor)

    with pytest.raises(services.BookingError, match=message):
        services.appointment_book(
            patient=booker, doctor=clinic_doctor, start=tamper(slot), mode=slot.mode, reason="x"
        )


def test_slot_of_the_other_mode_is_refused(clinic_doctor, booker):
    online = next_slot(clinic_doctor, Mode.ONLINE)

    with pytest.raises(services.BookingError, match="not one of the doctor's free slots"):
        services.appointment_book(
            patient=booker, doctor=clinic_doctor, start=online.start, mode=Mode.IN_PERSON, reason="x"
        )


def test_past_time_is_refused(clinic_doctor, booker):
    with pytest.raises(services.BookingError, match="already passed"):
        services.appointment_book(
            patient=booker,
            doctor=clinic_doctor,
            start=local(clinic_doctor, -1, 14),
            mode=Mode.IN_PERSON,
            reason="x",
        )


def test_inside_minimum_notice_is_refused(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)  # tomorrow, inside 48 hours
    BookingSettingsFactory(doctor=clinic_doctor, min_notice_minutes=48 * 60)

    with pytest.raises(services.BookingError, match="48 hours' notice"):
        book(clinic_doctor, booker, slot)


def test_past_the_horizon_is_refused(clinic_doctor, booker):
    BookingSettingsFactory(doctor=clinic_doctor, horizon_days=3)

    with pytest.raises(services.BookingError, match="up to 3 days ahead"):
        services.appointment_book(
            patient=booker,
            doctor=clinic_doctor,
            start=local(clinic_doctor, 10, 14),
            mode=Mode.IN_PERSON,
            reason="x",
        )


def test_leave_day_is_refused(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    AvailabilityExceptionFactory(doctor=clinic_doctor, date=timezone.localtime(slot.start).date())

    with pytest.raises(services.BookingError, match="on leave"):
        book(clinic_doctor, booker, slot)


def test_unverified_doctor_is_refused(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    DoctorProfile.objects.filter(pk=clinic_doctor.pk).update(status=DoctorProfile.Status.PENDING)
    clinic_doctor.refresh_from_db()

    with pytest.raises(services.BookingError, match="cannot be booked yet"):
        book(clinic_doctor, booker, slot)


def test_doctor_account_cannot_book_as_patient(clinic_doctor):
    with pytest.raises(services.BookingError, match="patient account"):
        book(clinic_doctor, clinic_doctor.user, next_slot(clinic_doctor))
    with pytest.raises(services.BookingError, match="patient account"):
        book(clinic_doctor, DoctorFactory(), next_slot(clinic_doctor))
    assert not Appointment.objects.exists()


def test_empty_reason_is_refused(clinic_doctor, booker):
    with pytest.raises(services.BookingError, match="why you are booking"):
        book(clinic_doctor, booker, next_slot(clinic_doctor), reason="   ")


def test_mode_not_offered_is_refused(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    DoctorProfile.objects.filter(pk=clinic_doctor.pk).update(offers_online=False)
    clinic_doctor.refresh_from_db()

    with pytest.raises(services.BookingError, match="does not offer"):
        book(clinic_doctor, booker, slot)


def test_booking_expires_a_lapsed_hold_on_the_same_slot(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    hold = book(clinic_doctor, PatientFactory(), slot)
    Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))

    appointment = book(clinic_doctor, booker, slot)

    hold.refresh_from_db()
    assert hold.status == Status.EXPIRED
    assert hold.events.last().to_status == Status.EXPIRED
    assert appointment.status == Status.PENDING_PAYMENT
    assert Notification.objects.filter(user=hold.patient, kind="appointment.expired").exists()


def test_a_live_hold_still_blocks_the_slot(clinic_doctor, booker):
    slot = next_slot(clinic_doctor, Mode.ONLINE)
    book(clinic_doctor, PatientFactory(), slot)

    with pytest.raises(services.SlotTaken):
        book(clinic_doctor, booker, slot)


def test_cancelled_appointment_frees_its_slot(clinic_doctor, booker):
    slot = next_slot(clinic_doctor)
    AppointmentFactory(
        doctor=clinic_doctor, start=slot.start, end=slot.end, status=Status.CANCELLED, mode=Mode.IN_PERSON
    )

    appointment = book(clinic_doctor, booker, slot)

    assert appointment.status == Status.CONFIRMED
    assert AppointmentEvent.objects.filter(appointment=appointment).count() == 1
