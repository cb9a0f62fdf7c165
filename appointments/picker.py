"""The slot picker's content: the next seven days in the viewer's zone, the
number of free slots on each, and the chosen day's slots by part of the day."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from appointments.selectors import free_slots_for_doctor
from core.zones import day_label, local_date, local_midnight
from profiles.models import Mode

DAYS_SHOWN = 7
NEXT_AVAILABLE_SEARCH_DAYS = 60
PARTS = (("Morning", 0, 12), ("Afternoon", 12, 17), ("Evening", 17, 24))


@dataclass
class Day:
    date: object
    label: str
    count: int
    selected: bool = False


@dataclass
class Picker:
    doctor: object
    mode: str
    modes: list
    days: list
    day: object
    parts: list = field(default_factory=list)
    next_available: object = None
    earlier: object = None  # the first day of the previous week, if not in the past
    later: object = None


def offered_modes(doctor):
    return [(mode, mode.label, doctor.fee(mode)) for mode in doctor.modes]


def build_picker(doctor, *, mode=None, day=None, now=None) -> Picker:
    """Everything the picker shows, in the active (viewer's) zone; four queries,
    plus four more only when the week is empty and the next free slot is sought."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    modes = offered_modes(doctor)
    codes = [code for code, _, _ in modes]
    mode = mode if mode in codes else (codes[0] if codes else Mode.IN_PERSON)
    today = local_date(now, zone)
    # The week shown starts today, or at a later day asked for (a "next
    # available" link, the "Later" arrow), within the search limit.
    first = today
    if day is not None and today + timedelta(days=DAYS_SHOWN) <= day < today + timedelta(
        days=NEXT_AVAILABLE_SEARCH_DAYS
    ):
        first = day
    week = [first + timedelta(days=n) for n in range(DAYS_SHOWN)]
    slots = free_slots_for_doctor(
        doctor,
        window_start=local_midnight(week[0], zone),
        window_end=local_midnight(week[-1] + timedelta(days=1), zone),
        now=now,
        mode=mode,
    )
    by_day = {}
    for slot in slots:
        by_day.setdefault(local_date(slot.start, zone), []).append(slot)
    if day not in week:
        day = next((d for d in week if by_day.get(d)), first)
    picker = Picker(
        doctor=doctor,
        mode=mode,
        modes=modes,
        days=[Day(d, day_label(d, today), len(by_day.get(d, [])), d == day) for d in week],
        day=day,
        earlier=first - timedelta(days=DAYS_SHOWN) if first > today else None,
        later=week[-1] + timedelta(days=1)
        if week[-1] + timedelta(days=1) < today + timedelta(days=NEXT_AVAILABLE_SEARCH_DAYS)
        else None,
    )
    for name, first_hour, last_hour in PARTS:
        chosen = [
            s for s in by_day.get(day, []) if first_hour <= timezone.localtime(s.start, zone).hour < last_hour
        ]
        if chosen:
            picker.parts.append((name, chosen))
    if not picker.parts:
        later = [s for d in week if d > day for s in by_day.get(d, [])]
        if later:
            picker.next_available = later[0]
        else:
            beyond = free_slots_for_doctor(
                doctor,
                window_start=local_midnight(week[-1] + timedelta(days=1), zone),
                window_end=local_midnight(today + timedelta(days=NEXT_AVAILABLE_SEARCH_DAYS), zone),
                now=now,
                mode=mode,
            )
            picker.next_available = beyond[0] if beyond else None
    return picker
