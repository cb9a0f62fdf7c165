"""Writing prescriptions: one function per transition.

DRAFT -> ISSUED -> SUPERSEDED (by a correction's issue) | REVOKED (with a reason).
A draft is edited freely; issuing checks everything (items, the patient's age
and gender, the telemedicine rules), renders the PDF once and stores it with its
SHA-256; after that nothing edits it.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from consultations import selectors as consultation_selectors
from core.notifications import absolute_url, notify
from core.uploads import generated_name
from prescriptions import selectors
from prescriptions.models import (
    ConsultKind,
    KindSource,
    Prescription,
    PrescriptionItem,
    TeleList,
)
from prescriptions.rules import Consultation, may_prescribe
from profiles.models import DoctorProfile, Mode, PatientProfile

Status = Prescription.Status

# Appointments a prescription may be written for.
PRESCRIBABLE = (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED)

ITEM_FIELDS = (
    "name",
    "strength",
    "form",
    "dose",
    "frequency",
    "duration",
    "duration_unit",
    "route",
    "instructions",
)


class PrescriptionError(Exception):
    """A refusal with a message for the doctor."""


@dataclass
class IssueRefused(PrescriptionError):
    """Issuing was refused: `errors` for the whole prescription, `item_errors` by item position."""

    errors: list
    item_errors: dict

    def __str__(self):
        return " ".join([*self.errors, *self.item_errors.values()])


class RenderFailed(PrescriptionError):
    pass


def follow_up_since(appointment):
    """The start of the follow-up period that ends at `appointment`'s start."""
    days = round(settings.PRESCRIPTION_FOLLOW_UP_MONTHS * 365.25 / 12)
    return appointment.start - timedelta(days=days)


def consultation_facts(prescription) -> Consultation:
    """What the rules need about the prescription's consultation (one query)."""
    earlier = selectors.earlier_consultations(
        appointment=prescription.appointment, since=follow_up_since(prescription.appointment)
    )
    follow_up = prescription.same_condition_follow_up and bool(earlier)
    return Consultation(
        kind=prescription.consult_kind,
        follow_up=follow_up,
        after_in_person=follow_up and any(mode == Mode.IN_PERSON for mode, _ in earlier),
        follow_up_months=settings.PRESCRIPTION_FOLLOW_UP_MONTHS,
    )


def item_verdicts(prescription, items):
    """{position: Verdict} for each item the rules refuse (empty: all allowed)."""
    consultation = consultation_facts(prescription)
    if consultation.kind == ConsultKind.IN_PERSON:
        return {}
    earlier = selectors.earlier_generic_names(
        patient=prescription.patient,
        before=timezone.now(),
        exclude_ids=[prescription.supersedes_id] if prescription.supersedes_id else [],
    )
    refused = {}
    prohibited = None
    for item in items:
        generic = (item.medicine.generic_name if item.medicine_id else item.name).strip().lower()
        tele_list = item.tele_list
        if not item.medicine_id:
            # Free text ("Tramadol 50mg", "paracetamol + tramadol") that names a prohibited
            # medicine is that medicine: the doctor's "not restricted" tick cannot pass it.
            prohibited = selectors.prohibited_names() if prohibited is None else prohibited
            if names_any(item.name, prohibited):
                tele_list = TeleList.PROHIBITED
        verdict = may_prescribe(
            name=item.name,
            tele_list=tele_list,
            consultation=consultation,
            continues_earlier=generic in earlier,
            confirmed_unrestricted=prescription.unrestricted_confirmed,
        )
        if not verdict.allowed:
            refused[item.position] = verdict
    return refused


def names_any(text, names) -> bool:
    """Whether `text` contains one of the lower-cased `names` as whole words."""
    lowered = (text or "").lower()
    return any(re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered) for name in names)


def _check_doctor(appointment, actor):
    if appointment.doctor.user_id != actor.pk:
        raise PrescriptionError("Only the appointment's doctor can write its prescription.")
    if appointment.status not in PRESCRIBABLE:
        raise PrescriptionError(
            "A prescription can be written for a confirmed or completed appointment only."
        )


def _kind_for(appointment):
    return ConsultKind.IN_PERSON if appointment.mode == Mode.IN_PERSON else ConsultKind.VIDEO


