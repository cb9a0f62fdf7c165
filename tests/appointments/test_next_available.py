"""The doctor's next free slot per mode, stored on the profile for search: kept
current by every change that can move it, and by the refresh command as time passes."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from appointments import availability, next_available, services
from appointments.models import Appointment, AvailabilityException
from appointments.next_available import doctors_to_refresh, next_available_for, refresh_doctor
from profiles.models import DoctorProfile, Mode
from profiles.services import doctor_verify
from tests.factories import (
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    PatientFactory,
    bookable_doctor,
    complete_doctor,
    verified_doctor,
)

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
MONDAY = date(2026, 3, 2)
Kind = AvailabilityException.Kind


def at(day, hour, minute=0):
    """`day` days after Monday 2 March 2026, at hour:minute in Kolkata."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), tzinfo=KOLKATA)


def stored(doctor):
    return tuple(DoctorProfile.objects.values_list("next_online_at", "next_in_person_at").get(pk=doctor.pk))


def refresh_command():
    out = StringIO()
    call_command("refresh_next_available", stdout=out)
    return out.getvalue()


@pytest.fixture
def clock():
    """Monday 14:15 in Kolkata. With the default 2 hours' notice the earliest
    bookable start is 16:15, so 16:30 is the last clinic slot left today and
    video consultations (09:00-13:00) are over until tomorrow."""
    with time_machine.travel(at(0, 14, 15), tick=False) as traveller:
        yield traveller


@pytest.fixture
def doctor(clock):
    """Video 09:00-13:00 and clinic 13:00-17:00 every day, 30-minute slots, values stored."""
    profile = bookable_doctor(full_name="Dr. Asha Rao", time_zone="Asia/Kolkata")
    refresh_doctor(profile.pk)
    return profile


@pytest.fixture
def patient(clock):
    return PatientFactory(full_name="Priya Nair")


def book(doctor, patient, start, mode=Mode.IN_PERSON):
    return services.appointment_book(
        patient=patient, doctor=doctor, start=start, mode=mode, reason="Itchy rash for a week"
    )


# --- Bookings ---------------------------------------------------------------------------------


def test_next_available_booking_the_last_slot_of_the_day_moves_it_to_tomorrow(
    doctor, patient, django_capture_on_commit_callbacks
):
    assert stored(doctor) == (at(1, 9), at(0, 16, 30))

    with django_capture_on_commit_callbacks(execute=True):
        book(doctor, patient, at(0, 16, 30))

    assert stored(doctor) == (at(1, 9), at(1, 13))


def test_next_available_time_passing_the_last_slot_moves_it_on_the_next_refresh(doctor, clock):
    clock.move_to(at(0, 14, 30))  # 16:30 is exactly two hours away: still bookable
    refresh_command()
    assert stored(doctor) == (at(1, 9), at(0, 16, 30))

    clock.move_to(at(0, 14, 31))
    assert stored(doctor) == (at(1, 9), at(0, 16, 30))  # stale until the cron runs

    output = refresh_command()

    assert stored(doctor) == (at(1, 9), at(1, 13))
    assert "1 doctor(s) (1 bookable) in 1 batch(es), 1 changed" in output


def test_next_available_cancel_frees_the_slot_and_moves_it_back(
    doctor, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(doctor, patient, at(0, 16, 30))
    assert stored(doctor) == (at(1, 9), at(1, 13))

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, actor=patient, reason="Feeling better")

    assert stored(doctor) == (at(1, 9), at(0, 16, 30))


