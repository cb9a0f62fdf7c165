"""Django admin for consultations: read-only, for staff watching rooms.

Sessions change only through consultations.services. The message text is
medical data, so the admin shows the session, its history and message counts,
never the conversation; opening a session is written to the audit log. The
list shows who wrote last and when, so staff see the rooms that wait on the
doctor (the admin home counts those unanswered for more than 4 hours).
"""

from datetime import timedelta

from django.contrib import admin
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from consultations.models import Call, ConsultationEvent, ConsultationSession, Message
from core.admin_mixins import ReadOnlyAdminMixin
from core.audit import audit_record

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


class ConsultationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConsultationEvent
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(ConsultationSession)
class ConsultationSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "pk",
        "appointment",
        "status",
        "outcome",
        "last_message_at",
        "started_at",
        "completed_at",
        "created_at",
    )
    list_filter = (UnansweredFilter, "status", "outcome")
    list_select_related = ("appointment__doctor__user", "appointment__patient")
    search_fields = ("=appointment__pk",)
    show_full_result_count = False
    fields = (
        "appointment",
        "status",
        "outcome",
        "started_at",
        "completed_at",
        "closed_at",
        "created_at",
        "message_count",
    )
    readonly_fields = fields
    inlines = [ConsultationEventInline]

    def get_queryset(self, request):
        return with_last_message(super().get_queryset(request))

    @admin.display(description="last message", ordering="last_message_at")
    def last_message_at(self, obj):
        return obj.last_message_at

    @admin.display(description="messages")
    def message_count(self, obj):
        return obj.messages.count()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        session = (getattr(response, "context_data", None) or {}).get("original")
        if session is not None:
            audit_record(
                action="consultation.viewed",
                actor=request.user,
                target=session,
                subject=session.appointment.patient,
                request=request,
                detail="Django admin",
            )
        return response


@admin.register(Call)
class CallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The video calls' records (who, when, how long, audio or video); never
    their signalling, which carries the participants' network addresses."""

    list_display = ("pk", "session", "status", "created_at", "connected_at", "ended_at", "with_video")
    list_filter = ("status",)
    list_select_related = ("session",)
    search_fields = ("=session__pk", "=session__appointment__pk")
    fields = (
        "session",
        "started_by",
        "status",
        "created_at",
        "patient_joined_at",
        "connected_at",
        "last_seen_at",
        "ended_at",
        "ended_by",
        "doctor_video",
        "patient_video",
    )
    readonly_fields = fields

    @admin.display(boolean=True, description="video")
    def with_video(self, obj):
        return obj.with_video

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # When a patient consulted, and how, is part of their consultation's record:
        # opening it is logged as opening the session is.
        response = super().change_view(request, object_id, form_url, extra_context)
        call = (getattr(response, "context_data", None) or {}).get("original")
        if call is not None:
            audit_record(
                action="consultation.call_viewed",
                actor=request.user,
                target=call,
                subject=call.session.appointment.patient,
                request=request,
                detail="Django admin",
            )
        return response
