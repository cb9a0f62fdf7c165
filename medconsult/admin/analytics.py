"""The figures of the admin analytics page, aggregated in the database in a
fixed number of queries whatever the window or the size of the tables.

Pure reads. Days are the viewer's calendar days (the admin's active zone).

Days come from the roll-up (medconsult.models.RolledDay/DayFigure, written by
the periodic job `rollup_analytics`: closed days, and today up to the job's
last run). What happened today since that run, any day not rolled up and any
rolled day made stale since (an appointment booked that day and changed after
its roll-up) are computed live from the base tables, restricted to those
ranges. Both go through day_rows(), so the page equals a computation
from scratch; tests/medconsult/test_analytics_rollup.py proves it.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from appointments.models import Appointment
from medconsult.models import DayFigure, RolledDay
from payments.models import Payment, Refund
from profiles.models import DoctorProfile, Mode

WINDOWS = (30, 90)
TOP = 8
Status = Appointment.Status
Kind = DayFigure.Kind


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5) over a duration, in seconds."""

    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


@dataclass
class Figures:
    days: int
    first_day: object
    last_day: object
    daily: list  # (day, held, confirmed, revenue paise, refunds paise)
    by_mode: list  # (label, count)
    totals: dict
    top_specialties: list  # (name, count)
    top_cities: list  # (name, count)
    weekly_verified: list  # (monday, count)
    median_verification: timedelta | None
    computed_at: datetime | None = None
    live_days: int = field(default=0, compare=False)  # whole days computed from the base tables

    @property
    def cancellation_rate(self):
        return _rate(self.totals["cancelled"], self.totals["booked"])

    @property
    def no_show_rate(self):
        return _rate(self.totals["no_show"], self.totals["no_show"] + self.totals["completed"])


def _rate(part, whole):
    return None if not whole else part / whole


def _days(first_day, days):
    return [first_day + timedelta(days=i) for i in range(days)]


def _midnight(day, zone):
    return datetime.combine(day, time.min, zone)


def day_ranges(days, zone) -> list:
    """Sorted days as contiguous [start, end) instants."""
    ranges = []
    for day in sorted(days):
        start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = end
        else:
            ranges.append([start, end])
    return ranges


def _in_ranges(column, ranges) -> Q:
    """`column` falls within one of `ranges` ([start, end) instants)."""
    q = Q(pk__in=[])
    for start, end in ranges:
        q |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return q


