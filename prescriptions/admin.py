"""Prescriptions in Django admin.

Staff classify catalogue medicines here; every change (and every addition) is
written to the audit log with the list before and after and the source given.
Prescriptions are not shown here: they are patients' medical data, read only
through the prescriptions pages that check who asks and log it.
"""

from django.contrib import admin

from core.audit import audit_record
from prescriptions.models import Medicine


@admin.register(Medicine)
class MedicineAdmin(admin.ModelAdmin):
    list_display = ("name", "generic_name", "route", "tele_list", "source")
    list_filter = ("tele_list", "route")
    search_fields = ("name", "generic_name")
    fields = ("name", "generic_name", "strengths", "forms", "route", "tele_list", "source")

    def has_delete_permission(self, request, obj=None):
        # Prescriptions refer to catalogue entries; the record keeps them.
        return False

    def save_model(self, request, obj, form, change):
        before = form.initial.get("tele_list", "") if change else ""
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) or "nothing"
        audit_record(
            action="medicine.classify" if "tele_list" in form.changed_data else "medicine.change",
            actor=request.user,
            target=obj,
            request=request,
            detail=f"list {before or '—'} -> {obj.tele_list}; changed: {changed}; source: {obj.source}",
        )
