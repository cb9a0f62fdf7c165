"""MedConsult's admin site: the index says what needs action today, and the
site carries the pages that span apps (analytics, doctors who stopped practising)."""

import dataclasses
import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.forms import CleanTextMixin


class StopPractisingForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Each patient reads this in their cancellation message.",
    )
    deactivate = forms.BooleanField(
        required=False,
        label="Also deactivate the doctor's account",
        help_text="They can no longer log in, and leave search at once.",
    )


class AnalyticsForm(forms.Form):
    days = forms.TypedChoiceField(choices=[(30, "30 days"), (90, "90 days")], coerce=int, required=False)


class MedConsultAdminSite(admin.AdminSite):
    site_header = "MedConsult administration"
    site_title = "MedConsult admin"
    index_title = "Doctors, appointments and payments"
    index_template = "admin/medconsult/index.html"

    def index(self, request, extra_context=None):
        from medconsult.admin.tiles import action_tiles

        return super().index(request, {"tiles": action_tiles(), **(extra_context or {})})

    def get_urls(self):
        get_post = require_http_methods(["GET", "POST"])
        return [
            path("analytics/", self.admin_view(self.analytics_view), name="analytics"),
            path("doctors-stopped/", self.admin_view(self.doctors_stopped_view), name="doctors_stopped"),
            path(
                "doctors/<int:pk>/upcoming/",
                self.admin_view(get_post(self.doctor_upcoming_view)),
                name="doctor_upcoming",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, template, title, **context):
        request.current_app = self.name
        return TemplateResponse(
            request, template, {**self.each_context(request), "title": title, "subtitle": None, **context}
        )

    # -- analytics --

    def analytics_view(self, request):
        from medconsult.admin import charts
        from medconsult.admin.analytics import figures

        form = AnalyticsForm(request.GET)
        days = (form.is_valid() and form.cleaned_data["days"]) or 30
        data = figures(days=days)
        fmt_rupees = _rupees
        daily_labels = [day.strftime("%-d %b") for day, *_ in data.daily]
        return self._page(
            request,
            "admin/medconsult/analytics.html",
            "Analytics",
            form=form,
            data=data,
            windows=[30, 90],
            # The charts and tables are a pure function of the figures, so their markup
            # is cached under a digest of them (rendering 90 days costs ~40-70 ms);
            # the charts are built lazily (the template calls them) on a miss only.
            digest=_digest(data),
            bookings_chart=lambda: charts.grouped_bars(
                [
                    (label, held, confirmed)
                    for label, (_, held, confirmed, _, _) in zip(daily_labels, data.daily, strict=True)
                ],
                series=[("held", "series-a"), ("confirmed", "series-b")],
                label_every=7 if days <= 30 else 21,
            ),
            money_chart=lambda: charts.grouped_bars(
                [
                    (label, rev // 100, ref // 100)
                    for label, (_, _, _, rev, ref) in zip(daily_labels, data.daily, strict=True)
                ],
                series=[("revenue", "series-b"), ("refunds", "series-c")],
                fmt=fmt_rupees,
                label_every=7 if days <= 30 else 21,
            ),
            mode_chart=lambda: charts.horizontal_bars(data.by_mode),
            specialty_chart=lambda: charts.horizontal_bars(data.top_specialties),
            city_chart=lambda: charts.horizontal_bars(data.top_cities),
            verified_chart=lambda: charts.grouped_bars(
                [(week.strftime("%-d %b"), n) for week, n in data.weekly_verified],
                series=[("verified", "series-b")],
                label_every=1 if days <= 30 else 4,
                width=480,
            ),
        )

    # -- doctors who stopped practising --

    def doctors_stopped_view(self, request):
        from appointments.models import Appointment
        from profiles.models import DoctorProfile

        if not request.user.has_perm("appointments.view_appointment"):
            raise PermissionDenied
        now = timezone.now()
        upcoming = Appointment.objects.filter(Appointment.upcoming(now), doctor=OuterRef("pk"))
        doctors = (
            DoctorProfile.objects.filter(
                Q(user__is_active=False) | ~Q(status=DoctorProfile.Status.VERIFIED), Exists(upcoming)
            )
            .select_related("user")
            .annotate(
                upcoming=Subquery(
                    upcoming.order_by().values("doctor").annotate(n=Count("pk")).values("n")[:1]
                )
            )
            .order_by("full_name")
        )
        return self._page(
            request,
            "admin/medconsult/doctors_stopped.html",
            "Doctors who stopped practising",
            doctors=doctors,
        )

    def doctor_upcoming_view(self, request, pk):
        from accounts.services import user_deactivate
        from appointments import services
        from profiles.models import DoctorProfile

        if not request.user.has_perm("appointments.view_appointment"):
            raise PermissionDenied
        doctor = get_object_or_404(DoctorProfile.objects.select_related("user").with_bookable(), pk=pk)
        form = StopPractisingForm(request.POST if request.method == "POST" else None)
        if form.is_bound:
            if not request.user.has_perm("appointments.change_appointment"):
                raise PermissionDenied
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                try:
                    # All or nothing: the account and every cancellation, or none of them.
                    with transaction.atomic():
                        if form.cleaned_data["deactivate"]:
                            user_deactivate(user=doctor.user, actor=request.user, request=request)
                        cancelled = services.doctor_appointments_cancel(
                            doctor=doctor, actor=request.user, reason=reason, request=request
                        )
                except services.BookingError as error:
                    form.add_error(None, str(error))
                else:
                    _report_stop(request, doctor, cancelled, form.cleaned_data["deactivate"])
                    return HttpResponseRedirect(reverse("admin:doctor_upcoming", args=[doctor.pk]))
        appointments = list(services.doctor_upcoming_appointments(doctor))
        return self._page(
            request,
            "admin/medconsult/doctor_upcoming.html",
            f"Upcoming appointments of {doctor}",
            doctor=doctor,
            appointments=appointments,
            form=form,
            alternatives=services.alternatives_for(doctor),
        )


def _report_stop(request, doctor, cancelled, deactivated):
    done = f"Cancelled {len(cancelled)} upcoming appointment{'s' if len(cancelled) != 1 else ''} of {doctor}"
    paid = sum(1 for a in cancelled if a.payment_state != "UNPAID")
    if paid:
        done += f"; {paid} paid, refunded in full"
    if deactivated:
        done += "; the account is deactivated"
    messages.success(request, done + ". Each patient has been told why.")


def _digest(data) -> str:
    figures_only = dataclasses.replace(data, computed_at=None, live_days=0)
    return hashlib.sha256(repr((timezone.get_current_timezone_name(), figures_only)).encode()).hexdigest()


def _rupees(whole_rupees):
    from core.templatetags.ui import rupees

    return f"₹{rupees(int(whole_rupees) * 100)}"
