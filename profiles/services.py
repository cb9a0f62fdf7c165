"""Writes and state changes for profiles and doctor verification.

Verification: DRAFT -> PENDING (doctor submits) -> VERIFIED | REJECTED (staff
decide); REJECTED -> PENDING (doctor fixes and resubmits); VERIFIED -> PENDING
when the doctor changes something staff checked (name, registration, documents).
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User, without_doctor_title
from core.audit import audit_record
from core.notifications import notify
from profiles.models import Clinic, DoctorDocument, DoctorProfile, Mode, PatientProfile, Qualification
from profiles.search import search_document, soonest_changed
from profiles.signals import doctor_schedule_changed, doctor_verified

Status = DoctorProfile.Status


class VerificationError(Exception):
    """A verification step that the profile's current state does not allow."""


class ProfileIncomplete(VerificationError):
    def __init__(self, missing):
        super().__init__("The profile is incomplete.")
        self.missing = missing


# --- Creation ---------------------------------------------------------------------


def profile_ensure(*, user):
    """The user's doctor or patient profile, created if it is not there yet.

    Called by the `user_registered` receiver, and by the pages that need a
    profile, so an account never lacks one even if the receiver failed.
    """
    if user.role == User.Role.DOCTOR:
        try:
            return DoctorProfile.objects.get(user=user)
        except DoctorProfile.DoesNotExist:
            return _create_doctor_profile(user)
    if user.role == User.Role.PATIENT:
        profile, _ = PatientProfile.objects.get_or_create(user=user, defaults={"full_name": user.full_name})
        return profile
    return None


def _create_doctor_profile(user):
    # Names in other scripts slugify to nothing; they still get a readable, unique slug.
    base = slugify(without_doctor_title(user.full_name)) or "doctor"
    for attempt in range(10):
        slug = base if attempt == 0 else f"{base}-{secrets.token_hex(3)}"
        try:
            with transaction.atomic():
                return DoctorProfile.objects.create(user=user, full_name=user.full_name, slug=slug[:120])
        except IntegrityError:
            existing = DoctorProfile.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError(f"Could not find a free slug for {base!r}.")


def on_user_registered(sender, user, **kwargs):
    profile_ensure(user=user)


# --- Doctor profile editing ---------------------------------------------------------


def _locked(profile):
    return DoctorProfile.objects.select_for_update().get(pk=profile.pk)


def _reopen_if_verified(profile, *, what):
    """A verified doctor changed something staff checked: back to the queue."""
    if profile.status != Status.VERIFIED:
        return
    profile.status = Status.PENDING
    profile.submitted_at = timezone.now()
    profile.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(action="verification.reopened", actor=profile.user, target=profile, detail=what)
    notify(
        user=profile.user,
        kind="verification.reopened",
        title="Your profile is back in verification",
        body=f"You changed your {what}. Patients cannot book you until our team has checked it again.",
        url=reverse("profiles:doctor_profile"),
    )


def doctor_profile_update(*, profile, data: dict):
    """Save the doctor's own edits. `data` is a cleaned DoctorProfileForm.

    Refuses changes to verification fields while PENDING; on a VERIFIED profile
    such a change sends it back to PENDING (badge lost until approved again).
    Side effects: keeps the account's name in step; refreshes the search
    document; may notify (reopened); after commit, doctor_schedule_changed when
    a field the free slots depend on changed (appointments recomputes
    the next free slot per mode).
    """
    with transaction.atomic():
        profile = _locked(profile)
        changed = [
            f for f in DoctorProfile.VERIFICATION_FIELDS if f in data and data[f] != getattr(profile, f)
        ]
        if changed and profile.verification_locked:
            raise VerificationError("Your name and registration cannot change while verification is pending.")
        moved = [f for f in DoctorProfile.SCHEDULE_FIELDS if f in data and data[f] != getattr(profile, f)]
        specialties = data.pop("specialties", None)
        languages = data.pop("languages", None)
        for field, value in data.items():
            setattr(profile, field, value)
        profile.save()
        if specialties is not None:
            profile.specialties.set(specialties)
        if languages is not None:
            profile.languages.set(languages)
        doctor_search_text_refresh(profile=profile)
        if moved:
            doctor_schedule_changed_announce(profile=profile)
        if "full_name" in changed:
            User.objects.filter(pk=profile.user_id).update(full_name=profile.full_name)
        if changed:
            labels = {"full_name": "name", "registration_number": "registration number"}
            _reopen_if_verified(profile, what=", ".join(labels.get(f, f.replace("_", " ")) for f in changed))
    return profile