def day_rows(ranges, zone) -> list:
    """The roll-up's rows for what was booked, captured or refunded within
    `ranges`, per calendar day in `zone`, computed from the base tables in 5
    queries: (day, kind, mode, status, confirmed, name, count, paise)."""
    booked = Appointment.objects.filter(_in_ranges("created_at", ranges)).annotate(
        day=TruncDate("created_at", tzinfo=zone)
    )
    rows = [
        (r["day"], Kind.BOOKINGS, r["mode"], r["status"], r["confirmed"], "", r["n"], 0)
        for r in booked.annotate(
            confirmed=Case(
                When(payment_state=Appointment.PaymentState.UNPAID, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )
        .values("day", "mode", "status", "confirmed")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    rows += [
        (day, Kind.SPECIALTY, "", "", False, name, n, 0)
        for day, name, n in booked.exclude(doctor__specialties__isnull=True)
        .values_list("day", "doctor__specialties__name")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    rows += [
        (day, Kind.CITY, "", "", False, name, n, 0)
        for day, name, n in booked.filter(clinic__isnull=False)
        .values_list("day", "clinic__city__name")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    for kind, model, done, stamp in (
        (Kind.REVENUE, Payment, Payment.Status.CAPTURED, "captured_at"),
        (Kind.REFUNDS, Refund, Refund.Status.PROCESSED, "processed_at"),
    ):
        rows += [
            (day, kind, "", "", False, "", n, total)
            for day, n, total in model.objects.filter(_in_ranges(stamp, ranges), status=done)
            .annotate(day=TruncDate(stamp, tzinfo=zone))
            .values_list("day")
            .annotate(n=Count("pk"), total=Sum("amount"))
            .order_by()
        ]
    return rows


def usable_rolled_days(first_day, last_day, zone, zone_name) -> dict:
    """{day: until} for the rolled days of [first_day, last_day] whose figures
    still hold, in two queries: the rolled days, then the appointments changed
    since (appointments' updated_at index). A rolled day covers what happened
    from its midnight to `until` (the next midnight, or for today the roll-up's
    run); a closed day rolled before it closed is left out (computed live).
    A day is stale when an appointment booked in its covered part changed
    after the day was rolled up."""
    rolled = {
        day: (rolled_at, until)
        for day, rolled_at, until in RolledDay.objects.filter(
            zone=zone_name, day__gte=first_day, day__lte=last_day
        ).values_list("day", "rolled_at", "until")
        if day == last_day or until >= _midnight(day + timedelta(days=1), zone)
    }
    since = min((rolled_at for rolled_at, _ in rolled.values()), default=timezone.now())
    today_until = rolled[last_day][1] if last_day in rolled else _midnight(last_day, zone)
    changed = (
        Appointment.objects.filter(updated_at__gt=since, created_at__gte=_midnight(first_day, zone))
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day")
        .annotate(
            last=Max("updated_at"), last_covered=Max("updated_at", filter=Q(created_at__lt=today_until))
        )
        .order_by()
    )
    for day, last, last_covered in changed:
        if day in rolled:
            latest = last_covered if day == last_day else last
            if latest is not None and latest > rolled[day][0]:
                del rolled[day]
    return {day: until for day, (_, until) in rolled.items()}


def figures(*, days=30, now=None, use_rollup=True) -> Figures:
    """Every figure of the page for the last `days` days, today included.

    use_rollup=False computes every day from the base tables (the reference
    the roll-up is tested against)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    zone_name = timezone.get_current_timezone_name()
    last_day = timezone.localdate(now, zone)
    first_day = last_day - timedelta(days=days - 1)
    since = _midnight(first_day, zone)
    until = _midnight(last_day + timedelta(days=1), zone)
    window = _days(first_day, days)

    rows = []
    rolled = {}
    if use_rollup:
        rolled = usable_rolled_days(first_day, last_day, zone, zone_name)
        rows = [
            row
            for row in DayFigure.objects.filter(
                rolled__zone=zone_name, rolled__day__gte=first_day, rolled__day__lte=last_day
            ).values_list("rolled__day", "kind", "mode", "status", "confirmed", "name", "count", "paise")
            if row[0] in rolled
        ]
    live = [day for day in window if day not in rolled]
    ranges = day_ranges(live, zone)
    if last_day in rolled:  # today after its roll-up
        ranges.append([rolled[last_day], until])
    rows += day_rows(ranges, zone)

    held, confirmed, revenue, refunds = (defaultdict(int) for _ in range(4))
    specialties, cities = defaultdict(int), defaultdict(int)
    totals = dict.fromkeys(("booked", "online", "in_person", "cancelled", "no_show", "completed"), 0)
    for day, kind, mode, status, is_confirmed, name, n, paise in rows:
        if kind == Kind.BOOKINGS:
            if mode == Mode.ONLINE:
                held[day] += n
                confirmed[day] += n if is_confirmed else 0
                totals["online"] += n
            elif mode == Mode.IN_PERSON:
                totals["in_person"] += n
            if status not in (Status.EXPIRED, Status.DECLINED):
                totals["booked"] += n
            for key, value in (("cancelled", Status.CANCELLED), ("no_show", Status.NO_SHOW)):
                if status == value:
                    totals[key] += n
            if status == Status.COMPLETED:
                totals["completed"] += n
        elif kind == Kind.SPECIALTY:
            specialties[name] += n
        elif kind == Kind.CITY:
            cities[name] += n
        elif kind == Kind.REVENUE:
            revenue[day] += paise
        elif kind == Kind.REFUNDS:
            refunds[day] += paise

    # Verification: doctors verified per week, and how long they waited (small table, always live).
    verified = DoctorProfile.objects.filter(
        status=DoctorProfile.Status.VERIFIED, decided_at__gte=since, decided_at__lt=until
    )
    weekly = dict(
        verified.annotate(week=TruncWeek("decided_at", tzinfo=zone))
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    waited = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    median = _median_wait(verified.filter(submitted_at__isnull=False), waited)

    daily = [(day, held[day], confirmed[day], revenue[day], refunds[day]) for day in window]
    weeks = sorted({_monday(d) for d in window})
    weekly_by_day = {
        timezone.localtime(k, zone).date() if isinstance(k, datetime) else k: v for k, v in weekly.items()
    }
    return Figures(
        days=days,
        first_day=first_day,
        last_day=last_day,
        daily=daily,
        by_mode=[(Mode.ONLINE.label, totals["online"]), (Mode.IN_PERSON.label, totals["in_person"])],
        totals=totals,
        top_specialties=_top(specialties),
        top_cities=_top(cities),
        weekly_verified=[(week, weekly_by_day.get(week, 0)) for week in weeks],
        median_verification=median,
        computed_at=now,
        live_days=len(live),
    )


def _top(counts):
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]


def _monday(day):
    return day - timedelta(days=day.weekday())


def _median_wait(queryset, waited):
    """One query either way: PostgreSQL computes it; SQLite (make run) hands
    over the waits, few enough (doctors verified in a window) to sort here."""
    if connection.vendor == "postgresql":
        seconds = queryset.aggregate(m=Median(waited))["m"]
        return None if seconds is None else timedelta(seconds=round(seconds))
    waits = list(queryset.annotate(w=waited).values_list("w", flat=True))
    return statistics.median_low(waits) if waits else None
