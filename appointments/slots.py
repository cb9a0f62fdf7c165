"""The slot engine: weekly rules plus extra hours, minus leave, blocked hours and
taken appointments, turned into free slots. Pure functions over rows already
fetched (see appointments.selectors for the constant-query loaders).

Rules are wall-clock times in the doctor's zone. On a daylight-saving day a
local time that does not exist gives no slot, and one that occurs twice gives
one slot, at its first occurrence (DESIGN.md, "Time zones"); wall-clock times
become instants through core.zones, like everywhere else.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.zones import existing_local_instant, local_instant, zone


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    mode: str
    clinic_id: int | None = None


def _starts(day: date, start: time, end: time, minutes: int, tz):
    step = timedelta(minutes=minutes)
    cursor, stop = datetime.combine(day, start), datetime.combine(day, end)
    while cursor + step <= stop:
        instant = existing_local_instant(cursor, tz)
        if instant is not None:
            yield instant
        cursor += step


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


class _Taken:
    """Disjoint busy intervals, searchable by bisection."""

    def __init__(self, intervals):
        ordered = sorted(intervals)
        self.starts = [start for start, _ in ordered]
        self.ends = [end for _, end in ordered]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        before = bisect_left(self.starts, end) - 1
        return before >= 0 and self.ends[before] > start


def free_slots(*, tz, rules, exceptions, taken, not_before: datetime, not_after: datetime) -> list[Slot]:
    """Free slots starting in [not_before, not_after), sorted by start.

    `rules`: objects with weekday (Monday 0), start, end, slot_minutes, mode,
    clinic_id. `exceptions`: objects with kind LEAVE (date..end_date), BLOCK
    (date, start, end) or EXTRA (date, start, end, slot_minutes, mode,
    clinic_id). `taken`: (start, end) UTC pairs of active appointments.
    """
    tz = zone(tz)
    if not_after <= not_before:
        return []
    first_day = not_before.astimezone(tz).date()
    last_day = not_after.astimezone(tz).date()

    leave_days, blocks, extras = set(), [], defaultdict(list)
    for exception in exceptions:
        if exception.kind == "LEAVE":
            leave_days.update(_days(exception.date, exception.end_date or exception.date))
        elif exception.kind == "BLOCK":
            blocks.append(
                (
                    local_instant(datetime.combine(exception.date, exception.start), tz),
                    local_instant(datetime.combine(exception.date, exception.end), tz),
                )
            )
        elif exception.kind == "EXTRA":
            extras[exception.date].append(exception)
    busy = _Taken(_merge([*taken, *blocks]))

    rules_by_weekday = defaultdict(list)
    for rule in rules:
        rules_by_weekday[rule.weekday].append(rule)

    found = {}
    for day in _days(first_day, last_day):
        if day in leave_days:
            continue
        for rule in [*rules_by_weekday[day.weekday()], *extras[day]]:
            length = timedelta(minutes=rule.slot_minutes)
            for start in _starts(day, rule.start, rule.end, rule.slot_minutes, tz):
                if not (not_before <= start < not_after):
                    continue
                end = start + length
                if busy.overlaps(start, end):
                    continue
                found.setdefault((start, rule.mode), Slot(start, end, rule.mode, rule.clinic_id))
    return sorted(found.values())


def _merge(intervals):
    """Blocks may overlap appointments or each other; merge so bisection stays exact."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