def doctor_photo_set(*, profile, photo_file):
    """Replace the doctor's photo with a processed square thumbnail (see core.uploads)."""
    with transaction.atomic():
        profile = _locked(profile)
        old = profile.photo.name if profile.photo else ""
        profile.photo.save(photo_file.name, photo_file, save=False)
        profile.save(update_fields=["photo", "updated_at"])
        if old:
            storage = profile.photo.storage
            transaction.on_commit(lambda: storage.delete(old))
    return profile


def doctor_signature_set(*, profile, signature_file):
    """Replace the doctor's signature image (checked and re-encoded by core.uploads).
    Prescriptions already issued keep the signature they were rendered with."""
    with transaction.atomic():
        profile = _locked(profile)
        old = profile.signature.name if profile.signature else ""
        profile.signature.save(signature_file.name, signature_file, save=False)
        profile.save(update_fields=["signature", "updated_at"])
        if old:
            storage = profile.signature.storage
            transaction.on_commit(lambda: storage.delete(old))
    return profile


def doctor_document_upload(*, profile, kind, upload, detected):
    """Store a verification document of `kind`, replacing the previous one.

    `detected` is core.uploads.detect_document's verdict on the file's content.
    Refused while PENDING; a VERIFIED doctor goes back to PENDING.
    """
    with transaction.atomic():
        profile = _locked(profile)
        _refuse_while_locked(profile, "documents")
        document = DoctorDocument.objects.filter(doctor=profile, kind=kind).first() or DoctorDocument(
            doctor=profile, kind=kind
        )
        old = document.file.name if document.pk else ""
        document.original_name = (upload.name or "document")[-255:]
        document.content_type = detected.content_type
        document.size = upload.size
        upload.seek(0)
        document.file.save(detected.generated_name(), upload, save=False)
        document.save()
        if old:
            storage = document.file.storage
            transaction.on_commit(lambda: storage.delete(old))
        _reopen_if_verified(profile, what=document.get_kind_display().lower())
    return document


def _refuse_while_locked(profile, what):
    if profile.verification_locked:
        raise VerificationError(f"Your {what} cannot change while verification is pending.")


def doctor_qualification_add(*, profile, degree, institution, year):
    """Add a qualification. Qualifications are verified data: refused while
    PENDING; a VERIFIED doctor goes back to PENDING (notified)."""
    with transaction.atomic():
        profile = _locked(profile)
        _refuse_while_locked(profile, "qualifications")
        qualification = Qualification.objects.create(
            doctor=profile, degree=degree, institution=institution, year=year
        )
        _reopen_if_verified(profile, what="qualifications")
    return qualification


def doctor_qualification_remove(*, profile, qualification):
    """Remove one of the doctor's qualifications; same verification rule as adding.
    A submitted or verified profile keeps at least one."""
    with transaction.atomic():
        profile = _locked(profile)
        _refuse_while_locked(profile, "qualifications")
        if profile.status == Status.VERIFIED and profile.qualifications.count() == 1:
            raise VerificationError("Add the new qualification first; a verified profile needs at least one.")
        qualification.delete()
        _reopen_if_verified(profile, what="qualifications")


def doctor_clinic_add(*, profile, name, address, city, locality, phone=""):
    """Add a clinic. Side effects: the doctor's search document is refreshed."""
    with transaction.atomic():
        clinic = Clinic.objects.create(
            doctor=profile, name=name, address=address, city=city, locality=locality, phone=phone
        )
        doctor_search_text_refresh(profile=profile)
    return clinic


def doctor_clinic_remove_check(*, profile):
    """Refuse to remove the last clinic of a doctor who offers clinic visits and
    has submitted or been verified (patients would have nowhere to go)."""
    if (
        profile.offers_in_person
        and profile.status in (Status.PENDING, Status.VERIFIED)
        and profile.clinics.count() == 1
    ):
        raise VerificationError(
            "This is your only clinic. Add another first, or stop offering clinic visits in your details."
        )


