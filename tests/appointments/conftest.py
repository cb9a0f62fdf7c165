from datetime import datetime, time, timedelta

import psycopg
import pytest
from django.db import OperationalError
from django.utils import timezone

from appointments.selectors import free_slots_for_doctor
from profiles.models import Mode
from tests.factories import PatientFactory, bookable_doctor


@pytest.fixture
def clinic_doctor(db):
    """Verified, with online hours 09:00-13:00 and clinic hours 13:00-17:00 daily (Asia/Kolkata)."""
    return bookable_doctor(full_name="Dr. Asha Rao")


@pytest.fixture
def booker(db):
    return PatientFactory(full_name="Priya Nair", email="priya.booker@example.com")


def next_slot(doctor, mode=Mode.IN_PERSON, *, after=None, index=0):
    """A free slot of `doctor` in `mode`, from the start of the day after tomorrow (the doctor's).

    Starting at a midnight, not at now + 24 h, keeps `index=0` and `index=1` neighbours on one
    day whatever the hour the suite runs (from "now + 24 h" late in the afternoon the first free
    slot can be the day's last one). The day after tomorrow, not tomorrow, keeps every slot more
    than 24 hours away, so both reminders (24 h and 1 h before) are always due in the future.
    """
    start = after or local(doctor, 2, 0)
    slots = free_slots_for_doctor(doctor, window_start=start, window_end=start + timedelta(days=3), mode=mode)
    return slots[index]


def local(doctor, day_offset, hour, minute=0):
    zone = (
        timezone.get_current_timezone()
        if doctor is None
        else __import__("zoneinfo").ZoneInfo(doctor.time_zone)
    )
    day = timezone.localtime(timezone.now(), zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), zone)


def deadlock():
    """What Django raises when PostgreSQL picks this transaction as a deadlock's victim."""
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error
