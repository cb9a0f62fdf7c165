"""Payments in Django admin: read-only (money moves only through payments.services),
with filters, totals and a CSV export of a date range."""

import csv
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from core.admin_mixins import ReadOnlyAdminMixin
from core.audit import audit_record
from core.text import csv_safe
from payments.models import Payment, Refund, WebhookEvent


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Money is written only by payments' services: staff read it here."""


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("amount", "status", "reason", "razorpay_refund_id", "attempts", "failures", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ExportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end date is before the start date.")
        return data


CSV_COLUMNS = (
    "created_at",
    "receipt",
    "status",
    "gateway",
    "order_id",
    "payment_id",
    "amount_paise",
    "currency",
    "refunded_paise",
    "appointment",
    "doctor",
    "patient_email",
)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("receipt", "status", "gateway", "amount_rupees", "doctor", "patient", "created_at")
    list_filter = ("status", "gateway", ("created_at", admin.DateFieldListFilter))
    search_fields = ("receipt", "order_id", "payment_id", "appointment__patient__email")
    date_hierarchy = "created_at"
    list_select_related = ("appointment__doctor", "appointment__patient")
    inlines = [RefundInline]
    change_list_template = "admin/payments/payment/change_list.html"

    @admin.display(description="amount (₹)")
    def amount_rupees(self, payment):
        return f"{payment.amount / 100:.2f}"

    @admin.display(description="doctor")
    def doctor(self, payment):
        return payment.appointment.doctor.display_name

    @admin.display(description="patient")
    def patient(self, payment):
        return payment.appointment.patient.email

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="payments_payment_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        if hasattr(response, "context_data") and "cl" in response.context_data:
            rows = response.context_data["cl"].queryset
            response.context_data["totals"] = (
                rows.values("status").annotate(count=Count("pk"), total=Sum("amount")).order_by("status")
            )
        return response

    def export_view(self, request):
        # admin_view only asks for is_staff: the export is the payments list itself.
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "form": form,
                "title": "Export payments as CSV",
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/payments/payment/export.html", context)
        zone = timezone.get_current_timezone()
        start = datetime.combine(form.cleaned_data["start"], time.min, zone)
        end = datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min, zone)
        rows = (
            Payment.objects.filter(created_at__gte=start, created_at__lt=end)
            .select_related("appointment__doctor", "appointment__patient")
            .prefetch_related("refunds")
            .order_by("created_at")
        )
        audit_record(
            action="payments.exported",
            actor=request.user,
            request=request,
            detail=f"{form.cleaned_data['start']} to {form.cleaned_data['end']}",
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="payments-{form.cleaned_data["start"]}-{form.cleaned_data["end"]}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for payment in rows:
            writer.writerow(
                [
                    payment.created_at.isoformat(),
                    payment.receipt,
                    payment.status,
                    payment.gateway,
                    payment.order_id,
                    payment.payment_id,
                    payment.amount,
                    payment.currency,
                    payment.refunded,
                    payment.appointment_id,
                    csv_safe(payment.appointment.doctor.display_name),
                    csv_safe(payment.appointment.patient.email),
                ]
            )
        return response


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("payment", "amount", "status", "attempts", "failures", "last_error", "created_at")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("payment__receipt", "razorpay_refund_id", "idempotency_key")
    list_select_related = ("payment",)


class WebhookFailedFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("yes", "Failed"), ("no", "Applied or ignored")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(WebhookEvent.failed())
        if self.value() == "no":
            return queryset.exclude(WebhookEvent.failed())
        return queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event", "event_id", "signature_valid", "outcome", "received_at", "processed_at")
    list_filter = (
        WebhookFailedFilter,
        "event",
        "signature_valid",
        ("received_at", admin.DateFieldListFilter),
    )
    search_fields = ("event_id", "outcome")
