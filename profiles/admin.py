"""Django admin for profiles: reference data, patients, and the doctor verification queue.

Verification decisions go through profiles.services (doctor_verify / doctor_reject),
which own the rules, the notification and the audit row; admin only collects
the staff member's choice and reports the outcome.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.admin_mixins import ReadOnlyAdminMixin
from core.audit import audit_record
from profiles import services
from profiles.forms import RejectForm
from profiles.models import (
    City,
    Clinic,
    DoctorDocument,
    DoctorProfile,
    Language,
    Locality,
    PatientProfile,
    Qualification,
    Specialty,
)

Status = DoctorProfile.Status
only_get_and_post = require_http_methods(["GET", "POST"])


# --- Reference data -------------------------------------------------------------------


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "description")
    search_fields = ("name", "keywords")
    prepopulated_fields = {"slug": ("name",)}


class LocalityInline(admin.TabularInline):
    model = Locality
    extra = 0
    fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "slug")
    search_fields = ("name", "state")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [LocalityInline]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


# --- Patients ----------------------------------------------------------------------------


@admin.register(PatientProfile)
class PatientProfileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """View-only. The medical fields (blood group, allergies, conditions, emergency
    contact) are left out on purpose: every read of medical data must go through
    an audited view, and admin pages are not audited."""

    list_display = ("full_name", "user_email", "city")
    search_fields = ("full_name", "user__email", "phone")
    list_select_related = ("user", "city")
    fields = ("user", "full_name", "date_of_birth", "gender", "phone", "city", "time_zone", "updated_at")
    readonly_fields = ("updated_at",)

    @admin.display(description="email", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "city")


# --- Doctors: the verification queue -------------------------------------------------------


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0
    # Explicit fields, so admin does not build the formset a second time to find them.
    fields = ("degree", "institution", "year")


class ClinicInline(admin.StackedInline):
    model = Clinic
    extra = 0
    fields = ("name", "address", "city", "locality", "phone")
    # Removing a clinic depends on its bookings (refused while any are upcoming,
    # archived once any exist), which only the doctor's remove flow in
    # appointments checks; a delete box here would skip that.
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("city", "locality")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "locality":
            formfield.queryset = formfield.queryset.select_related("city")
            formfield.label_from_instance = lambda loc: f"{loc.name} ({loc.city.name})"
        if db_field.name in ("city", "locality"):
            # Each inline form gets a copy of this field; without a fixed list every
            # copy runs its own query for the <select>, one per clinic (N+1). iter()
            # first, or list() asks the iterator for its length: a COUNT query.
            formfield.choices = list(iter(formfield.choices))
        return formfield


class DoctorDocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What the doctor uploaded, to open and check; documents change only through the doctor."""

    model = DoctorDocument
    extra = 0
    can_delete = False
    fields = ("kind", "original_name", "file_size", "uploaded_at", "view_link")
    readonly_fields = fields

    def get_queryset(self, request):
        # str(document) names its doctor, shown on every row.
        return super().get_queryset(request).select_related("doctor__user")

    @admin.display(description="size")
    def file_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description="file")
    def view_link(self, obj):
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}">View</a>', reverse("profiles:document_download", args=[obj.pk]))