def test_next_available_reschedule_frees_the_old_slot_and_takes_the_new(
    doctor, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(doctor, patient, at(0, 16, 30))
    assert stored(doctor) == (at(1, 9), at(1, 13))

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appointment, actor=patient, start=at(1, 13))

    assert stored(doctor) == (at(1, 9), at(0, 16, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(appointment=appointment, actor=patient, start=at(1, 14))
    assert stored(doctor) == (at(1, 9), at(0, 16, 30))


def test_next_available_decline_frees_the_requested_slot(doctor, patient, django_capture_on_commit_callbacks):
    BookingSettingsFactory(doctor=doctor, approval_required=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = book(doctor, patient, at(0, 16, 30))
    assert request.status == Appointment.Status.REQUESTED
    assert stored(doctor) == (at(1, 9), at(1, 13))

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_decline(appointment=request, actor=doctor.user, reason="Away that evening")

    assert stored(doctor) == (at(1, 9), at(0, 16, 30))


def test_next_available_expired_hold_frees_the_slot(
    doctor, patient, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(doctor, patient, at(1, 9), mode=Mode.ONLINE)
    assert stored(doctor) == (at(1, 9, 30), at(0, 16, 30))
    clock.move_to(at(0, 14, 26))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_lapsed() == (1, 0)

    assert stored(doctor) == (at(1, 9), at(0, 16, 30))


# --- Availability -----------------------------------------------------------------------------


def test_next_available_leave_added_moves_it_past_the_leave_and_back_when_removed(
    doctor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change = availability.availability_exception_add(
            doctor=doctor,
            kind=Kind.LEAVE,
            date=MONDAY + timedelta(days=1),
            end_date=MONDAY + timedelta(days=2),
        )
    assert stored(doctor) == (at(3, 9), at(0, 16, 30))

    with django_capture_on_commit_callbacks(execute=True):
        availability.availability_exception_remove(exception=change.saved)

    assert stored(doctor) == (at(1, 9), at(0, 16, 30))


def test_next_available_blocked_hours_and_extra_hours_move_it(doctor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        availability.availability_exception_add(
            doctor=doctor, kind=Kind.BLOCK, date=MONDAY, start=time(16), end=time(17)
        )
    assert stored(doctor) == (at(1, 9), at(1, 13))

    with django_capture_on_commit_callbacks(execute=True):
        availability.availability_exception_add(
            doctor=doctor,
            kind=Kind.EXTRA,
            date=MONDAY,
            start=time(18),
            end=time(19),
            slot_minutes=30,
            mode=Mode.ONLINE,
        )

    assert stored(doctor) == (at(0, 18), at(1, 13))


def test_next_available_rule_added_and_removed(clock, django_capture_on_commit_callbacks):
    doctor = verified_doctor(time_zone="Asia/Kolkata")
    refresh_doctor(doctor.pk)
    assert stored(doctor) == (None, None)

    with django_capture_on_commit_callbacks(execute=True):
        rule = availability.availability_rule_add(
            doctor=doctor, weekday=2, start=time(10), end=time(12), slot_minutes=30, mode=Mode.ONLINE
        )
    assert stored(doctor) == (at(2, 10), None)

    with django_capture_on_commit_callbacks(execute=True):
        availability.availability_rule_remove(rule=rule)

    assert stored(doctor) == (None, None)


def test_next_available_notice_and_horizon_settings_move_it(doctor, django_capture_on_commit_callbacks):
    def update(notice, horizon):
        with django_capture_on_commit_callbacks(execute=True):
            availability.booking_settings_update(
                doctor=doctor, min_notice_minutes=notice, horizon_days=horizon, approval_required=False
            )
        return stored(doctor)

    assert update(0, 30) == (at(1, 9), at(0, 14, 30))
    assert update(24 * 60, 30) == (at(2, 9), at(1, 14, 30))  # earliest: Tuesday 14:15
    assert update(24 * 60, 1) == (None, None)  # the horizon ends before the notice does
    assert update(120, 30) == (at(1, 9), at(0, 16, 30))


def test_next_available_looks_past_a_long_leave_up_to_the_horizon(doctor):
    AvailabilityExceptionFactory(
        doctor=doctor, kind=Kind.LEAVE, date=MONDAY, end_date=MONDAY + timedelta(days=16)
    )
    settings = BookingSettingsFactory(doctor=doctor, horizon_days=30)
    [loaded] = doctors_to_refresh().filter(pk=doctor.pk)

    assert next_available_for([loaded]) == {doctor.pk: (at(17, 9), at(17, 13))}

    settings.horizon_days = 16  # ends on day 16 at 14:15, still on leave
    settings.save()
    assert next_available_for([loaded]) == {doctor.pk: (None, None)}


def test_next_available_verification_computes_the_doctor(clock, staff, django_capture_on_commit_callbacks):
    doctor = complete_doctor(status=DoctorProfile.Status.PENDING, time_zone="Asia/Kolkata")
    AvailabilityRuleFactory(doctor=doctor, weekday=1, start=time(9), end=time(10), mode=Mode.ONLINE)
    assert stored(doctor) == (None, None)

    with django_capture_on_commit_callbacks(execute=True):
        doctor_verify(profile=doctor, actor=staff)

    assert stored(doctor) == (at(1, 9), None)


# --- What counts ------------------------------------------------------------------------------


def test_next_available_mode_not_offered_is_none(clock):
    doctor = bookable_doctor(offers_in_person=False, time_zone="Asia/Kolkata")
    [loaded] = doctors_to_refresh().filter(pk=doctor.pk)

    assert next_available_for([loaded]) == {doctor.pk: (at(1, 9), None)}


def test_next_available_in_the_doctor_zone(clock):
    doctor = bookable_doctor(time_zone="America/New_York")  # Monday 14:15 in Kolkata is 03:45 there
    [loaded] = doctors_to_refresh().filter(pk=doctor.pk)
    new_york = ZoneInfo("America/New_York")

    assert next_available_for([loaded]) == {
        doctor.pk: (
            datetime(2026, 3, 2, 9, tzinfo=new_york),
            datetime(2026, 3, 2, 13, tzinfo=new_york),
        )
    }


def test_next_available_command_clears_doctors_who_are_not_bookable(clock):
    draft = complete_doctor(status=DoctorProfile.Status.DRAFT)
    AvailabilityRuleFactory(doctor=draft, weekday=1)
    inactive = bookable_doctor()
    inactive.user.is_active = False
    inactive.user.save(update_fields=["is_active"])
    bookable = bookable_doctor(time_zone="Asia/Kolkata")
    DoctorProfile.objects.update(next_online_at=at(0, 9), next_in_person_at=at(0, 13))

    output = refresh_command()

    assert stored(draft) == (None, None)
    assert stored(inactive) == (None, None)
    assert stored(bookable) == (at(1, 9), at(0, 16, 30))
    assert "3 doctor(s) (1 bookable) in 1 batch(es), 3 changed" in output


def test_next_available_command_leaves_unchanged_values_alone(doctor):
    output = refresh_command()

    assert "1 doctor(s) (1 bookable) in 1 batch(es), 0 changed" in output


@pytest.mark.parametrize("doctors", [1, 25])
def test_next_available_command_queries_do_not_grow_with_doctors(clock, doctors, django_assert_num_queries):
    for _ in range(doctors):
        bookable_doctor(time_zone="Asia/Kolkata")

    # doctors, rules, settings, exceptions and appointments of the first window,
    # the write (one UPDATE on PostgreSQL; read + bulk update elsewhere), then
    # the empty next batch
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 8):
        refresh_command()

    assert DoctorProfile.objects.filter(next_online_at=at(1, 9), next_in_person_at=at(0, 16, 30)).count() == (
        doctors
    )


# --- After commit, once -----------------------------------------------------------------------


def schedule_in_a_savepoint_that_rolls_back(doctor_id):
    with transaction.atomic():
        next_available.schedule_refresh(doctor_id)
        raise RuntimeError  # drops the callback this savepoint registered


def test_next_available_refreshes_once_per_transaction_and_survives_a_rolled_back_savepoint(
    monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(next_available, "refresh_doctors", lambda ids: calls.append(set(ids)))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError):
            schedule_in_a_savepoint_that_rolls_back(1)
        next_available.schedule_refresh(1)
        next_available.schedule_refresh(2)
        next_available.schedule_refresh(2)
        assert calls == []  # nothing before commit

    assert calls == [{1, 2}]


def test_next_available_refresh_skips_unknown_doctors(clock):
    assert next_available.refresh_doctors([987654]) == 0
