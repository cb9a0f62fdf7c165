"""Django admin for appointments: a systemwide, read-only view for staff.

Appointments change only through appointments.services (one function per
transition, each writing its event and notifying people), so admin offers no
add, change or delete here: staff watch, the services act. The detail page
shows the reason for the visit and its history, which are another person's
medical data, so opening it is written to the audit log.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from appointments import lifecycle, services
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
from core.forms import CleanTextMixin
from core.templatetags.ui import rupees
from profiles.models import City, Clinic, Specialty


def _status_label(value):
    return Appointment.Status(value).label if value in Appointment.Status.values else value


class DoctorFilter(admin.RelatedOnlyFieldListFilter):
    """Only the doctors who have rows here, in one query: a dropdown of the whole
    directory would not scale, and finding any doctor by name is what search is for."""

    def field_admin_ordering(self, field, request, model_admin):
        # Not the doctor admin's ordering: that sorts by an annotation of its own
        # queryset (the verification queue), which this plain query lacks.
        return ("full_name",)


class SpecialtyFilter(admin.SimpleListFilter):
    title = "specialty"
    parameter_name = "specialty"

    def lookups(self, request, model_admin):
        return list(Specialty.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # Exists, not a join: a doctor with two specialties must not list a row twice.
        through = Specialty.doctors.through.objects.filter(
            doctorprofile_id=OuterRef("doctor_id"), specialty__slug=self.value()
        )
        return queryset.filter(Exists(through))


class CityFilter(admin.SimpleListFilter):
    """A clinic visit's city, or for a video consult the city of the doctor's clinics."""

    title = "city"
    parameter_name = "city"

    def lookups(self, request, model_admin):
        return list(City.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        doctor_in_city = Clinic._base_manager.filter(doctor_id=OuterRef("doctor_id"), city__slug=self.value())
        return queryset.filter(
            Q(clinic__city__slug=self.value()) | (Q(clinic__isnull=True) & Exists(doctor_in_city))
        )


class PaidFilter(admin.SimpleListFilter):
    """Paid or not, by appointments' own payment state (payments keeps it current)."""

    title = "paid"
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("yes", "Paid (incl. refunded)"), ("no", "Not paid")]

    def queryset(self, request, queryset):
        unpaid = Appointment.PaymentState.UNPAID
        if self.value() == "yes":
            return queryset.exclude(payment_state=unpaid)
        if self.value() == "no":
            return queryset.filter(payment_state=unpaid)
        return queryset


class DateRangeFilter(admin.FieldListFilter):
    """From and to dates (inclusive), typed in: the preset ranges of
    DateFieldListFilter cannot say "1 to 15 November"."""

    template = "admin/appointments/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.from_param, self.to_param = f"{field_path}_from", f"{field_path}_to"
        # FieldListFilter's __init__ takes our parameters out of `params` into used_parameters.
        super().__init__(field, request, params, model, model_admin, field_path)
        used = self.used_parameters
        self.form = DateRangeForm(
            {"start": _first(used.get(self.from_param)), "end": _first(used.get(self.to_param))}
        )
        self.title = f"{field.verbose_name} range"

    def expected_parameters(self):
        return [self.from_param, self.to_param]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if not self.form.is_valid():
            return queryset
        zone = timezone.get_current_timezone()
        start, end = self.form.cleaned_data["start"], self.form.cleaned_data["end"]
        if start:
            queryset = queryset.filter(**{f"{self.field_path}__gte": _midnight(start, zone)})
        if end:
            queryset = queryset.filter(**{f"{self.field_path}__lt": _midnight(end, zone, 1)})
        return queryset

    def choices(self, changelist):
        # One "choice": the form, with the page's other parameters kept as hidden fields.
        kept = [
            (key, value)
            for key, values in changelist.params.items()
            if key not in (self.from_param, self.to_param)
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "form": self.form,
            "kept": kept,
            "from_param": self.from_param,
            "to_param": self.to_param,
            "clear_url": changelist.get_query_string(remove=[self.from_param, self.to_param]),
        }


def _first(value):
    return value[-1] if isinstance(value, list) else value


def _midnight(day, zone, plus_days=0):
    return datetime.combine(day + timedelta(days=plus_days), time.min, zone)


class DateRangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class StaffCancelForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The patient and the doctor both read this.",
    )


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
        "mode",
        PaidFilter,
        "payment_state",
        ("start", admin.DateFieldListFilter),
        ("start", DateRangeFilter),
        SpecialtyFilter,
        CityFilter,
        ("doctor", DoctorFilter),
    )
    # Names and emails of both parties, or an appointment's number (get_search_results).
    search_fields = ("patient__email", "patient__full_name", "doctor__full_name", "doctor__user__email")
    search_help_text = "Patient or doctor name or email, or an appointment number."
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

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lstrip("#")
        if term.isdigit() and len(term) < 12:
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    # -- staff cancel (appointments.services.appointment_staff_cancel) --

    def get_urls(self):
        return [
            path(
                "<path:object_id>/cancel/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.cancel_view)),
                name="appointments_appointment_cancel",
            ),
            *super().get_urls(),
        ]

    def _may_cancel(self, request):
        # Not has_change_permission (nobody edits an appointment here): the
        # permission to change appointments is what lets staff cancel one.
        return request.user.has_perm("appointments.change_appointment")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_staff_cancel"] = (
            obj is not None
            and self._may_cancel(request)
            and obj.status_at(timezone.now()) in Appointment.ACTIVE
        )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def cancel_view(self, request, object_id):
        """GET asks for the reason; a POST with one cancels, refunds in full, tells both."""
        if not self._may_cancel(request):
            raise PermissionDenied
        if not unquote(object_id).isdigit():
            raise Http404("No such appointment")
        appointment = get_object_or_404(self.get_queryset(request), pk=int(unquote(object_id)))
        change_url = reverse("admin:appointments_appointment_change", args=[appointment.pk])
        form = StaffCancelForm(request.POST if request.method == "POST" else None)
        refusal = None
        try:
            lifecycle.check(appointment, action="staff_cancel", actor=request.user, now=timezone.now())
        except lifecycle.Refused as error:
            refusal = str(error)
        if refusal is None and form.is_bound and form.is_valid():
            try:
                services.appointment_staff_cancel(
                    appointment=appointment,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except services.BookingError as error:
                refusal = str(error)
            else:
                paid = appointment.payment_state == Appointment.PaymentState.PAID
                self.message_user(
                    request,
                    f"Cancelled. Patient and doctor are notified{'; the fee is refunded in full' if paid else ''}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Cancel appointment {appointment.pk}",
            "subtitle": None,
            "opts": self.opts,
            "original": appointment,
            "appointment": appointment,
            "form": form,
            "refusal": refusal,
            "cancel_url": change_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/appointments/appointment/cancel.html", context)

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
