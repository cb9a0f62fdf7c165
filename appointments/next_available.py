"""Each doctor's next free slot per mode, computed here through the slot engine
and stored on the profile (profiles owns the fields, search reads them).

Kept current two ways: the services that can move a doctor's next slot call
`schedule_refresh(doctor_id)`, which recomputes after commit; and
`manage.py refresh_next_available` (cron, every 5 minutes) recomputes every
bookable doctor in bulk, so passing time never leaves a value stale for long.

The bulk computation reads a constant number of queries per batch of doctors,
whatever its size. It looks for the first slot in widening windows (a day,
then three, a week, three weeks, then each doctor's horizon) and only the
doctors still without a slot go on to the next window, so the engine's work
stays close to one day of slots per doctor.
"""

import weakref
from collections import defaultdict, namedtuple
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments.models import (
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
)
from appointments.selectors import DEFAULT_SETTINGS, bookable_window, taken_intervals
from appointments.slots import free_slots
from core import zones
from profiles.models import DoctorProfile, Mode
from profiles.services import doctors_next_available_set

BATCH_SIZE = 2000
# Where each widening window ends, from now; the last one is the furthest horizon.
STAGE_ENDS = (timedelta(days=1), timedelta(days=3), timedelta(days=7), timedelta(days=21))
EXTRA = AvailabilityException.Kind.EXTRA

# The engine reads attributes; plain tuples cost far less to build than model
# instances, and a batch holds tens of thousands of rules.
_Rule = namedtuple("_Rule", "weekday start end slot_minutes mode clinic_id")
_Exception = namedtuple("_Exception", "kind date end_date start end slot_minutes mode clinic_id")
_Settings = namedtuple("_Settings", "min_notice_minutes horizon_days")

_DOCTOR_FIELDS = (
    "time_zone",
    "offers_online",
    "offers_in_person",
    "status",
    "next_online_at",
    "next_in_person_at",
)


def doctors_to_refresh():
    """Doctors loaded with what the computation reads, each with `is_bookable`
    (one query)."""
    return DoctorProfile.objects.with_bookable().only(*_DOCTOR_FIELDS).order_by("pk")


# --- Computation ----------------------------------------------------------------------------


def next_available_for(doctors, *, now=None) -> dict:
    """{doctor id: (next online start, next in-person start)} for every doctor given.

    A start is the first free slot inside the doctor's booking window (minimum
    notice, horizon), or None: when the doctor does not offer that mode, has no
    free slot of it before the horizon, or is not bookable (not verified, or
    the account is inactive). Pass doctors from `doctors_to_refresh()`, which
    says whether each is bookable. Queries: at most 2 + 2 per window, for any
    number of doctors.
    """
    now = now or timezone.now()
    doctors = {doctor.pk: doctor for doctor in doctors}
    wanted = {}
    for pk, doctor in doctors.items():
        modes = frozenset(doctor.modes) if doctor.is_bookable else frozenset()
        if modes:
            wanted[pk] = modes
    found = defaultdict(dict)
    if wanted:
        _find_first_slots(doctors, wanted, found, now=now)
    return {
        pk: (found[pk].get(Mode.ONLINE), found[pk].get(Mode.IN_PERSON)) if pk in found else (None, None)
        for pk in doctors
    }


def _find_first_slots(doctors, wanted, found, *, now):
    ids = list(wanted)
    rules = _rules(ids)
    windows = _windows(ids, now=now)
    remaining = set(ids)
    stage_start = now
    horizon = max(latest for _, latest in windows.values())
    for stage_end in [*(now + offset for offset in STAGE_ENDS), horizon]:
        stage_end = min(stage_end, horizon)
        remaining = {
            pk for pk in remaining if windows[pk][1] > stage_start and len(found[pk]) < len(wanted[pk])
        }
        if not remaining or stage_end <= stage_start:
            break
        exceptions, taken = (
            _exceptions(remaining, stage_start, stage_end),
            taken_intervals(remaining, window_start=stage_start, window_end=stage_end, now=now),
        )
        for pk in remaining:
            earliest, latest = windows[pk]
            not_before, not_after = max(stage_start, earliest), min(stage_end, latest)
            if not_after > not_before:
                _first_slots(
                    found[pk],
                    wanted=wanted[pk],
                    tz=zones.zone(doctors[pk].time_zone),
                    rules=rules[pk],
                    exceptions=exceptions[pk],
                    taken=taken[pk],
                    not_before=not_before,
                    not_after=not_after,
                )
        stage_start = stage_end


def _first_slots(found, *, wanted, tz, rules, exceptions, taken, not_before, not_after):
    """Record in `found` the first free slot of each wanted mode in [not_before, not_after).

    The engine makes every slot of every local day its window touches, so it
    is asked one local day at a time, and only about the hours that can still
    give a slot that day in a mode still missing: most doctors are done after
    one or two calls.
    """
    for day_start, day_end in _local_days(not_before, not_after, tz):
        missing = wanted - found.keys()
        mode_rules = [rule for rule in rules if rule.mode in missing]
        mode_exceptions = [e for e in exceptions if e.kind != EXTRA or e.mode in missing]
        if not mode_rules and not any(e.kind == EXTRA for e in mode_exceptions):
            return  # nothing left that could give a slot of these modes
        local = day_start.astimezone(tz)
        # Hours of another weekday, or that end before the piece starts, give
        # no slot in it (wall-clock times: a slot never starts after its rule ends).
        day_rules = [r for r in mode_rules if r.weekday == local.weekday() and r.end > local.time()]
        if not day_rules and not any(e.kind == EXTRA and e.date == local.date() for e in mode_exceptions):
            continue
        slots = free_slots(
            tz=tz,
            rules=day_rules,
            exceptions=mode_exceptions,
            taken=taken,
            not_before=day_start,
            not_after=day_end,
        )
        for slot in slots:  # sorted by start: the first of each mode wins
            found.setdefault(slot.mode, slot.start)
        if len(found) == len(wanted):
            return