def doctor_clinic_remove(*, profile, clinic, archive):
    """Take a clinic off the doctor's profile: archived (kept for the appointments
    that name it, hidden everywhere else) when `archive`, else deleted.

    Profiles cannot see appointments, so the caller decides: the one caller is
    appointments.clinics.clinic_remove, which refuses while upcoming bookings
    remain and removes the hours at the clinic first.
    Side effects: the doctor's search document is refreshed; after commit,
    doctor_schedule_changed.
    """
    with transaction.atomic():
        profile = _locked(profile)
        doctor_clinic_remove_check(profile=profile)
        if archive:
            clinic.archived_at = timezone.now()
            clinic.save(update_fields=["archived_at"])
        else:
            clinic.delete()
        doctor_search_text_refresh(profile=profile)
        doctor_schedule_changed_announce(profile=profile)


# --- Verification -----------------------------------------------------------------------


class Requirement(str):
    """One thing that stops a submission, in words for the doctor (it is that
    string), and `where`: the profile form field or the page section where it
    is fixed, so the page can link to it."""

    where: str

    def __new__(cls, text, where=""):
        requirement = super().__new__(cls, text)
        requirement.where = where
        return requirement


def doctor_missing_requirements(profile) -> list[Requirement]:
    """What still stops this profile from being submitted, in words for the doctor."""
    missing = []

    def need(text, where=""):
        missing.append(Requirement(text, where))

    # Staff review the doctor behind an address we have reached at least once.
    if not profile.user.email_verified:
        need("a confirmed email address (open the link we emailed you)")
    if not profile.full_name.strip():
        need("your full name", "full_name")
    if not profile.specialties.exists():
        need("at least one specialty", "specialties")
    if not profile.qualifications.exists():
        need("at least one qualification", "qualifications")
    if not profile.registration_number.strip():
        need("your medical registration number", "registration_number")
    if not profile.registration_council.strip():
        need("your registration council", "registration_council")
    if not profile.practising_since:
        need("the year you started practising", "practising_since")
    if not profile.languages.exists():
        need("the languages you consult in", "languages")
    if not profile.modes:
        need("a consultation type (online, clinic visits or both)", "offers_online")
    for mode, fee, field in (
        (Mode.ONLINE, "your fee for online consultations", "fee_online"),
        (Mode.IN_PERSON, "your fee for clinic visits", "fee_in_person"),
    ):
        if profile.offers(mode) and not profile.fee(mode):
            need(fee, field)
    if profile.offers(Mode.IN_PERSON) and not profile.clinics.exists():
        need("a clinic where you see patients", "clinics")
    uploaded = set(profile.documents.values_list("kind", flat=True))
    for kind in DoctorDocument.Kind:
        if kind.value not in uploaded:
            need(f"your {kind.label.lower()}", "documents")
    return missing


def doctor_submit(*, profile):
    """DRAFT or REJECTED -> PENDING. Raises ProfileIncomplete with what is missing.

    Side effects: audit row.
    """
    with transaction.atomic():
        profile = _locked(profile)
        if not profile.can_submit:
            raise VerificationError(f"A {profile.get_status_display().lower()} profile cannot be submitted.")
        missing = doctor_missing_requirements(profile)
        if missing:
            raise ProfileIncomplete(missing)
        profile.status = Status.PENDING
        profile.submitted_at = timezone.now()
        profile.rejection_reason = ""
        profile.save(update_fields=["status", "submitted_at", "rejection_reason", "updated_at"])
        audit_record(action="verification.submitted", actor=profile.user, target=profile)
    return profile


def doctor_verify(*, profile, actor, request=None):
    """PENDING -> VERIFIED, by staff.

    Side effects: notification and email to the doctor; audit row; the
    search document is refreshed; after commit, profiles.signals.doctor_verified
    (appointments computes the doctor's next free slots).
    """
    with transaction.atomic():
        profile = _decide(profile, actor=actor, to=Status.VERIFIED)
        doctor_search_text_refresh(profile=profile)
        pk = profile.pk
        transaction.on_commit(lambda: doctor_verified.send(sender=DoctorProfile, doctor_id=pk))
        audit_record(
            action="verification.approved", actor=actor, target=profile, subject=profile.user, request=request
        )
        notify(
            user=profile.user,
            kind="verification.approved",
            title="You are verified on MedConsult",
            body="Your profile now shows the verified badge, and patients can find and book you.",
            url=reverse("profiles:doctor_page", args=[profile.slug]),
        )
    return profile


