"""The consultation room: one session per confirmed online appointment, its
messages and their attachments.

Messages are part of the medical record (CLINICAL.md: kept at least 3 years),
so nothing here is ever deleted: every foreign key protects its rows.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from appointments.models import Appointment
from core.storage import private_storage


class ConsultationSession(models.Model):
    """The room of one online appointment. Its status changes only through
    consultations.services, one function per move of consultations.lifecycle,
    each writing a ConsultationEvent. What depends only on the clock (open
    from 10 minutes before the start, read-only 7 days after completion) is
    derived by consultations.window, never written by a job."""

    class Status(models.TextChoices):
        SCHEDULED = "SCHEDULED", "Scheduled"  # waiting for the doctor to start
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"  # the follow-up window runs from completed_at
        CLOSED = "CLOSED", "Closed"  # ended without completion: read-only

    class Outcome(models.TextChoices):
        NONE = "", "—"
        COMPLETED = "COMPLETED", "Completed"
        NEEDS_IN_PERSON = "NEEDS_IN_PERSON", "Needs an in-person visit"
        DOCTOR_NO_SHOW = "DOCTOR_NO_SHOW", "Doctor did not join"
        CANCELLED = "CANCELLED", "Appointment cancelled"
        PATIENT_NO_SHOW = "PATIENT_NO_SHOW", "Patient did not join"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Consultation for appointment {self.appointment_id} ({self.status})"

    @property
    def patient_id(self):
        return self.appointment.patient_id

    @property
    def doctor_user_id(self):
        return self.appointment.doctor.user_id

    def is_participant(self, user) -> bool:
        return user.pk in (self.appointment.patient_id, self.appointment.doctor.user_id)


class ConsultationEvent(models.Model):
    """The history of one session: who moved it from what to what, when and why."""

    session = models.ForeignKey(ConsultationSession, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action}: {self.from_status or '—'} → {self.to_status}"


class Message(models.Model):
    """One message in a room, by the patient or the doctor. Never deleted.

    `client_id` is the sender's own id for the message (the composer makes one
    per typed message), unique per sender, so a retried send is stored once.
    `read_at` is when the other party first had it on screen.
    """

    session = models.ForeignKey(ConsultationSession, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(blank=True)
    client_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The doctor was nudged about this unanswered patient message (once per message).
    nudged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"], name="consult_msg_session_id")]
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="consult_msg_one_per_client_id"),
        ]

    def __str__(self):
        return f"Message {self.pk} in session {self.session_id}"


class Attachment(models.Model):
    """A file sent with a message: a JPEG, PNG or PDF, stored privately under a
    generated name. Images get a server-made thumbnail (EXIF stripped)."""

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="attachment")
    file = models.FileField(storage=private_storage, upload_to="consultation-files/")
    thumbnail = models.FileField(storage=private_storage, upload_to="consultation-thumbs/", blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
