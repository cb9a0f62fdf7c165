"""The pure slot engine: weekdays, leave and blocks, taken times, and daylight saving."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from appointments.slots import free_slots
from core.zones import existing_local_instant as localize


def rule(weekday, start, end, minutes=30, mode="ONLINE", clinic_id=None):
    return SimpleNamespace(
        weekday=weekday, start=start, end=end, slot_minutes=minutes, mode=mode, clinic_id=clinic_id
    )


def exception(kind, day, end_date=None, start=None, end=None, minutes=None, mode="", clinic_id=None):
    return SimpleNamespace(
        kind=kind,
        date=day,
        end_date=end_date,
        start=start,
        end=end,
        slot_minutes=minutes,
        mode=mode,
        clinic_id=clinic_id,
    )


def day_window(day, tz):
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, zone).astimezone(UTC)
    return start, end


def slots_on(day, rules, tz="Asia/Kolkata", exceptions=(), taken=()):
    not_before, not_after = day_window(day, tz)
    return free_slots(
        tz=tz,
        rules=rules,
        exceptions=list(exceptions),
        taken=list(taken),
        not_before=not_before,
        not_after=not_after,
    )


def local_times(slots, tz):
    return [s.start.astimezone(ZoneInfo(tz)).strftime("%H:%M") for s in slots]


# 2026-11-23 is a Monday.
@pytest.mark.parametrize("weekday", range(7))
def test_each_weekday_rule_gives_slots_only_on_its_own_day(weekday):
    week = [date(2026, 11, 23) + timedelta(days=n) for n in range(7)]
    rules = [rule(weekday, time(9), time(10))]

    per_day = {day.strftime("%A"): len(slots_on(day, rules)) for day in week}

    expected = {day.strftime("%A"): (2 if day.weekday() == weekday else 0) for day in week}
    assert per_day == expected


def test_slots_fill_the_rule_and_carry_mode_and_clinic():
    slots = slots_on(
        date(2026, 11, 23), [rule(0, time(9), time(10, 40), minutes=20, mode="IN_PERSON", clinic_id=7)]
    )

    assert local_times(slots, "Asia/Kolkata") == ["09:00", "09:20", "09:40", "10:00", "10:20"]
    assert {(s.mode, s.clinic_id, s.end - s.start) for s in slots} == {
        ("IN_PERSON", 7, timedelta(minutes=20))
    }
    assert slots[0].start == datetime(2026, 11, 23, 3, 30, tzinfo=UTC)


def test_leave_removes_whole_days_and_blocks_remove_overlapping_slots():
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    rules = [rule(0, time(9), time(11)), rule(1, time(9), time(11))]
    exceptions = [exception("LEAVE", monday), exception("BLOCK", tuesday, start=time(9, 15), end=time(10))]

    assert slots_on(monday, rules, exceptions=exceptions) == []
    assert local_times(slots_on(tuesday, rules, exceptions=exceptions), "Asia/Kolkata") == ["10:00", "10:30"]


def test_leave_over_several_days():
    rules = [rule(n, time(9), time(10)) for n in range(7)]
    leave = [exception("LEAVE", date(2026, 11, 24), end_date=date(2026, 11, 26))]

    counts = [
        len(slots_on(date(2026, 11, 23) + timedelta(days=n), rules, exceptions=leave)) for n in range(5)
    ]

    assert counts == [2, 0, 0, 0, 2]


def test_extra_hours_add_slots_on_their_date():
    saturday = date(2026, 11, 28)
    extra = [exception("EXTRA", saturday, start=time(18), end=time(19), minutes=30, mode="ONLINE")]

    assert local_times(slots_on(saturday, [], exceptions=extra), "Asia/Kolkata") == ["18:00", "18:30"]


def test_taken_times_remove_overlapping_slots_but_not_neighbours():
    monday = date(2026, 11, 23)
    zone = ZoneInfo("Asia/Kolkata")
    taken = [(datetime(2026, 11, 23, 9, 30, tzinfo=zone), datetime(2026, 11, 23, 9, 45, tzinfo=zone))]

    slots = slots_on(monday, [rule(0, time(9), time(10, 30), minutes=30)], taken=taken)

    assert local_times(slots, "Asia/Kolkata") == ["09:00", "10:00"]


def test_window_bounds_cut_slots():
    monday = date(2026, 11, 23)
    zone = ZoneInfo("Asia/Kolkata")

    slots = free_slots(
        tz="Asia/Kolkata",
        rules=[rule(0, time(9), time(12))],
        exceptions=[],
        taken=[],
        not_before=datetime(2026, 11, 23, 10, 0, tzinfo=zone),
        not_after=datetime(2026, 11, 23, 11, 0, tzinfo=zone),
    )

    assert local_times(slots, "Asia/Kolkata") == ["10:00", "10:30"]
    assert slots_on(monday, [rule(0, time(9), time(12))], tz="Asia/Kolkata")  # sanity: the rule has slots


# --- Daylight saving (the 2026 change days) -------------------------------------------

SPRING = [("Europe/London", date(2026, 3, 29)), ("America/New_York", date(2026, 3, 8))]
AUTUMN = [("Europe/London", date(2026, 10, 25)), ("America/New_York", date(2026, 11, 1))]


@pytest.mark.parametrize(("tz", "day"), SPRING)
def test_spring_forward_local_times_that_do_not_exist_give_no_slot(tz, day):
    # Clocks jump from 01:00 to 02:00 (London) or 02:00 to 03:00 (New York).
    gap_hour = 1 if tz == "Europe/London" else 2
    rules = [rule(day.weekday(), time(0), time(4))]

    times = local_times(slots_on(day, rules, tz=tz), tz)

    assert f"{gap_hour:02d}:00" not in times
    assert f"{gap_hour:02d}:30" not in times
    assert len(times) == 6  # eight half hours in the rule, two of them never happen
    assert localize(datetime.combine(day, time(gap_hour, 30)), ZoneInfo(tz)) is None


@pytest.mark.parametrize(("tz", "day"), AUTUMN)
def test_fall_back_repeated_local_time_gives_one_slot_at_first_occurrence(tz, day):
    # 01:00-02:00 happens twice.
    rules = [rule(day.weekday(), time(0), time(3))]

    slots = slots_on(day, rules, tz=tz)
    times = local_times(slots, tz)

    assert times == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"]
    one_thirty = next(s for s in slots if s.start.astimezone(ZoneInfo(tz)).strftime("%H:%M") == "01:30")
    first = datetime(day.year, day.month, day.day, 1, 30, tzinfo=ZoneInfo(tz), fold=0).astimezone(UTC)
    assert one_thirty.start == first
    assert one_thirty.start.astimezone(ZoneInfo(tz)).fold == 0
    assert one_thirty.end - one_thirty.start == timedelta(minutes=30)


def test_block_ending_inside_the_spring_gap_ends_at_the_change():
    day = date(2026, 3, 8)  # New York: 02:00 becomes 03:00
    rules = [rule(day.weekday(), time(0), time(5))]
    block = [exception("BLOCK", day, start=time(1), end=time(2, 30))]

    times = local_times(slots_on(day, rules, tz="America/New_York", exceptions=block), "America/New_York")

    assert times == ["00:00", "00:30", "03:00", "03:30", "04:00", "04:30"]
