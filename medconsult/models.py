"""The analytics roll-up: each closed day's figures, written by the periodic
job `rollup_analytics` (medconsult.admin.rollup) and read by the admin
analytics page. Only this floor reads or writes it."""

from django.db import models


class RolledDay(models.Model):
    """One calendar day (in `zone`) whose figures are in DayFigure.

    `rolled_at` is when the roll-up started reading, less a margin for
    transactions that were still committing: an appointment booked in the
    covered part of the day and updated after it makes the day stale, and the
    page computes it live."""

    day = models.DateField()
    zone = models.CharField(max_length=64)
    rolled_at = models.DateTimeField()
    # The figures cover what happened from the day's midnight to here: the next
    # midnight for a closed day, the roll-up's run (less its margin) for today.
    until = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["zone", "day"], name="medconsult_rolledday_unique")]

    def __str__(self):
        return f"{self.day} ({self.zone})"


class DayFigure(models.Model):
    """One group of one day: bookings by mode, status and payment; bookings per
    specialty or city; money captured or refunded."""

    class Kind(models.TextChoices):
        BOOKINGS = "bookings"
        SPECIALTY = "specialty"
        CITY = "city"
        REVENUE = "revenue"
        REFUNDS = "refunds"

    rolled = models.ForeignKey(RolledDay, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mode = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, blank=True)
    confirmed = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField(default=0)
    paise = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.kind} {self.mode or self.name} {self.status}: {self.count}"