def video_from_call_record(appointment, *, now=None) -> bool:
    """Whether the appointment's consultation counts as by video from its call
    record (a call connected with video on both sides for at least
    VIDEO_CONSULT_MIN_SECONDS: consultations decides). Two queries; False for an
    in-person appointment or one without a consultation room."""
    if appointment.mode == Mode.IN_PERSON:
        return False
    session_id = consultation_selectors.session_ids_by_appointment([appointment.pk]).get(appointment.pk)
    return session_id is not None and consultation_selectors.consulted_by_video(session_id, now=now)


def _settle_kind(draft, *, now=None) -> None:
    """Set the draft's consultation kind and where it came from: in person from
    the booking; online, VIDEO from the call record when a qualifying call
    exists, else the doctor's declaration stands and is recorded as declared."""
    if draft.appointment.mode == Mode.IN_PERSON:
        draft.consult_kind = ConsultKind.IN_PERSON
        draft.consult_kind_source = KindSource.DECLARED
        return
    if draft.consult_kind not in ConsultKind.values or draft.consult_kind == ConsultKind.IN_PERSON:
        draft.consult_kind = ConsultKind.VIDEO
    if video_from_call_record(draft.appointment, now=now):
        draft.consult_kind = ConsultKind.VIDEO
        draft.consult_kind_source = KindSource.CALL_RECORD
    else:
        draft.consult_kind_source = KindSource.DECLARED


def prescription_start(*, appointment, actor) -> Prescription:
    """The appointment's draft: the one already started, or a new one with the
    patient's date of birth and gender copied from their profile.

    Side effects: none beyond the row.
    """
    _check_doctor(appointment, actor)
    with transaction.atomic():
        Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
        draft = Prescription.objects.filter(appointment=appointment, status=Status.DRAFT).first()
        if draft is not None:
            return draft
        profile = PatientProfile.objects.filter(user_id=appointment.patient_id).first()
        draft = Prescription(
            appointment=appointment,
            doctor=appointment.doctor,
            patient=appointment.patient,
            consult_kind=_kind_for(appointment),
            patient_date_of_birth=profile.date_of_birth if profile else None,
            patient_gender=profile.gender if profile else "",
        )
        _settle_kind(draft)
        draft.save(force_insert=True)
        return draft


def _locked_draft(prescription):
    current = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if current.status != Status.DRAFT:
        raise PrescriptionError(
            "This prescription is already issued and cannot be edited: write a correction instead."
        )
    return current


def prescription_save_draft(*, prescription, actor, fields: dict, items: list[dict]) -> Prescription:
    """Replace the draft's fields and items with what the doctor wrote.

    `items` are dicts of ITEM_FIELDS (plus `medicine`, resolved here from the
    name when absent). An in-person appointment's kind is always IN_PERSON; an
    online one's is VIDEO from the call record when a qualifying call exists,
    else what the doctor declares (video, audio or text): see `_settle_kind`.
    Side effects: none beyond the rows.
    """
    if prescription.doctor.user_id != actor.pk:
        raise PrescriptionError("Only the prescription's doctor can edit it.")
    with transaction.atomic():
        draft = _locked_draft(prescription)
        for name, value in fields.items():
            if name in Prescription.CONTENT_FIELDS:
                setattr(draft, name, value)
        if draft.patient_date_of_birth is None or not draft.patient_gender:
            # Given in the profile since the draft started: take it from there.
            profile = PatientProfile.objects.filter(user_id=draft.patient_id).first()
            if profile is not None:
                draft.patient_date_of_birth = draft.patient_date_of_birth or profile.date_of_birth
                draft.patient_gender = draft.patient_gender or profile.gender
        _settle_kind(draft)
        draft.save()
        # The draft is locked and still a draft: its items may be replaced in bulk.
        PrescriptionItem.objects.filter(prescription=draft).delete()
        rows = []
        # One lookup for every row: a 60-item draft costs what a one-item one does.
        catalogue = selectors.medicines_matching(
            item.get("name") for item in items if item.get("medicine") is None
        )
        for position, item in enumerate(items):
            medicine = item.get("medicine", None)
            if medicine is None:
                medicine = catalogue.get(selectors.matching_key(item.get("name")))
            rows.append(
                PrescriptionItem(
                    prescription=draft,
                    position=position,
                    medicine=medicine,
                    **{name: item.get(name) for name in ITEM_FIELDS if item.get(name) is not None},
                )
            )
        PrescriptionItem.objects.bulk_create(rows)
    return draft


