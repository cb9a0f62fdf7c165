"""The slot picker's content: the next seven days, the number of free slots on
each, and the chosen day's slots by part of the day (and by clinic).

Days and times follow core.zones' rule for showing an appointment's time: a
clinic visit's in the doctor's (the clinic's) zone, a video consult's in the
viewer's."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from appointments.selectors import free_slots_for_doctor
from core.zones import clocks_differ, day_label, local_date, local_midnight, shown_time, shown_zone
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
class Group:
    """Slots of one part of the day, at one clinic for a clinic visit."""

    name: str  # "Morning"
    clinic: object  # the Clinic, or None for a video consult
    slots: list  # [(Slot, ShownTime)]


@dataclass
class Picker:
    doctor: object
    mode: str
    modes: list
    days: list
    day: object
    zone: object = None  # the zone the days and times are shown in
    viewer_zone: object = None
    parts: list = field(default_factory=list)  # [Group]
    clinics: list = field(default_factory=list)  # the doctor's clinics, for a clinic visit
    clinic: object = None  # the clinic chosen, when the patient filters by one
    next_available: object = None
    next_shown: object = None  # its ShownTime
    earlier: object = None  # the first day of the previous week, if not in the past
    later: object = None

    @property
    def in_person(self) -> bool:
        return self.mode == Mode.IN_PERSON

    @property
    def zone_differs(self) -> bool:
        return clocks_differ(self.viewer_zone, self.doctor.time_zone, at=timezone.now())


def offered_modes(doctor):
    return [(mode, mode.label, doctor.fee(mode)) for mode in doctor.modes]


def build_picker(doctor, *, mode=None, day=None, clinic=None, now=None) -> Picker:
    """Everything the picker shows; four queries, plus four more only when the week
    is empty and the next free slot is sought. `doctor.clinics` should be prefetched
    with their localities (the clinic names on in-clinic slots)."""
    now = now or timezone.now()
    viewer_zone = timezone.get_current_timezone()
    modes = offered_modes(doctor)
    codes = [code for code, _, _ in modes]
    mode = mode if mode in codes else (codes[0] if codes else Mode.IN_PERSON)
    in_person = mode == Mode.IN_PERSON
    zone = shown_zone(in_person=in_person, doctor_zone=doctor.time_zone, viewer_zone=viewer_zone)
    clinics = {c.pk: c for c in doctor.clinics.all()} if in_person else {}
    clinic = clinics.get(clinic) if len(clinics) > 1 else None
    today = local_date(now, zone)
    # The week shown starts today, or at a later day asked for (a "next
    # available" link, the "Later" arrow), within the search limit.
    first = today
    if day is not None and today + timedelta(days=DAYS_SHOWN) <= day < today + timedelta(
        days=NEXT_AVAILABLE_SEARCH_DAYS
    ):
        first = day
    week = [first + timedelta(days=n) for n in range(DAYS_SHOWN)]

    def free(window_start, window_end):
        slots = free_slots_for_doctor(
            doctor, window_start=window_start, window_end=window_end, now=now, mode=mode
        )
        return [s for s in slots if clinic is None or s.clinic_id == clinic.pk]

    by_day = {}
    for slot in free(local_midnight(week[0], zone), local_midnight(week[-1] + timedelta(days=1), zone)):
        by_day.setdefault(local_date(slot.start, zone), []).append(slot)
    if day not in week:
        day = next((d for d in week if by_day.get(d)), first)

    def shown(slot):
        return shown_time(
            slot.start, in_person=in_person, doctor_zone=doctor.time_zone, viewer_zone=viewer_zone
        )

    picker = Picker(
        doctor=doctor,
        mode=mode,
        modes=modes,
        days=[Day(d, day_label(d, today), len(by_day.get(d, [])), d == day) for d in week],
        day=day,
        zone=zone,
        viewer_zone=viewer_zone,
        clinics=list(clinics.values()) if len(clinics) > 1 else [],
        clinic=clinic,
        earlier=first - timedelta(days=DAYS_SHOWN) if first > today else None,
        later=week[-1] + timedelta(days=1)
        if week[-1] + timedelta(days=1) < today + timedelta(days=NEXT_AVAILABLE_SEARCH_DAYS)
        else None,
    )
    for name, first_hour, last_hour in PARTS:
        chosen = [s for s in by_day.get(day, []) if first_hour <= s.start.astimezone(zone).hour < last_hour]
        # A clinic visit's group names its clinic: a doctor with two clinics may
        # be at either on the same morning.
        for clinic_id in dict.fromkeys(s.clinic_id for s in chosen):
            at = [s for s in chosen if s.clinic_id == clinic_id]
            picker.parts.append(Group(name, clinics.get(clinic_id), [(s, shown(s)) for s in at]))
    if not picker.parts:
        later = [s for d in week if d > day for s in by_day.get(d, [])]
        if later:
            picker.next_available = later[0]
        else:
            beyond = free(
                local_midnight(week[-1] + timedelta(days=1), zone),
                local_midnight(today + timedelta(days=NEXT_AVAILABLE_SEARCH_DAYS), zone),
            )
            picker.next_available = beyond[0] if beyond else None
        if picker.next_available is not None:
            picker.next_shown = shown(picker.next_available)
    return picker


def picker_day(doctor, start, mode):
    """The picker's day of the slot at `start` (in the zone the picker shows `mode` in)."""
    zone = shown_zone(
        in_person=mode == Mode.IN_PERSON,
        doctor_zone=doctor.time_zone,
        viewer_zone=timezone.get_current_timezone(),
    )
    return local_date(start, zone)
