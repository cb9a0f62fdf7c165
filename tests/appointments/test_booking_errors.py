"""Which database errors read as "That slot was just taken", and which surface as the bugs they are."""

import sqlite3

import pytest
from django.db import IntegrityError, OperationalError

from appointments import services
from appointments.models import Appointment, AppointmentEvent
from core.models import Notification
from tests.appointments.conftest import next_slot


def database_locked():
    """What Django raises when a SQLite writer waited its whole busy timeout for the lock."""
    error = OperationalError("database is locked")
    error.__cause__ = sqlite3.OperationalError("database is locked")
    return error


def test_book_integrity_error_after_the_insert_is_not_reported_as_slot_taken(
    clinic_doctor, booker, monkeypatch
):
    slot = next_slot(clinic_doctor)

    def broken_event(**fields):
        raise IntegrityError("duplicate key value violates unique constraint on the event")

    monkeypatch.setattr(AppointmentEvent.objects, "create", broken_event)

    with pytest.raises(IntegrityError, match="the event"):
        services.appointment_book(
            patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="Fever"
        )
    assert not Appointment.objects.exists()
    assert not Notification.objects.exists()


def test_book_integrity_error_of_a_notification_is_not_reported_as_slot_taken(
    clinic_doctor, booker, monkeypatch
):
    slot = next_slot(clinic_doctor)

    def broken_notice(appointment):
        raise IntegrityError("duplicate notification key")

    monkeypatch.setattr(services.notices, "notify_booked", broken_notice)

    with pytest.raises(IntegrityError, match="notification key"):
        services.appointment_book(
            patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="Fever"
        )
    assert not Appointment.objects.exists()


def test_book_database_locked_at_any_write_is_slot_taken(clinic_doctor, booker, monkeypatch):
    """SQLite's lock timeout (another booking held the write lock too long) is the lost race."""
    slot = next_slot(clinic_doctor)

    def locked(**fields):
        raise database_locked()

    monkeypatch.setattr(AppointmentEvent.objects, "create", locked)

    with pytest.raises(services.SlotTaken, match="just taken"):
        services.appointment_book(
            patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="Fever"
        )
    assert not Appointment.objects.exists()


def test_reschedule_database_locked_is_slot_taken_and_keeps_the_old_time(clinic_doctor, booker, monkeypatch):
    slot = next_slot(clinic_doctor)
    appointment = services.appointment_book(
        patient=booker, doctor=clinic_doctor, start=slot.start, mode=slot.mode, reason="Fever"
    )
    new = next_slot(clinic_doctor, index=3)

    def locked(**fields):
        raise database_locked()

    monkeypatch.setattr(AppointmentEvent.objects, "create", locked)

    with pytest.raises(services.SlotTaken, match="just taken"):
        services.appointment_reschedule(appointment=appointment, actor=booker, start=new.start)
    monkeypatch.undo()
    assert Appointment.objects.get(pk=appointment.pk).start == slot.start