def _issue_errors(draft, items):
    errors = []
    if not items:
        errors.append("Add at least one medicine.")
    if draft.patient_date_of_birth is None or not draft.patient_gender:
        errors.append("Record the patient's date of birth and gender: a prescription must state both.")
    if draft.same_condition_follow_up and not selectors.earlier_consultations(
        appointment=draft.appointment, since=follow_up_since(draft.appointment)
    ):
        errors.append(
            f"There is no completed consultation with this patient in the last "
            f"{settings.PRESCRIPTION_FOLLOW_UP_MONTHS} months, so this cannot be a follow-up."
        )
    for item in items:
        if not item.frequency.strip() or item.duration < 1:
            errors.append(f"{item.name}: give a frequency and a positive duration.")
    return errors


def _initials(name):
    parts = [part for part in name.replace(".", " ").split() if part[:1].isalpha()]
    return ".".join(part[0].upper() for part in parts[:4]) + ("." if parts else "")


def _registration(doctor):
    parts = [doctor.registration_number, doctor.registration_council]
    return ", ".join(part for part in parts if part)


def prescription_issue(*, prescription, actor, now=None) -> Prescription:
    """Issue a draft: check it, render and store the PDF, and make it final.

    Refused (IssueRefused) without items, without the patient's age and gender,
    or when the telemedicine rules refuse an item; refused (PrescriptionError)
    while the doctor's profile is not VERIFIED; RenderFailed leaves the draft
    a draft. A correction's issue marks the prescription it corrects SUPERSEDED.
    Side effects: the PDF file in private storage; a notification (in-app, and an
    email with a link, never the file) to the patient; one to the patient about
    the superseded one is not sent separately (the new one says it replaces it).
    """
    from prescriptions.pdf import render_pdf  # WeasyPrint takes ~0.7 s to import: only when issuing

    if prescription.doctor.user_id != actor.pk:
        raise PrescriptionError("Only the prescription's doctor can issue it.")
    now = now or timezone.now()
    with transaction.atomic():
        draft = _locked_draft(prescription)
        appointment = Appointment.objects.select_for_update().get(pk=draft.appointment_id)
        if appointment.status not in PRESCRIBABLE:
            raise PrescriptionError(
                "A prescription can be issued for a confirmed or completed appointment only."
            )
        if draft.doctor.status != DoctorProfile.Status.VERIFIED:
            # What the PDF and the public verification page state must have been checked.
            raise PrescriptionError(
                "Your profile is not verified at the moment (a change to your name or registration "
                "is being checked, or verification was refused), so prescriptions cannot be issued. "
                "The draft is kept: issue it once your profile is verified."
            )
        previous = None
        if draft.supersedes_id:
            previous = Prescription.objects.select_for_update().get(pk=draft.supersedes_id)
            if previous.status != Status.ISSUED:
                raise PrescriptionError(
                    "The prescription this corrects is no longer valid, so it cannot be replaced."
                )
        # A call may have connected since the draft was saved: the record decides at issue.
        _settle_kind(draft, now=now)
        items = list(draft.items.select_related("medicine").order_by("position", "id"))
        errors = _issue_errors(draft, items)
        refused = {position: verdict.reason for position, verdict in item_verdicts(draft, items).items()}
        if errors or refused:
            raise IssueRefused(errors=errors, item_errors=refused)
        doctor = draft.doctor
        draft.verification_code = secrets.token_urlsafe(12)
        draft.doctor_name = doctor.display_name
        draft.doctor_registration = _registration(doctor)
        draft.patient_initials = _initials(_patient_name(draft))
        draft.issued_at = now
        verify_url = absolute_url(reverse("prescriptions:verify", args=[draft.verification_code]))
        try:
            content = render_pdf(draft, items=items, verify_url=verify_url, now=now)
        except Exception as error:  # WeasyPrint, a font, a broken image: the draft stays a draft
            raise RenderFailed(
                "The PDF could not be made, so the prescription is not issued. Please try again; "
                "if it keeps failing, tell support."
            ) from error
        draft.pdf_sha256 = hashlib.sha256(content).hexdigest()
        draft.pdf.save(generated_name(".pdf"), ContentFile(content), save=False)
        stored_name = draft.pdf.name
        draft.status = Status.ISSUED
        try:
            draft.save()
            if previous is not None:
                previous.status = Status.SUPERSEDED
                previous.superseded_at = now
                previous.save(update_fields=["status", "superseded_at", "updated_at"])
            _notify_issued(draft, replaces=previous)
        except Exception:
            draft.pdf.storage.delete(stored_name)
            raise
    return draft


