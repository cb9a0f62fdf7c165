"""The figures of the admin analytics page, aggregated in the database in a
fixed number of queries whatever the window or the size of the tables.

Pure reads. Days are the viewer's calendar days (the admin's active zone).
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from appointments.models import Appointment
from payments.models import Payment, Refund
from profiles.models import DoctorProfile, Mode

WINDOWS = (30, 90)
TOP = 8
Status = Appointment.Status


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


def figures(*, days=30, now=None) -> Figures:
    """Every figure of the page for the last `days` days, today included."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    last_day = timezone.localdate(now, zone)
    first_day = last_day - timedelta(days=days - 1)
    since = datetime.combine(first_day, time.min, zone)
    until = datetime.combine(last_day + timedelta(days=1), time.min, zone)
    booked = Appointment.objects.filter(created_at__gte=since, created_at__lt=until)

    # 1. Online bookings started (held) and confirmed by payment, per day of booking.
    online = (
        booked.filter(mode=Mode.ONLINE)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(held=Count("pk"), confirmed=Count("pk", filter=~Q(payment_state="UNPAID")))
        .order_by()
    )
    per_day = {row["day"]: row for row in online}

    # 2. Totals for the window: modes, cancellations, no-shows.
    totals = booked.aggregate(
        booked=Count("pk", filter=~Q(status__in=[Status.EXPIRED, Status.DECLINED])),
        online=Count("pk", filter=Q(mode=Mode.ONLINE)),
        in_person=Count("pk", filter=Q(mode=Mode.IN_PERSON)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        no_show=Count("pk", filter=Q(status=Status.NO_SHOW)),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
    )

    # 3. and 4. Money in and out per day.
    revenue = dict(
        Payment.objects.filter(status=Payment.Status.CAPTURED, captured_at__gte=since, captured_at__lt=until)
        .annotate(day=TruncDate("captured_at", tzinfo=zone))
        .values_list("day")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    refunds = dict(
        Refund.objects.filter(status=Refund.Status.PROCESSED, processed_at__gte=since, processed_at__lt=until)
        .annotate(day=TruncDate("processed_at", tzinfo=zone))
        .values_list("day")
        .annotate(total=Sum("amount"))
        .order_by()
    )

    # 5. and 6. Where the bookings went.
    top_specialties = list(
        booked.exclude(doctor__specialties__isnull=True)
        .values_list("doctor__specialties__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "doctor__specialties__name")[:TOP]
    )
    top_cities = list(
        booked.filter(clinic__isnull=False)
        .values_list("clinic__city__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "clinic__city__name")[:TOP]
    )

    # 7. and 8. Verification: doctors verified per week, and how long they waited.
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

    daily = [
        (
            day,
            per_day.get(day, {}).get("held", 0),
            per_day.get(day, {}).get("confirmed", 0),
            revenue.get(day) or 0,
            refunds.get(day) or 0,
        )
        for day in _days(first_day, days)
    ]
    weeks = sorted({_monday(d) for d in _days(first_day, days)})
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
        top_specialties=top_specialties,
        top_cities=top_cities,
        weekly_verified=[(week, weekly_by_day.get(week, 0)) for week in weeks],
        median_verification=median,
        computed_at=now,
    )


CACHE_SECONDS = 10 * 60


def cached_figures(*, days=30) -> Figures:
    """figures(), kept in the shared cache for 10 minutes per window, day and zone.

    At a million appointments each figure reads most of the table (the window
    holds nearly all recent bookings), so a page computed per request costs
    seconds of database time; staff watching trends can wait ten minutes for
    the next booking to show. The page says when its figures were computed."""
    zone = timezone.get_current_timezone_name()
    key = f"admin-analytics:{days}:{timezone.localdate()}:{zone}"
    return cache.get_or_set(key, lambda: figures(days=days), CACHE_SECONDS)


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
