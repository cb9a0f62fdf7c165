"""Django admin for consultations: read-only, for staff watching rooms.

Sessions change only through consultations.services. The message text is
medical data, so the admin shows the session, its history and message counts,
never the conversation; opening a session is written to the audit log.
"""

from django.contrib import admin

from consultations.models import Call, ConsultationEvent, ConsultationSession
from core.admin_mixins import ReadOnlyAdminMixin
from core.audit import audit_record


class ConsultationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConsultationEvent
    fields = ("at", "action", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(ConsultationSession)
class ConsultationSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "appointment", "status", "outcome", "started_at", "completed_at", "created_at")
    list_filter = ("status", "outcome")
    list_select_related = ("appointment__doctor__user", "appointment__patient")
    search_fields = ("=appointment__pk",)
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
