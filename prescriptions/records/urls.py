from django.urls import path

from prescriptions.records import views

app_name = "records"

urlpatterns = [
    path("records/", views.index, name="index"),
    path("records/reports/new/", views.report_upload, name="report_upload"),
    path("records/reports/<int:pk>/", views.report_edit, name="report_edit"),
    path("records/reports/<int:pk>/hide/", views.report_hide, name="report_hide"),
    path("records/reports/<int:pk>/show/", views.report_unhide, name="report_unhide"),
    path("records/reports/<int:pk>/file/", views.report_file, name="report_file"),
    path("records/appointments/<int:pk>/share/", views.share, name="share"),
    path("records/appointments/<int:pk>/patient/", views.patient_history, name="patient_history"),
    path("records/consultations/<int:pk>/", views.transcript, name="transcript"),
    path("records/consultations/<int:pk>/pdf/", views.transcript_pdf, name="transcript_pdf"),
    path(
        "records/shared/prescriptions/<int:pk>/pdf/",
        views.shared_prescription_pdf,
        name="shared_prescription_pdf",
    ),
    path("records/export/", views.export_zip, name="export"),
    path("records/export/schema/", views.export_schema, name="export_schema"),
]