def _local_days(not_before, not_after, tz):
    """[not_before, not_after) cut at the doctor's midnights.

    Each piece ends a microsecond before midnight so the engine does not also
    build the next day's slots; slots start on whole minutes, so none falls in
    that microsecond.
    """
    cursor = not_before
    while cursor < not_after:
        midnight = zones.local_midnight(zones.local_date(cursor, tz) + timedelta(days=1), tz)
        yield cursor, min(midnight - timedelta(microseconds=1), not_after)
        cursor = midnight


# The loaders below read what appointments.selectors._load reads for the slot
# picker, but as tuples, and the rules and settings only once for all the
# windows; the taken times come from the same selectors.taken_intervals.


def _rules(ids) -> dict:
    rules = defaultdict(list)
    rows = (
        AvailabilityRule.objects.filter(doctor_id__in=ids).order_by().values_list("doctor_id", *_Rule._fields)
    )
    for doctor_id, *fields in rows:
        rules[doctor_id].append(_Rule(*fields))
    return rules


def _windows(ids, *, now) -> dict:
    """{doctor id: (earliest, latest) bookable start}, the defaults for doctors without settings."""
    settings = {
        doctor_id: _Settings(notice, horizon)
        for doctor_id, notice, horizon in BookingSettings.objects.filter(doctor_id__in=ids).values_list(
            "doctor_id", "min_notice_minutes", "horizon_days"
        )
    }
    return {pk: bookable_window(settings.get(pk, DEFAULT_SETTINGS), now=now) for pk in ids}


def _exceptions(ids, window_start, window_end) -> dict:
    exceptions = defaultdict(list)
    # Widen by a day so exceptions written in the doctor's own dates are all seen.
    first, last = (window_start - timedelta(days=1)).date(), (window_end + timedelta(days=1)).date()
    rows = (
        AvailabilityException.objects.filter(doctor_id__in=ids, date__lte=last)
        .filter(Q(date__gte=first) | Q(end_date__gte=first))
        .order_by()
        .values_list("doctor_id", *_Exception._fields)
    )
    for doctor_id, *fields in rows:
        exceptions[doctor_id].append(_Exception(*fields))
    return exceptions


# --- Storing ----------------------------------------------------------------------------------


def _store(doctors, *, now=None) -> int:
    """Compute and save the values of `doctors`; only changed ones are written. Returns that count."""
    values = next_available_for(doctors, now=now)
    changed = {
        doctor.pk: values[doctor.pk]
        for doctor in doctors
        if (doctor.next_online_at, doctor.next_in_person_at) != values[doctor.pk]
    }
    return doctors_next_available_set(values=changed) if changed else 0


def refresh_doctors(ids, *, now=None) -> int:
    """Recompute and store the next free slots of the doctors with these ids
    (unknown ids are skipped). Returns how many changed. Constant queries."""
    doctors = list(doctors_to_refresh().filter(pk__in=list(ids)))
    return _store(doctors, now=now)


def refresh_doctor(doctor_id, *, now=None) -> int:
    return refresh_doctors([doctor_id], now=now)


def refresh_all(*, batch_size=BATCH_SIZE, now=None) -> dict:
    """Recompute every bookable doctor and clear the values of doctors who are
    not bookable any more, `batch_size` doctors at a time (one computation and
    one write per batch). Returns counts: doctors, bookable, changed, batches."""
    bookable = Q(is_bookable=True)
    stale = Q(next_online_at__isnull=False) | Q(next_in_person_at__isnull=False)
    relevant = doctors_to_refresh().filter(bookable | stale)
    totals = {"doctors": 0, "bookable": 0, "changed": 0, "batches": 0}
    last_pk = 0
    while batch := list(relevant.filter(pk__gt=last_pk)[:batch_size]):
        last_pk = batch[-1].pk
        totals["changed"] += _store(batch, now=now or timezone.now())
        totals["doctors"] += len(batch)
        totals["bookable"] += sum(doctor.is_bookable for doctor in batch)
        totals["batches"] += 1
    return totals


# --- Keeping it current -----------------------------------------------------------------------

# Doctor ids waiting for the current transaction to commit, per connection
# (connections are per thread).
_pending = weakref.WeakKeyDictionary()


def schedule_refresh(doctor_id, *, using=None) -> None:
    """Recompute the doctor's next free slots after the current transaction
    commits (at once outside a transaction).

    Every call registers a callback, and the first one to run refreshes every
    doctor pending on the connection in one bulk refresh, so the rest find
    nothing to do. Registering once per doctor would lose the refresh when
    the savepoint that registered it rolls back while the outer transaction
    commits. Failures are logged, not raised: the change itself has committed,
    and the cron refresh repairs the value within minutes.
    """
    connection = transaction.get_connection(using)
    _pending.setdefault(connection, set()).add(doctor_id)

    def refresh_pending():
        ids = _pending.pop(connection, None)
        if ids:
            refresh_doctors(ids)

    transaction.on_commit(refresh_pending, using=using, robust=True)


def on_doctor_verified(sender, doctor_id, **kwargs):
    """profiles.signals.doctor_verified (sent after commit): the doctor is bookable now."""
    refresh_doctor(doctor_id)


def on_doctor_schedule_changed(sender, doctor_id, **kwargs):
    """profiles.signals.doctor_schedule_changed (sent after commit): a profile
    change (zone, modes, fees, clinics) may have moved the doctor's next slots."""
    refresh_doctor(doctor_id)
