"""No double booking, ever: the database decides, under real concurrency (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from appointments import services
from appointments.models import Appointment
from profiles.models import Mode
from tests.appointments.conftest import next_slot
from tests.factories import PatientFactory, bookable_doctor

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def run_at_once(jobs):
    """Run the callables in threads released together; collect results and errors."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n, job)) for n, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_patients_booking_one_slot_get_one_booking_and_49_just_taken():
    doctor = bookable_doctor()
    slot = next_slot(doctor)
    patients = [PatientFactory() for _ in range(50)]

    results = run_at_once(
        [
            lambda p=p: services.appointment_book(
                patient=p, doctor=doctor, start=slot.start, mode=slot.mode, reason="x"
            )
            for p in patients
        ]
    )

    booked = [r for r in results if isinstance(r, Appointment)]
    taken = [r for r in results if isinstance(r, services.SlotTaken)]
    assert len(booked) == 1
    assert len(taken) == 49
    assert all(str(error) == "That slot was just taken, please pick another." for error in taken)
    assert Appointment.objects.filter(status__in=Appointment.ACTIVE).count() == 1


def test_overlapping_slots_of_different_lengths_cannot_both_be_booked():
    doctor = bookable_doctor(slot_minutes=30)
    long_slot = next_slot(doctor, Mode.ONLINE)
    local_day = timezone.localtime(long_slot.start).date()
    # Extra 20-minute online slots on the same morning, starting 10 minutes into the 30-minute one.
    from tests.factories import AvailabilityExceptionFactory

    start_local = timezone.localtime(long_slot.start) + timedelta(minutes=10)
    AvailabilityExceptionFactory(
        doctor=doctor,
        kind="EXTRA",
        date=local_day,
        start=start_local.time(),
        end=(start_local + timedelta(minutes=20)).time(),
        slot_minutes=20,
        mode=Mode.ONLINE,
    )
    short_start = long_slot.start + timedelta(minutes=10)
    first, second = PatientFactory(), PatientFactory()

    results = run_at_once(
        [
            lambda: services.appointment_book(
                patient=first, doctor=doctor, start=long_slot.start, mode=Mode.ONLINE, reason="x"
            ),
            lambda: services.appointment_book(
                patient=second, doctor=doctor, start=short_start, mode=Mode.ONLINE, reason="x"
            ),
        ]
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, services.BookingError) for r in results) == 1
    assert Appointment.objects.filter(status__in=Appointment.ACTIVE).count() == 1


def test_database_refuses_overlap_even_without_the_service():
    from django.db import IntegrityError

    doctor = bookable_doctor()
    start = timezone.now() + timedelta(days=3)
    Appointment.objects.create(
        doctor=doctor,
        patient=PatientFactory(),
        mode=Mode.ONLINE,
        start=start,
        end=start + timedelta(minutes=30),
        status="CONFIRMED",
        reason="x",
        fee=0,
    )

    with pytest.raises(IntegrityError):
        Appointment.objects.create(
            doctor=doctor,
            patient=PatientFactory(),
            mode=Mode.ONLINE,
            start=start + timedelta(minutes=15),
            end=start + timedelta(minutes=45),
            status="PENDING_PAYMENT",
            reason="x",
            fee=0,
        )


def test_lapsed_hold_is_taken_over_by_one_of_many_new_bookings():
    doctor = bookable_doctor()
    slot = next_slot(doctor, Mode.ONLINE)
    hold = services.appointment_book(
        patient=PatientFactory(), doctor=doctor, start=slot.start, mode=slot.mode, reason="x"
    )
    Appointment.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    patients = [PatientFactory() for _ in range(10)]

    results = run_at_once(
        [
            lambda p=p: services.appointment_book(
                patient=p, doctor=doctor, start=slot.start, mode=slot.mode, reason="x"
            )
            for p in patients
        ]
    )

    hold.refresh_from_db()
    assert hold.status == Appointment.Status.EXPIRED
    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, services.SlotTaken) for r in results) == 9
    assert hold.events.filter(to_status="EXPIRED").count() == 1
