from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import User
from core.audit import audit_record


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "full_name",
        "role",
        "is_active",
        "email_verified_at",
        "date_joined",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("email", "full_name")
    readonly_fields = ("is_staff", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "role")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("email_verified_at", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        """Staff changes to an account are audited; a doctor deactivated here
        is pointed at the page that cancels what they still have booked."""
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name not in ("password1", "password2")]
        if not changed:
            return
        audit_record(
            action="account.edited_by_staff" if change else "account.created_by_staff",
            actor=request.user,
            target=obj,
            subject=obj,
            request=request,
            detail="Changed: " + ", ".join(changed),
        )
        profile_id = getattr(getattr(obj, "doctor_profile", None), "pk", None)
        if change and "is_active" in changed and not obj.is_active and profile_id:
            self.message_user(
                request,
                format_html(
                    'The doctor is deactivated. <a href="{}">See and cancel their upcoming appointments</a>.',
                    reverse("admin:doctor_upcoming", args=[profile_id]),
                ),
                messages.WARNING,
            )
