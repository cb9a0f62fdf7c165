from django.contrib import admin

from core.admin_mixins import ReadOnlyAdminMixin
from core.models import AuditLog, EmailAttempt, Notification


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Readable by staff, changeable by nobody."""

    list_display = ("created_at", "action", "outcome", "actor", "target_repr", "subject", "ip_address")
    list_filter = ("action", "outcome", ("created_at", admin.DateFieldListFilter))
    search_fields = ("target_repr", "actor__email", "subject__email", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "subject")
    readonly_fields = [f.name for f in AuditLog._meta.fields]


class EmailAttemptInline(admin.TabularInline):
    model = EmailAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "succeeded", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "email_status", "email_attempts", "read_at")
    list_filter = ("email_status", "kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("user__email", "title")
    list_select_related = ("user",)
    inlines = [EmailAttemptInline]
    exclude = ("email_html", "email_attachment")
    readonly_fields = [
        f.name for f in Notification._meta.fields if f.name not in {"email_html", "email_attachment"}
    ]

    def has_add_permission(self, request):
        return False
