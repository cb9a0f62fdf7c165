"""Reads for payments, each scoped to the person asking (None means 404)."""

from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import TruncMonth

from appointments.models import Appointment
from payments.models import Payment, Refund


def appointment_to_pay(user, pk):
    """The patient's own appointment, to pay for."""
    if not user.is_authenticated:
        return None
    return Appointment.objects.select_related("doctor__user").filter(pk=pk, patient=user).first()


def payment_of_patient(user, pk):
    if not user.is_authenticated:
        return None
    return (
        Payment.objects.select_related("appointment__doctor", "appointment__patient")
        .filter(pk=pk, appointment__patient=user)
        .first()
    )


def payment_confirmed_its_appointment(payment) -> bool:
    """Read again now: is the appointment CONFIRMED by this very payment? (Not so
    when a webhook got there first and refunded it: slot taken, start passed.)"""
    payment_id = Payment.objects.filter(pk=payment.pk).values_list("payment_id", flat=True).first()
    return (
        bool(payment_id)
        and Appointment.objects.filter(
            pk=payment.appointment_id, status=Appointment.Status.CONFIRMED, payment_ref=payment_id
        ).exists()
    )


def appointment_with_payments(user, pk):
    """The appointment (for its patient or its doctor) with its payments and their refunds."""
    if not user.is_authenticated:
        return None
    return (
        Appointment.objects.select_related("doctor")
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.order_by("-created_at").prefetch_related(
                    Prefetch("refunds", queryset=Refund.objects.order_by("created_at"))
                ),
            )
        )
        .filter(Q(patient=user) | Q(doctor__user=user), pk=pk)
        .first()
    )


def doctor_earnings(doctor):
    """Paid consults per month for one doctor: count, paid, refunded (paise), newest month first."""
    captured = Payment.objects.filter(appointment__doctor=doctor, status=Payment.Status.CAPTURED)
    months = (
        captured.annotate(month=TruncMonth("captured_at"))
        .values("month")
        .annotate(consults=Count("pk"), paid=Sum("amount"))
        .order_by("-month")
    )
    refunded = dict(
        Refund.objects.filter(payment__in=captured)
        .exclude(status=Refund.Status.FAILED)
        .annotate(month=TruncMonth("payment__captured_at"))
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    return [
        {**row, "refunded": refunded.get(row["month"], 0), "net": row["paid"] - refunded.get(row["month"], 0)}
        for row in months
    ]
