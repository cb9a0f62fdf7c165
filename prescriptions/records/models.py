"""My Records: the patient's own uploaded reports and what they share with a doctor.

The rest of the record (appointments, prescriptions, consultations, payments)
belongs to the apps that write it; My Records only reads it. Nothing here is
ever deleted: a patient hides an upload (it leaves their list and every
doctor's view, and stays in the export and the audit trail), and renaming or
hiding it writes an audit row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from appointments.models import Appointment
from core.storage import private_storage


class MedicalReport(models.Model):
    """A report the patient uploaded: a lab result, a scan, a discharge summary."""

    class Kind(models.TextChoices):
        LAB = "LAB", "Lab report"
        IMAGING = "IMAGING", "Imaging"
        DISCHARGE = "DISCHARGE", "Discharge summary"
        VACCINATION = "VACCINATION", "Vaccination"
        OTHER = "OTHER", "Other"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="medical_reports"
    )
    title = models.CharField(max_length=120)
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    report_date = models.DateField("date of the report")
    file = models.FileField(storage=private_storage, upload_to="medical-reports/")
    original_name = models.CharField(max_length=255, help_text="The uploader's file name, for display only.")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(
        null=True, blank=True, help_text="Hidden by the patient; kept in the record."
    )

    class Meta:
        ordering = ["-report_date", "-id"]
        indexes = [models.Index(fields=["patient", "-report_date"], name="records_report_patient_date")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class RecordShare(models.Model):
    """One item of the patient's record that the doctor of `appointment` may see.

    The patient chooses these on the appointment's sharing page; the doctor sees
    them while their access to the patient lasts (records.access)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="record_shares")
    report = models.ForeignKey(
        MedicalReport, null=True, blank=True, on_delete=models.PROTECT, related_name="shares"
    )
    # A string: prescriptions.models imports this module.
    prescription = models.ForeignKey(
        "prescriptions.Prescription", null=True, blank=True, on_delete=models.PROTECT, related_name="shares"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "report"],
                condition=Q(report__isnull=False),
                name="records_share_report_once",
            ),
            models.UniqueConstraint(
                fields=["appointment", "prescription"],
                condition=Q(prescription__isnull=False),
                name="records_share_prescription_once",
            ),
            models.CheckConstraint(
                condition=Q(report__isnull=False, prescription__isnull=True)
                | Q(report__isnull=True, prescription__isnull=False),
                name="records_share_names_one_item",
            ),
        ]

    def __str__(self):
        return f"{self.report or self.prescription} shared for appointment {self.appointment_id}"
