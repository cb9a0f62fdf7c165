from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# Mode lives in profiles: it is part of the doctor's offer.
from profiles.models import Clinic, DoctorProfile, Mode

# --- Availability (all times are wall-clock times in the doctor's zone) ------------


class BookingSettings(models.Model):
    doctor = models.OneToOneField(DoctorProfile, on_delete=models.CASCADE, related_name="booking_settings")
    min_notice_minutes = models.PositiveIntegerField(
        "minimum notice (minutes)", default=120, validators=[MaxValueValidator(7 * 24 * 60)]
    )
    horizon_days = models.PositiveIntegerField(
        "booking horizon (days)", default=30, validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    approval_required = models.BooleanField(
        "approve clinic bookings myself", default=False, help_text="Clinic visits wait for your acceptance."
    )

    class Meta:
        verbose_name_plural = "booking settings"

    def __str__(self):
        return f"Booking settings of {self.doctor}"


class AvailabilityRule(models.Model):
    """Every week on `weekday`, slots of `slot_minutes` from `start` to `end`."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    doctor = models.ForeignKey(DoctorProfile, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(10), MaxValueValidator(60)]
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointments_rule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(mode=Mode.ONLINE, clinic__isnull=True)
                | models.Q(mode=Mode.IN_PERSON, clinic__isnull=False),
                name="appointments_rule_clinic_iff_in_person",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M} ({self.get_mode_display()})"


class AvailabilityException(models.Model):
    """A change to the weekly pattern on particular dates."""

    class Kind(models.TextChoices):
        LEAVE = "LEAVE", "Leave (whole days)"
        BLOCK = "BLOCK", "Blocked hours"
        EXTRA = "EXTRA", "Extra hours"

    doctor = models.ForeignKey(
        DoctorProfile, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day of leave.")
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(10), MaxValueValidator(60)]
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, blank=True)
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.date}"

    @property
    def last_date(self):
        return self.end_date or self.date


# --- Appointments --------------------------------------------------------------------


class Appointment(models.Model):
    """One booking. Its status changes only through appointments.services, one
    function per transition, each writing an AppointmentEvent."""

    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", "Requested"
        PENDING_PAYMENT = "PENDING_PAYMENT", "Awaiting payment"
        CONFIRMED = "CONFIRMED", "Confirmed"
        DECLINED = "DECLINED", "Declined"
        EXPIRED = "EXPIRED", "Expired"
        CANCELLED = "CANCELLED", "Cancelled"
        COMPLETED = "COMPLETED", "Completed"
        NO_SHOW = "NO_SHOW", "No-show"

    class PaymentState(models.TextChoices):
        """What the patient has paid, as appointments knows it. Payments owns the
        money and sets this through appointments.services, so appointment pages,
        lists and admin filters can show it without importing payments."""

        UNPAID = "UNPAID", "Unpaid"
        PAID = "PAID", "Paid"
        REFUND_PENDING = "REFUND_PENDING", "Refund pending"
        REFUNDED = "REFUNDED", "Refunded"
        PARTLY_REFUNDED = "PARTLY_REFUNDED", "Partly refunded"
        # Paid, cancelled, and the refund policy gives nothing back.
        KEPT = "KEPT", "Paid, not refunded"

    # The statuses that hold a slot; the no-double-booking constraint covers these.
    ACTIVE = (Status.REQUESTED, Status.PENDING_PAYMENT, Status.CONFIRMED)
    HOLD = timedelta(minutes=10)

    doctor = models.ForeignKey(DoctorProfile, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    reason = models.CharField("reason for the visit", max_length=500)
    # A minor consults online only with an adult whose identity is recorded
    # (shared/CLINICAL.md): booking asks for these when the patient is under 18.
    companion_name = models.CharField("accompanying adult", max_length=150, blank=True)
    companion_relation = models.CharField("relation to the patient", max_length=60, blank=True)
    fee = models.PositiveIntegerField("fee (paise)")
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    payment_state = models.CharField(
        max_length=16, choices=PaymentState.choices, default=PaymentState.UNPAID, db_index=True
    )
    # The gateway's id of the payment that confirmed this appointment: a second
    # confirmation with the same id (callback and webhook racing) is a no-op.
    payment_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["doctor", "start"]),
            models.Index(fields=["patient", "start"]),
            # The admin analytics page: today's bookings, and bookings changed since the roll-up.
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointments_ends_after_start"
            ),
            # The portable guard: one active booking per doctor and start time.
            # PostgreSQL adds an exclusion constraint over the whole time range
            # (migration 0002), which also catches overlaps of different lengths.
            models.UniqueConstraint(
                fields=["doctor", "start"],
                condition=models.Q(status__in=["REQUESTED", "PENDING_PAYMENT", "CONFIRMED"]),
                name="appointments_one_active_per_doctor_start",
            ),
        ]

    def __str__(self):
        return f"{self.patient} with {self.doctor} at {self.start:%Y-%m-%d %H:%M} UTC"

    # --- The one home of the hold and upcoming rules, as filters (Q) and for one loaded row ---
    #
    # A payment hold lapses at `hold_expires_at`. A hold without one (booking always
    # sets it; only rows written by hand lack it) has no end, so it never lapses: it
    # holds its slot until paid or cancelled, in every rule below alike. A lapsed
    # hold no longer holds its slot and reads as EXPIRED on every page, whether or
    # not `expire_holds` has written that status yet.

    @classmethod
    def lapsed_hold(cls, now) -> models.Q:
        """Payment holds that have run out at `now`."""
        return models.Q(status=cls.Status.PENDING_PAYMENT, hold_expires_at__lte=now)

    @classmethod
    def open_hold(cls, now) -> models.Q:
        """Payment holds still running at `now` (the patient may still pay)."""
        return models.Q(status=cls.Status.PENDING_PAYMENT) & (
            models.Q(hold_expires_at__gt=now) | models.Q(hold_expires_at__isnull=True)
        )

    @classmethod
    def holding_slot(cls, now) -> models.Q:
        """Active at `now`: requested, confirmed, or a hold still running. Such an
        appointment takes the doctor's time; every other status leaves it free."""
        return models.Q(status__in=(cls.Status.REQUESTED, cls.Status.CONFIRMED)) | cls.open_hold(now)

    @classmethod
    def upcoming(cls, now) -> models.Q:
        """Holding its slot and not over at `now` (one in progress, or ending this
        very instant, still counts: the patient's lists show it as upcoming, the
        limits count it, and its clinic cannot be removed under it)."""
        return cls.holding_slot(now) & models.Q(end__gte=now)

    def hold_lapsed_at(self, now) -> bool:
        """`lapsed_hold` for one row already loaded."""
        return (
            self.status == self.Status.PENDING_PAYMENT
            and self.hold_expires_at is not None
            and self.hold_expires_at <= now
        )

    def status_at(self, now) -> str:
        """The status users see at `now`: `status`, except that a lapsed hold is EXPIRED."""
        return self.Status.EXPIRED if self.hold_lapsed_at(now) else self.status

    @property
    def shown_status(self) -> str:
        return self.status_at(timezone.now())

    def get_shown_status_display(self) -> str:
        return self.Status(self.shown_status).label

    def is_active_at(self, now) -> bool:
        """`holding_slot` for one row already loaded."""
        return self.status_at(now) in self.ACTIVE

    @property
    def is_active(self):
        return self.is_active_at(timezone.now())


class AppointmentEvent(models.Model):
    """The history of one appointment: who moved it from what to what, when and why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)
    old_start = models.DateTimeField(null=True, blank=True)
    old_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"
