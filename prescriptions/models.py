"""Prescriptions: the medicine catalogue, prescriptions and their items.

My Records' models live in their own module (prescriptions.records); these are
the prescription half. A prescription changes only through
prescriptions.services: a draft is edited freely, issuing renders the PDF once,
and an issued prescription is never edited again (a correction is a new version
that supersedes it; a revocation records why).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from appointments.models import Appointment
from core.storage import private_storage
from profiles.models import DoctorProfile, Gender


class TeleList(models.TextChoices):
    """The Telemedicine Practice Guidelines 2020 lists (shared/CLINICAL.md)."""

    O = "O", "List O (any teleconsultation)"  # noqa: E741 - the guidelines' own name
    A = "A", "List A (video first consultation, or a refill)"
    B = "B", "List B (add-on in a follow-up after an in-person visit)"
    PROHIBITED = "PROHIBITED", "Prohibited in teleconsultation"
    UNCLASSIFIED = "UNCLASSIFIED", "Unclassified"


class Medicine(models.Model):
    """One generic medicine by route (ciprofloxacin tablets and ciprofloxacin
    eye drops are two entries: the guidelines put only the drops on List A)."""

    name = models.CharField(
        max_length=120, unique=True, help_text="As the doctor picks it, e.g. 'Ciprofloxacin eye drops'."
    )
    generic_name = models.CharField(max_length=120, db_index=True)
    strengths = models.CharField(max_length=200, blank=True, help_text="Common strengths, comma-separated.")
    forms = models.CharField(max_length=120, blank=True, help_text="Common forms, comma-separated.")
    route = models.CharField(max_length=40, blank=True)
    tele_list = models.CharField(
        "telemedicine list",
        max_length=12,
        choices=TeleList.choices,
        default=TeleList.UNCLASSIFIED,
        db_index=True,
    )
    source = models.CharField(
        max_length=300,
        blank=True,
        help_text="What supports the classification. Required unless unclassified.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tele_list="UNCLASSIFIED") | ~models.Q(source=""),
                name="prescriptions_medicine_classified_has_source",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.tele_list != TeleList.UNCLASSIFIED and not self.source.strip():
            raise ValidationError({"source": "Name the source that puts this medicine on that list."})

    @property
    def strength_list(self):
        return [s.strip() for s in self.strengths.split(",") if s.strip()]

    @property
    def form_list(self):
        return [f.strip() for f in self.forms.split(",") if f.strip()]


class ConsultKind(models.TextChoices):
    """How the consultation was done, as the telemedicine lists distinguish it."""

    IN_PERSON = "IN_PERSON", "In person (clinic)"
    VIDEO = "VIDEO", "Online: video"
    AUDIO = "AUDIO", "Online: audio"
    TEXT = "TEXT", "Online: text (chat)"


class KindSource(models.TextChoices):
    """Where a prescription's consultation kind came from (issue 14): a qualifying
    video call in the consultation's call record, or the doctor's declaration."""

    CALL_RECORD = "CALL_RECORD", "call record"
    DECLARED = "DECLARED", "declared by the doctor"


class Prescription(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        ISSUED = "ISSUED", "Issued"
        SUPERSEDED = "SUPERSEDED", "Superseded"
        REVOKED = "REVOKED", "Revoked"

    # What a draft's editor writes; once issued none of these may change.
    CONTENT_FIELDS = (
        "consult_kind",
        "consult_kind_source",
        "same_condition_follow_up",
        "unrestricted_confirmed",
        "complaints",
        "diagnosis",
        "investigations",
        "advice",
        "follow_up_on",
        "patient_date_of_birth",
        "patient_gender",
    )

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="prescriptions")
    doctor = models.ForeignKey(DoctorProfile, on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    consult_kind = models.CharField(
        "how the consultation was done", max_length=10, choices=ConsultKind.choices
    )
    consult_kind_source = models.CharField(
        "where the kind comes from",
        max_length=12,
        choices=KindSource.choices,
        default=KindSource.DECLARED,
        help_text="Video from the call record when a call connected with video long enough; else declared.",
    )
    same_condition_follow_up = models.BooleanField(
        "follow-up for the same condition",
        default=False,
        help_text="The patient saw you earlier for this same condition.",
    )
    unrestricted_confirmed = models.BooleanField(
        "unclassified medicines are not restricted",
        default=False,
        help_text="You confirm that no unclassified or free-text medicine here is a restricted one.",
    )
    complaints = models.TextField(blank=True, max_length=2000)
    diagnosis = models.TextField("(provisional) diagnosis", blank=True, max_length=2000)
    investigations = models.TextField("investigations advised", blank=True, max_length=2000)
    advice = models.TextField(blank=True, max_length=2000)
    follow_up_on = models.DateField("follow-up date", null=True, blank=True)
    # Copied from the patient's profile when the draft starts; the doctor records
    # them here when the profile lacks them (a prescription needs both).
    patient_date_of_birth = models.DateField(null=True, blank=True)
    patient_gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)

    # Written once, at issue: what the PDF and the verification page show.
    verification_code = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    doctor_name = models.CharField(max_length=160, blank=True, editable=False)
    doctor_registration = models.CharField(max_length=200, blank=True, editable=False)
    patient_initials = models.CharField(max_length=12, blank=True, editable=False)
    pdf = models.FileField(storage=private_storage, upload_to="prescriptions/", blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_reason = models.CharField(max_length=500, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "status", "issued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="DRAFT") | ~models.Q(pdf_sha256=""),
                name="prescriptions_issued_has_pdf_hash",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="REVOKED") | ~models.Q(revoked_reason=""),
                name="prescriptions_revoked_has_reason",
            ),
            # One draft per appointment at a time: a second "write" continues the first.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(status="DRAFT"),
                name="prescriptions_one_draft_per_appointment",
            ),
        ]

    def __str__(self):
        return f"Prescription #{self.pk} v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        """An issued prescription's content never changes, whoever tries (a
        service, admin, a shell): only its status fields may move."""
        if self.pk is not None and not kwargs.get("force_insert"):
            stored = Prescription.objects.filter(pk=self.pk).values("status", *self.CONTENT_FIELDS).first()
            if stored is not None and stored["status"] != self.Status.DRAFT:
                changed = [name for name in self.CONTENT_FIELDS if getattr(self, name) != stored[name]]
                if changed:
                    raise ValidationError(
                        "An issued prescription cannot be edited: write a correction instead."
                    )
        super().save(*args, **kwargs)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_online(self):
        return self.consult_kind != ConsultKind.IN_PERSON


class PrescriptionItem(models.Model):
    class DurationUnit(models.TextChoices):
        DAYS = "DAYS", "days"
        WEEKS = "WEEKS", "weeks"
        MONTHS = "MONTHS", "months"

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    medicine = models.ForeignKey(Medicine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The generic name as prescribed: the catalogue's, or free text.
    name = models.CharField("medicine (generic name)", max_length=120)
    strength = models.CharField(max_length=60, blank=True)
    form = models.CharField(max_length=40, blank=True)
    dose = models.CharField(max_length=60, blank=True, help_text="e.g. 1 tablet")
    frequency = models.CharField(max_length=40, help_text="e.g. 1-0-1")
    duration = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    duration_unit = models.CharField(max_length=6, choices=DurationUnit.choices, default=DurationUnit.DAYS)
    route = models.CharField(max_length=40, blank=True)
    instructions = models.CharField(max_length=200, blank=True, help_text="e.g. after food")

    class Meta:
        ordering = ["prescription_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration__gte=1), name="prescriptions_item_positive_duration"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    @property
    def tele_list(self):
        return self.medicine.tele_list if self.medicine_id else TeleList.UNCLASSIFIED

    @property
    def duration_display(self):
        unit = self.get_duration_unit_display()
        return f"{self.duration} {unit[:-1] if self.duration == 1 else unit}"

    def _refuse_unless_draft(self):
        status = Prescription.objects.filter(pk=self.prescription_id).values_list("status", flat=True).first()
        if status not in (None, Prescription.Status.DRAFT):
            raise ValidationError("An issued prescription cannot be edited: write a correction instead.")


# My Records' models live in their own module; Django finds models through this one.
from prescriptions.records.models import MedicalReport, RecordShare  # noqa: E402, F401
