from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from core.views import public_media
from medconsult import views

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("terms/", views.terms, name="terms"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("patient/", views.patient_dashboard, name="patient_dashboard"),
    path("doctor/", views.doctor_dashboard, name="doctor_dashboard"),
    path("accounts/", include("accounts.urls")),
    path("", include("profiles.urls")),
    path("", include("appointments.urls")),
    path("", include("payments.urls")),
    path("", include("prescriptions.urls")),
    path("", include("prescriptions.records.urls")),
    path("", include("consultations.urls")),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
]

if settings.SERVE_MEDIA:
    # Public media only (profile photos); private files have their own views.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", public_media),
    ]
