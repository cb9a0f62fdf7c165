"""Writing the analytics roll-up (medconsult.models): each closed day's figures,
so the analytics page reads at most 90 days of small rows instead of scanning
the appointments table. Run by the periodic job `rollup_analytics`.

Each run rolls today up to the run (less MARGIN, for transactions still
committing), a closed day once (again after it closed, if it was rolled as
today), and any day again when an appointment booked in its covered part has
changed since (analytics.usable_rolled_days). Money captured or
refunded is stamped with the moment it happened, so a closed day's money never
changes. Doctors' specialties and clinic cities are read through joins, so
changing them clears the roll-up (receivers below); the page computes live
until the next run.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.zones import zone as zone_of
from medconsult.admin.analytics import WINDOWS, day_ranges, day_rows, usable_rolled_days
from medconsult.models import DayFigure, RolledDay

MARGIN = timedelta(minutes=5)
KEEP_DAYS = max(WINDOWS)


def rollup(*, now=None, zone_name=None) -> int:
    """Roll up the days of the longest window: today up to now (less MARGIN)
    every run, and closed days missing, stale or rolled before they closed.
    Returns how many days were (re)written.

    Side effects: replaces those days' RolledDay and DayFigure rows in one
    transaction, moves the other days' rolled_at to this run; deletes rolled
    days older than the longest window."""
    now = now or timezone.now()
    zone_name = zone_name or settings.TIME_ZONE
    zone = zone_of(zone_name)
    # Stamped before reading, less MARGIN: a change committing while we read has
    # an updated_at after it, so it makes its day stale, never lost; what is
    # booked, paid or refunded after `cutoff` is read live by the page.
    cutoff = now - MARGIN
    today = timezone.localdate(cutoff, zone)
    first_day = today - timedelta(days=KEEP_DAYS - 1)
    usable = usable_rolled_days(first_day, today, zone, zone_name)
    days = [day for day in (first_day + timedelta(days=i) for i in range(KEEP_DAYS - 1)) if day not in usable]
    # A closed day rolled before it closed is not usable: rolled again, whole.
    ranges = day_ranges(days, zone)
    today_start = datetime.combine(today, time.min, zone)
    if ranges and ranges[-1][1] == today_start:
        ranges[-1][1] = cutoff
    else:
        ranges.append([today_start, cutoff])
    days.append(today)
    rows = day_rows(ranges, zone)
    with transaction.atomic():
        RolledDay.objects.filter(zone=zone_name, day__lt=first_day).delete()
        RolledDay.objects.filter(zone=zone_name, day__in=days).delete()
        by_day = {
            day: RolledDay(
                day=day,
                zone=zone_name,
                rolled_at=cutoff,
                until=cutoff if day == today else datetime.combine(day + timedelta(days=1), time.min, zone),
            )
            for day in days
        }
        RolledDay.objects.bulk_create(by_day.values())
        # The days found unchanged were checked up to now: they hold as of `cutoff`,
        # so the page's check for changes reads only the minutes since this run.
        RolledDay.objects.filter(zone=zone_name, day__in=list(usable)).exclude(day__in=days).update(
            rolled_at=cutoff
        )
        DayFigure.objects.bulk_create(
            [
                DayFigure(
                    rolled=by_day[day],
                    kind=kind,
                    mode=mode,
                    status=status,
                    confirmed=confirmed,
                    name=name or "",
                    count=n,
                    paise=paise or 0,
                )
                for day, kind, mode, status, confirmed, name, n, paise in rows
            ],
            batch_size=2000,
        )
    return len(days)


def clear_rollup(**kwargs):
    """Receiver: a doctor's specialties, a specialty's or city's name or a
    clinic's city changed, so rolled figures may no longer match a fresh count."""
    RolledDay.objects.all().delete()


def clinic_city_changing(sender, instance, raw=False, **kwargs):
    """Receiver (pre_save of Clinic): clear the roll-up when a clinic moves city."""
    if raw or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).values_list("city_id", flat=True).first()
    if old is not None and old != instance.city_id:
        clear_rollup()


def connect():
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    from profiles.models import City, Clinic, DoctorProfile, Specialty

    m2m_changed.connect(
        clear_rollup, sender=DoctorProfile.specialties.through, dispatch_uid="rollup.specialties"
    )
    for model in (Specialty, City):
        post_save.connect(clear_rollup, sender=model, dispatch_uid=f"rollup.save.{model.__name__}")
        post_delete.connect(clear_rollup, sender=model, dispatch_uid=f"rollup.delete.{model.__name__}")
    pre_save.connect(clinic_city_changing, sender=Clinic, dispatch_uid="rollup.clinic")
