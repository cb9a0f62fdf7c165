"""Django admin for appointments: a systemwide, read-only view for staff.

Appointments change only through appointments.services (one function per
transition, each writing its event and notifying people), so admin offers no
add, change or delete here: staff watch, the services act. The detail page
shows the reason for the visit and its history, which are another person's
medical data, so opening it is written to the audit log.
"""

from django.contrib import admin
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
)
from appointments.notices import when
from core.admin_mixins import ReadOnlyAdminMixin
from core.audit import audit_record
from core.templatetags.ui import rupees


def _status_label(value):
    return Appointment.Status(value).label if value in Appointment.Status.values else value


class DoctorFilter(admin.RelatedOnlyFieldListFilter):
    """Only the doctors who have rows here, in one query: a dropdown of the whole
    directory would not scale, and finding any doctor by name is what search is for."""

    def field_admin_ordering(self, field, request, model_admin):
        # Not the doctor admin's ordering: that sorts by an annotation of its own
        # queryset (the verification queue), which this plain query lacks.
        return ("full_name",)


def _all_fields(model):
    return tuple(f.name for f in model._meta.fields if not f.primary_key)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Viewable by staff with the view permission, changeable by nobody.

    Subclasses list every field as read-only, so the view page builds no form
    (a form's doctor dropdown would load the whole directory).
    """


class AppointmentEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    verbose_name = "history entry"
    verbose_name_plural = "history"
    fields = ("at", "actor", "from_label", "to_label", "reason", "old_start", "old_end")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="from")
    def from_label(self, obj):
        return _status_label(obj.from_status) or "—"

    @admin.display(description="to")
    def to_label(self, obj):
        return _status_label(obj.to_status)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("starts", "doctor", "patient_name", "mode", "shown_status", "payment_state", "fee_rupees")
    list_filter = (
        "status",
        "payment_state",
        "mode",
        ("start", admin.DateFieldListFilter),
        ("doctor", DoctorFilter),
    )
    search_fields = ("patient__email", "patient__full_name", "doctor__full_name", "reason")
    date_hierarchy = "start"
    ordering = ("-start",)
    list_select_related = ("doctor__user", "patient")
    # A filtered page would otherwise count the whole table a second time.
    show_full_result_count = False
    inlines = [AppointmentEventInline]
    fields = (
        "doctor",
        "patient",
        "mode",
        "clinic",
        "start",
        "end",
        "shown_status",
        "reason",
        "fee_rupees",
        "hold_expires_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("doctor__user", "patient", "clinic")

    @admin.display(description="start", ordering="start")
    def starts(self, obj):
        # In the viewer's zone (the time-zone middleware activates it), named.
        return when(obj.start, timezone.get_current_timezone())

    @admin.display(description="status", ordering="status")
    def shown_status(self, obj):
        # A lapsed hold reads as expired here too, whether or not expire_holds has run.
        return obj.get_shown_status_display()

    @admin.display(description="patient", ordering="patient__full_name")
    def patient_name(self, obj):
        return f"{obj.patient.get_full_name()} <{obj.patient.email}>"

    @admin.display(description="fee (₹)", ordering="fee")
    def fee_rupees(self, obj):
        return rupees(obj.fee)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Only a rendered page was read; a redirect (no such appointment) was not.
        appointment = (getattr(response, "context_data", None) or {}).get("original")
        if appointment is not None:
            audit_record(
                action="appointment.viewed",
                actor=request.user,
                target=appointment,
                subject=appointment.patient,
                request=request,
                detail="Django admin",
            )
        return response


# --- Availability ------------------------------------------------------------------------


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(ReadOnlyAdmin):
    list_display = ("doctor", "weekday", "start", "end", "slot_minutes", "mode", "clinic")
    list_filter = ("mode", "weekday", ("doctor", DoctorFilter))
    search_fields = ("doctor__full_name", "doctor__user__email")
    list_select_related = ("doctor__user", "clinic")
    ordering = ("doctor__full_name", "weekday", "start")
    fields = readonly_fields = _all_fields(AvailabilityRule)


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(ReadOnlyAdmin):
    list_display = ("doctor", "kind", "date", "end_date", "start", "end", "mode", "note")
    list_filter = ("kind", ("date", admin.DateFieldListFilter), ("doctor", DoctorFilter))
    search_fields = ("doctor__full_name", "doctor__user__email", "note")
    list_select_related = ("doctor__user", "clinic")
    date_hierarchy = "date"
    ordering = ("-date", "start")
    fields = readonly_fields = _all_fields(AvailabilityException)


@admin.register(BookingSettings)
class BookingSettingsAdmin(ReadOnlyAdmin):
    list_display = ("doctor", "min_notice_minutes", "horizon_days", "approval_required")
    list_filter = ("approval_required",)
    search_fields = ("doctor__full_name", "doctor__user__email")
    list_select_related = ("doctor__user",)
    ordering = ("doctor__full_name",)
    fields = readonly_fields = _all_fields(BookingSettings)