def _patient_name(prescription):
    return prescription.patient.get_full_name() or prescription.patient.email.split("@")[0]


def _notify_issued(prescription, *, replaces):
    url = reverse("prescriptions:detail", args=[prescription.pk])
    doctor = prescription.doctor_name
    body = f"{doctor} has issued your prescription. Open MedConsult to read and download it."
    if replaces is not None:
        body = f"{doctor} has corrected your prescription; the earlier one is replaced. Open MedConsult to download it."
    notify(
        user=prescription.patient,
        kind="prescription.issued",
        title=f"Your prescription from {doctor}",
        body=body,
        url=url,
        key=f"prescription:{prescription.pk}:issued",
    )


def prescription_correct(*, prescription, actor) -> Prescription:
    """Start a correction: a new draft (the next version) copying an issued
    prescription, which stays valid until the correction is issued.
    Side effects: none beyond the rows."""
    if prescription.doctor.user_id != actor.pk:
        raise PrescriptionError("Only the prescription's doctor can correct it.")
    with transaction.atomic():
        original = Prescription.objects.select_for_update().get(pk=prescription.pk)
        if original.status != Status.ISSUED:
            raise PrescriptionError("Only a valid issued prescription can be corrected.")
        existing = Prescription.objects.filter(supersedes=original, status=Status.DRAFT).first()
        if existing is not None:
            return existing
        if Prescription.objects.filter(appointment_id=original.appointment_id, status=Status.DRAFT).exists():
            raise PrescriptionError("This appointment already has a draft: finish or use that one first.")
        draft = Prescription.objects.create(
            appointment_id=original.appointment_id,
            doctor_id=original.doctor_id,
            patient_id=original.patient_id,
            version=original.version + 1,
            supersedes=original,
            **{name: getattr(original, name) for name in Prescription.CONTENT_FIELDS},
        )
        PrescriptionItem.objects.bulk_create(
            PrescriptionItem(
                prescription=draft,
                position=item.position,
                medicine_id=item.medicine_id,
                **{name: getattr(item, name) for name in ITEM_FIELDS},
            )
            for item in original.items.order_by("position", "id")
        )
    return draft


def prescription_revoke(*, prescription, actor, reason, now=None) -> Prescription:
    """Revoke an issued prescription with a reason; the verification page says so.
    A correction started from it stays a draft that replaces nothing.
    Side effects: a notification (in-app and email) to the patient."""
    if prescription.doctor.user_id != actor.pk:
        raise PrescriptionError("Only the prescription's doctor can revoke it.")
    reason = (reason or "").strip()
    if not reason:
        raise PrescriptionError("Please give the reason for revoking it.")
    now = now or timezone.now()
    with transaction.atomic():
        # Locked in prescription_issue's order: a correction's draft, then what it corrects.
        correction = (
            Prescription.objects.select_for_update()
            .filter(supersedes_id=prescription.pk, status=Status.DRAFT)
            .first()
        )
        current = Prescription.objects.select_for_update().get(pk=prescription.pk)
        if current.status != Status.ISSUED:
            raise PrescriptionError("Only a valid issued prescription can be revoked.")
        current.status = Status.REVOKED
        current.revoked_at = now
        current.revoked_reason = reason[:500]
        current.save(update_fields=["status", "revoked_at", "revoked_reason", "updated_at"])
        if correction is not None:
            # Nothing valid is left for it to replace, and it is the appointment's one
            # draft: it stays the doctor's, to issue as a prescription of its own.
            correction.supersedes = None
            correction.save(update_fields=["supersedes", "updated_at"])
        notify(
            user=current.patient,
            kind="prescription.revoked",
            title=f"{current.doctor_name} revoked a prescription",
            # Not the reason: it is clinical, and emails leave MedConsult. The page shows it.
            body=(
                f"Your prescription of {timezone.localdate(current.issued_at):%d %b %Y} is revoked: "
                "do not use it. Open MedConsult to read why."
            ),
            url=reverse("prescriptions:detail", args=[current.pk]),
            key=f"prescription:{current.pk}:revoked",
        )
    return current
