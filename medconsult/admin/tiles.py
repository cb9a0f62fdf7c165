"""What needs staff action today, for the admin index: one query per tile,
each tile linking to the admin list filtered to exactly the rows it counts."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import User
from appointments.models import Appointment
from consultations.admin import unanswered
from consultations.models import ConsultationSession
from core.models import Notification
from payments.models import Payment, Refund, WebhookEvent
from profiles.models import DoctorProfile

RECENT_DAYS = 7


@dataclass
class Tile:
    title: str
    count: int
    url: str
    note: str = ""
    # Rows of (label, count, url) under the tile (appointments today by status).
    rows: list = field(default_factory=list)

    @property
    def needs_action(self):
        return self.count > 0


def _changelist(name, **params):
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _midnight(day, zone):
    return datetime.combine(day, time.min, zone)


def _day_span(day, zone):
    """DateFieldListFilter's own "Today" parameters (aware midnights, as it
    writes them), so the filter shows as chosen on the page the tile opens."""
    return str(_midnight(day, zone)), str(_midnight(day + timedelta(days=1), zone))


def _since(today, zone):
    """The start of DateFieldListFilter's "Past 7 days": midnight 7 days ago."""
    return _midnight(today - timedelta(days=RECENT_DAYS), zone)


def recent_params(field_name, today, zone):
    return {
        f"{field_name}__gte": str(_since(today, zone)),
        f"{field_name}__lt": str(_midnight(today + timedelta(days=1), zone)),
    }


def doctors_waiting(now) -> Tile:
    facts = DoctorProfile.objects.filter(status=DoctorProfile.Status.PENDING).aggregate(
        count=Count("pk"), oldest=Min("submitted_at")
    )
    note = f"oldest waiting {timesince(facts['oldest'], now)}" if facts["oldest"] else "none waiting"
    return Tile(
        "Doctors waiting for verification",
        facts["count"],
        _changelist("profiles_doctorprofile", status__exact=DoctorProfile.Status.PENDING),
        note,
    )


def money_tiles(today, zone) -> list[Tile]:
    since = _since(today, zone)
    failed_payments = Payment.objects.filter(status=Payment.Status.FAILED, created_at__gte=since).count()
    refunds = Refund.objects.filter(created_at__gte=since).aggregate(
        failed=Count("pk", filter=Q(status=Refund.Status.FAILED)),
        pending=Count("pk", filter=Q(status=Refund.Status.PENDING)),
    )
    recent = recent_params("created_at", today, zone)
    return [
        Tile(
            "Failed payments, last 7 days",
            failed_payments,
            _changelist("payments_payment", status__exact=Payment.Status.FAILED, **recent),
        ),
        Tile(
            "Failed refunds, last 7 days",
            refunds["failed"],
            _changelist("payments_refund", status__exact=Refund.Status.FAILED, **recent),
            "the gateway gave up: complete them by hand",
        ),
        Tile(
            "Pending refunds, last 7 days",
            refunds["pending"],
            _changelist("payments_refund", status__exact=Refund.Status.PENDING, **recent),
        ),
    ]


def failed_webhooks(today, zone) -> Tile:
    count = WebhookEvent.objects.filter(WebhookEvent.failed(), received_at__gte=_since(today, zone)).count()
    return Tile(
        "Failed webhook events, last 7 days",
        count,
        _changelist("payments_webhookevent", failed="yes", **recent_params("received_at", today, zone)),
        "bad signature, or an error while applying",
    )


def failed_emails(today, zone) -> Tile:
    count = Notification.objects.filter(
        email_status=Notification.EmailStatus.FAILED, created_at__gte=_since(today, zone)
    ).count()
    return Tile(
        "Emails that failed to send, last 7 days",
        count,
        _changelist(
            "core_notification",
            email_status__exact=Notification.EmailStatus.FAILED,
            **recent_params("created_at", today, zone),
        ),
    )


def appointments_today(today, zone) -> Tile:
    start = _midnight(today, zone)
    by_status = dict(
        Appointment.objects.filter(start__gte=start, start__lt=start + timedelta(days=1))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    first, last = _day_span(today, zone)
    rows = [
        (
            label,
            by_status.get(value, 0),
            _changelist("appointments_appointment", status__exact=value, start__gte=first, start__lt=last),
        )
        for value, label in Appointment.Status.choices
        if by_status.get(value)
    ]
    return Tile(
        "Appointments today",
        sum(by_status.values()),
        _changelist("appointments_appointment", start__gte=first, start__lt=last),
        rows=rows,
    )


def doctors_not_bookable_with_bookings(now) -> Tile:
    """Doctors patients cannot book (deactivated, or no longer verified) who
    still have upcoming appointments: staff cancel those for them."""
    count = (
        DoctorProfile.objects.filter(
            ~Q(status=DoctorProfile.Status.VERIFIED)
            | Exists(User.objects.filter(pk=OuterRef("user_id"), is_active=False)),
            Exists(Appointment.objects.filter(Appointment.upcoming(now), doctor=OuterRef("pk"))),
        )
        .order_by()
        .count()
    )
    return Tile(
        "Doctors who stopped practising with bookings left",
        count,
        reverse("admin:doctors_stopped"),
        "deactivated or back in verification, with upcoming appointments",
    )


def unanswered_consultations(now) -> Tile:
    count = unanswered(ConsultationSession.objects.all(), now=now).count()
    return Tile(
        "Consultations with a patient message unanswered for more than 4 hours",
        count,
        _changelist("consultations_consultationsession", unanswered="yes"),
    )


def action_tiles(now=None) -> list[Tile]:
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    return [
        doctors_waiting(now),
        doctors_not_bookable_with_bookings(now),
        *money_tiles(today, zone),
        failed_webhooks(today, zone),
        failed_emails(today, zone),
        unanswered_consultations(now),
        appointments_today(today, zone),
    ]