def doctor_reject(*, profile, actor, reason, request=None):
    """PENDING -> REJECTED with a reason the doctor sees, by staff.

    Side effects: notification and email to the doctor; audit row.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("A rejection needs a reason the doctor can act on.")
    with transaction.atomic():
        profile = _decide(profile, actor=actor, to=Status.REJECTED, reason=reason)
        audit_record(
            action="verification.rejected",
            actor=actor,
            target=profile,
            subject=profile.user,
            request=request,
            detail=reason,
        )
        notify(
            user=profile.user,
            kind="verification.rejected",
            title="Your verification needs changes",
            body=f"Reason: {reason}\nPlease update your profile or documents and submit again.",
            url=reverse("profiles:doctor_profile"),
        )
    return profile


def _decide(profile, *, actor, to, reason=""):
    profile = _locked(profile)
    if profile.status != Status.PENDING:
        raise VerificationError(
            f"Only pending profiles can be decided; this one is {profile.get_status_display()}."
        )
    profile.status = to
    profile.rejection_reason = reason
    profile.decided_by = actor
    profile.decided_at = timezone.now()
    profile.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at", "updated_at"])
    return profile


# --- Search document ------------------------------------------------------------------------


def doctor_search_text_refresh(*, profile) -> str:
    """Rewrite the doctor's search document (profiles.search.search_document)
    from the database: the one place it is written. Called by every service that
    changes what it holds (name, specialties, clinics) and on verification.
    On PostgreSQL the generated `search_vector` column follows. Three queries."""
    with transaction.atomic():
        fresh = (
            DoctorProfile.objects.only("pk", "full_name")
            .prefetch_related(
                "specialties", Prefetch("clinics", queryset=Clinic.objects.select_related("city", "locality"))
            )
            .get(pk=profile.pk)
        )
        text = search_document(fresh)
        DoctorProfile.objects.filter(pk=profile.pk).update(search_text=text)
    profile.search_text = text
    return text


def doctor_derived_refresh(*, profile):
    """Bring everything derived from the profile up to date after a write that
    went around the services (Django admin, demo data): the search document
    now, and the next free slot per mode after commit.

    Side effects: search_text rewritten; after commit, doctor_schedule_changed.
    """
    with transaction.atomic():
        doctor_search_text_refresh(profile=profile)
        doctor_schedule_changed_announce(profile=profile)


def doctor_schedule_changed_announce(*, profile):
    """After commit, tell the floors above that the doctor's free slots may have
    moved (profiles.signals.doctor_schedule_changed). Robust: the change has
    committed whatever a receiver does, and the periodic refresh repairs."""
    pk = profile.pk
    transaction.on_commit(
        lambda: doctor_schedule_changed.send(sender=DoctorProfile, doctor_id=pk), robust=True
    )


# --- Next available (written by appointments, read by search) ------------------------------


def doctors_next_available_set(*, values: dict) -> int:
    """Store each doctor's next free slot per mode: {doctor id: (online, in person)}.

    Called by appointments after any change that can move a doctor's next slot
    and by its periodic refresher, in bulk. Only rows whose values changed are
    written; on PostgreSQL in one UPDATE (ten times faster than bulk_update).
    Side effect: when any changed, the home page's soonest doctors are read
    afresh (profiles.search.soonest_changed).
    """
    if not values:
        return 0
    if connection.vendor == "postgresql":
        ids = list(values)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE profiles_doctorprofile AS p
                SET next_online_at = v.online, next_in_person_at = v.in_person
                FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS v(id, online, in_person)
                WHERE p.id = v.id
                  AND (p.next_online_at IS DISTINCT FROM v.online OR p.next_in_person_at IS DISTINCT FROM v.in_person)
                """,
                [ids, [values[i][0] for i in ids], [values[i][1] for i in ids]],
            )
            if cursor.rowcount:
                soonest_changed()
            return cursor.rowcount
    changed = []
    for profile in DoctorProfile.objects.filter(pk__in=values).only(
        "pk", "next_online_at", "next_in_person_at"
    ):
        online, in_person = values[profile.pk]
        if (profile.next_online_at, profile.next_in_person_at) != (online, in_person):
            profile.next_online_at, profile.next_in_person_at = online, in_person
            changed.append(profile)
    DoctorProfile.objects.bulk_update(changed, ["next_online_at", "next_in_person_at"], batch_size=1000)
    if changed:
        soonest_changed()
    return len(changed)


# --- Patients ---------------------------------------------------------------------------


def patient_profile_update(*, profile, data: dict):
    """Save the patient's own edits; keeps the account's name in step."""
    with transaction.atomic():
        for field, value in data.items():
            setattr(profile, field, value)
        profile.save()
        User.objects.filter(pk=profile.user_id).update(full_name=profile.full_name)
    return profile