@admin.register(DoctorProfile)
class DoctorProfileAdmin(admin.ModelAdmin):
    """Pending doctors first, longest waiting first; approve or reject one or many."""

    list_display = (
        "name",
        "status",
        "verified",
        "registration_number",
        "registration_council",
        "submitted_at",
        "decided_at",
    )
    list_filter = ("status",)
    search_fields = ("full_name", "registration_number", "user__email")
    list_select_related = ("user",)
    actions = ["approve_selected", "reject_selected"]
    inlines = [QualificationInline, ClinicInline, DoctorDocumentInline]
    filter_horizontal = ("specialties", "languages")
    # What staff verify is the doctor's to change (profiles.services sends the
    # profile back to verification when it does); staff only decide.
    readonly_fields = (
        "user",
        *DoctorProfile.VERIFICATION_FIELDS,
        "status",
        "submitted_at",
        "decided_by",
        "decided_at",
        "rejection_reason",
    )
    fieldsets = (
        ("Doctor", {"fields": ("user", "full_name", "slug", "photo", "gender", "bio", "time_zone")}),
        (
            "Registration and practice",
            {
                "fields": (
                    "registration_number",
                    "registration_council",
                    "practising_since",
                    "specialties",
                    "languages",
                )
            },
        ),
        ("Consultations", {"fields": ("offers_online", "fee_online", "offers_in_person", "fee_in_person")}),
        (
            "Verification",
            {
                "description": "Changed only with the Approve and Reject buttons or actions.",
                "fields": ("status", "submitted_at", "decided_by", "decided_at", "rejection_reason"),
            },
        ),
    )

    # -- queue --

    def get_queryset(self, request):
        queryset = DoctorProfile.objects.select_related("user", "decided_by").annotate(
            queue_rank=Case(
                When(status=Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return queryset

    def get_ordering(self, request):
        # Not `ordering`: admin's checks accept only model fields there, not annotations.
        return ["queue_rank", F("submitted_at").asc(nulls_last=True), "full_name"]

    @admin.display(description="name", ordering="full_name")
    def name(self, obj):
        return obj.display_name

    @admin.display(description="verified", boolean=True, ordering="status")
    def verified(self, obj):
        return obj.is_verified

    # Profiles are created when a doctor registers, and removing one is done by
    # deactivating the account, which keeps its appointments and audit trail.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [*form.changed_data]
        if changed:
            audit_record(
                action="doctor.edited_by_staff",
                actor=request.user,
                target=obj,
                subject=obj.user,
                request=request,
                detail="Changed: " + ", ".join(changed),
            )

    def save_related(self, request, form, formsets, change):
        """After the profile, its specialties and its clinics are saved: staff
        edits skip profiles.services, so refresh what those would have (the
        search document now, the next free slot per mode after commit)."""
        super().save_related(request, form, formsets, change)
        services.doctor_derived_refresh(profile=form.instance)

    # -- bulk actions --

    @admin.action(description="Approve selected doctors", permissions=["change"])
    def approve_selected(self, request, queryset):
        approved, skipped = [], []
        for profile in queryset:
            if profile.status != Status.PENDING:
                skipped.append(profile)
                continue
            try:
                services.doctor_verify(profile=profile, actor=request.user, request=request)
            except services.VerificationError:
                # Decided by someone else since the list was loaded.
                skipped.append(profile)
            else:
                approved.append(profile)
        self._report(request, done=approved, skipped=skipped, verb="Approved")

    @admin.action(description="Reject selected doctors", permissions=["change"])
    def reject_selected(self, request, queryset):
        """Asks for the reason on an intermediate page, as delete_selected asks to confirm."""
        profiles = list(queryset)
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            rejected, skipped = [], []
            for profile in profiles:
                if profile.status != Status.PENDING:
                    skipped.append(profile)
                    continue
                try:
                    services.doctor_reject(
                        profile=profile,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        request=request,
                    )
                except services.VerificationError:
                    skipped.append(profile)
                else:
                    rejected.append(profile)
            self._report(request, done=rejected, skipped=skipped, verb="Rejected")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject doctors",
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "profiles": profiles,
            "pending": [p for p in profiles if p.status == Status.PENDING],
            "not_pending": [p for p in profiles if p.status != Status.PENDING],
            "bulk": True,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": reverse(
                "admin:profiles_doctorprofile_changelist", current_app=self.admin_site.name
            ),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/profiles/doctorprofile/reject.html", context)

    def _report(self, request, *, done, skipped, verb):
        if done:
            names = ", ".join(str(p) for p in done)
            self.message_user(request, f"{verb} {_doctors(len(done))}: {names}.", messages.SUCCESS)
        if skipped:
            names = ", ".join(f"{p} ({p.get_status_display().lower()})" for p in skipped)
            self.message_user(
                request,
                f"Skipped {_doctors(len(skipped))} not pending verification: {names}.",
                messages.WARNING,
            )

    # -- single approve / reject from the change page --

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        custom = [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(only_get_and_post(self.approve_view)),
                name="{}_{}_approve".format(*info),
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(only_get_and_post(self.reject_view)),
                name="{}_{}_reject".format(*info),
            ),
        ]
        # Before the defaults: their "<path:object_id>/" would swallow these.
        return custom + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_decide"] = (
            obj is not None and obj.status == Status.PENDING and self.has_change_permission(request, obj)
        )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _get_decidable(self, request, object_id):
        profile = get_object_or_404(self.get_queryset(request), pk=_int_or_404(unquote(object_id)))
        if not self.has_change_permission(request, profile):
            raise PermissionDenied
        return profile

    def _change_url(self, profile):
        return reverse(
            "admin:profiles_doctorprofile_change", args=[profile.pk], current_app=self.admin_site.name
        )

    def _not_pending(self, request, profile):
        self.message_user(
            request,
            f"Only pending profiles can be decided; {profile} is {profile.get_status_display().lower()}.",
            messages.ERROR,
        )
        return HttpResponseRedirect(self._change_url(profile))

    def _decision_page(self, request, profile, template, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": profile,
            "profile": profile,
            "cancel_url": self._change_url(profile),
            "media": self.media,
            **extra,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"admin/profiles/doctorprofile/{template}", context)

    def approve_view(self, request, object_id):
        """GET asks to confirm; only a POST approves."""
        profile = self._get_decidable(request, object_id)
        if profile.status != Status.PENDING:
            return self._not_pending(request, profile)
        if request.method == "POST":
            try:
                services.doctor_verify(profile=profile, actor=request.user, request=request)
            except services.VerificationError:
                # Decided by someone else between the page and the click.
                return self._not_pending(request, DoctorProfile.objects.get(pk=profile.pk))
            self.message_user(request, f"{profile} is verified and has been notified.", messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(profile))
        return self._decision_page(request, profile, "approve.html", title=f"Approve {profile}")

    def reject_view(self, request, object_id):
        """GET shows the reason form; a POST with a reason rejects."""
        profile = self._get_decidable(request, object_id)
        if profile.status != Status.PENDING:
            return self._not_pending(request, profile)
        form = RejectForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                services.doctor_reject(
                    profile=profile, actor=request.user, reason=form.cleaned_data["reason"], request=request
                )
            except services.VerificationError:
                return self._not_pending(request, DoctorProfile.objects.get(pk=profile.pk))
            except ValidationError as error:
                form.add_error("reason", error)
            else:
                self.message_user(request, f"{profile} is rejected and has been told why.", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(profile))
        return self._decision_page(
            request,
            profile,
            "reject.html",
            title=f"Reject {profile}",
            form=form,
            pending=[profile],
            not_pending=[],
            bulk=False,
        )


def _doctors(count):
    return ngettext("%(count)d doctor", "%(count)d doctors", count) % {"count": count}


def _int_or_404(value):
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise Http404("No such doctor") from error
