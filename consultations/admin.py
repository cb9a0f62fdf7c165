"""Consultations in Django admin: read-only, and without the messages
themselves (medical content, read only through the audited room). Staff see
which rooms wait on the doctor: the patient spoke last, hours ago."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from consultations.models import ConsultationSession, Message
from core.admin_mixins import ReadOnlyAdminMixin

UNANSWERED_AFTER = timedelta(hours=4)
LIVE = (
    ConsultationSession.Status.SCHEDULED,
    ConsultationSession.Status.IN_PROGRESS,
    ConsultationSession.Status.COMPLETED,
)


def with_last_message(queryset):
    """Each session with who wrote its latest message and when (two subqueries
    on the (session, created_at) order, no join that multiplies rows)."""
    latest = Message.objects.filter(session=OuterRef("pk")).order_by("-created_at", "-pk")
    return queryset.annotate(
        last_sender_id=Subquery(latest.values("sender_id")[:1]),
        last_message_at=Subquery(latest.values("created_at")[:1]),
    )


def unanswered(queryset, *, now=None):
    """Live sessions whose latest message is the patient's and older than 4 hours."""
    now = now or timezone.now()
    return with_last_message(queryset.filter(status__in=LIVE)).filter(
        last_sender_id=F("appointment__patient_id"), last_message_at__lt=now - UNANSWERED_AFTER
    )


class UnansweredFilter(admin.SimpleListFilter):
    title = "waiting for the doctor"
    parameter_name = "unanswered"

    def lookups(self, request, model_admin):
        return [("yes", "Patient's message unanswered for more than 4 hours")]

    def queryset(self, request, queryset):
        return unanswered(queryset) if self.value() == "yes" else queryset


@admin.register(ConsultationSession)
class ConsultationSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "appointment_id",
        "doctor",
        "patient",
        "status",
        "outcome",
        "last_message_at",
        "started_at",
    )
    list_filter = (UnansweredFilter, "status", "outcome")
    search_fields = ("appointment__doctor__full_name", "appointment__patient__email", "appointment__pk")
    list_select_related = ("appointment__doctor__user", "appointment__patient")
    ordering = ("-created_at",)
    show_full_result_count = False
    fields = ("appointment", "status", "outcome", "started_at", "completed_at", "closed_at", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return with_last_message(super().get_queryset(request))

    @admin.display(description="doctor")
    def doctor(self, obj):
        return obj.appointment.doctor.display_name

    @admin.display(description="patient")
    def patient(self, obj):
        return obj.appointment.patient.email

    @admin.display(description="last message", ordering="last_message_at")
    def last_message_at(self, obj):
        return obj.last_message_at
