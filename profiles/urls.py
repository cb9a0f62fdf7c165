from django.urls import path

from profiles import views
from profiles.search import views as views_search

app_name = "profiles"

urlpatterns = [
    # The search page; "doctors/<slug>/" below is one doctor's own page.
    path("doctors/", views_search.doctor_search, name="search"),
    path("find/city/", views_search.choose_city, name="choose_city"),
    path("find/<slug:city>/", views_search.landing_city, name="landing_city"),
    path("find/<slug:city>/<slug:specialty>/", views_search.landing_specialty, name="landing_specialty"),
    path("doctors/<slug:slug>/", views.doctor_page, name="doctor_page"),
    path("doctor/profile/", views.doctor_profile, name="doctor_profile"),
    path("doctor/profile/photo/", views.doctor_photo, name="doctor_photo"),
    path("doctor/profile/signature/", views.doctor_signature, name="doctor_signature"),
    path("doctor/profile/qualifications/", views.doctor_qualification_add, name="qualification_add"),
    path(
        "doctor/profile/qualifications/<int:pk>/remove/",
        views.doctor_qualification_remove,
        name="qualification_remove",
    ),
    path("doctor/profile/clinics/", views.doctor_clinic_add, name="clinic_add"),
    path("doctor/profile/clinics/localities/", views.doctor_clinic_localities, name="clinic_localities"),
    path("doctor/profile/documents/", views.doctor_document_upload, name="document_upload"),
    path("doctor/profile/submit/", views.doctor_submit, name="doctor_submit"),
    path("documents/doctor/<int:pk>/", views.doctor_document_download, name="document_download"),
    path("patient/profile/", views.patient_profile, name="patient_profile"),
]
