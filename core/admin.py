import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path

from core.admin_mixins import ReadOnlyAdminMixin
from core.audit import audit_record
from core.models import AuditLog, EmailAttempt, Notification
from core.text import csv_safe


class EmailInputFilter(admin.ListFilter):
    """Filter by a person's email, typed in: a dropdown of every user would not scale."""

    template = "admin/core/email_filter.html"
    field_path = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.parameter_name = f"{self.field_path}_email"
        value = params.pop(self.parameter_name, None)
        self.value = (value[-1] if isinstance(value, list) else value or "").strip()

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.parameter_name]

    def queryset(self, request, queryset):
        if self.value:
            return queryset.filter(**{f"{self.field_path}__email__iexact": self.value})
        return queryset

    def choices(self, changelist):
        kept = [
            (key, value)
            for key, values in changelist.params.items()
            if key != self.parameter_name
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "name": self.parameter_name,
            "value": self.value,
            "kept": kept,
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }


class ActorFilter(EmailInputFilter):
    title = "user (who acted)"
    field_path = "actor"


class SubjectFilter(EmailInputFilter):
    title = "patient (whose data)"
    field_path = "subject"


AUDIT_CSV_COLUMNS = (
    "created_at",
    "action",
    "outcome",
    "actor_email",
    "target_type",
    "target_id",
    "target",
    "subject_email",
    "ip_address",
    "detail",
)


class _Echo:
    def write(self, value):
        return value


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Readable by staff, changeable by nobody; exported as CSV with the list's filters."""

    list_display = ("created_at", "action", "outcome", "actor", "target_repr", "subject", "ip_address")
    list_filter = (
        ActorFilter,
        SubjectFilter,
        "target_type",
        "action",
        "outcome",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("target_repr", "actor__email", "subject__email", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("actor", "subject")
    readonly_fields = [f.name for f in AuditLog._meta.fields]
    change_list_template = "admin/core/auditlog/change_list.html"
    show_full_result_count = False

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="core_auditlog_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The rows the list shows with the same filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = (
            changelist.get_queryset(request).select_related("actor", "subject").order_by("created_at", "pk")
        )
        exported = audit_record(
            action="audit.exported",
            actor=request.user,
            request=request,
            detail=request.GET.urlencode()[:500],
        )
        rows = rows.exclude(pk=exported.pk)  # the export's own row is not what was asked for
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(AUDIT_CSV_COLUMNS)
            for entry in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        entry.created_at.isoformat(),
                        csv_safe(entry.action),
                        entry.outcome,
                        csv_safe(entry.actor.email if entry.actor else ""),
                        csv_safe(entry.target_type),
                        csv_safe(entry.target_id),
                        csv_safe(entry.target_repr),
                        csv_safe(entry.subject.email if entry.subject else ""),
                        entry.ip_address or "",
                        csv_safe(entry.detail),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        return response


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
