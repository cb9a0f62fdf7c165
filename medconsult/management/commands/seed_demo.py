"""Demo data for `make run`: known accounts for each role, a directory of doctors
in every state of verification, patients with complete profiles, the doctors'
weekly hours and leave, and appointments in every status. Safe to run again:
it finds its rows by email and puts them back as described in
medconsult/demo_data.py, so a second run changes no counts (appointments are
time-relative; medconsult/demo_appointments.py says when they are added)."""

from collections import Counter

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_register
from appointments.models import Appointment
from appointments.next_available import refresh_all
from core.uploads import detect_document, square_thumbnail
from medconsult import demo_appointments, demo_consultation, demo_data
from profiles.models import City, Clinic, DoctorDocument, Language, Locality, Qualification, Specialty
from profiles.services import doctor_search_text_refresh, profile_ensure

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    # (email, full name, role)
    ("admin@medconsult.local", "Meera Admin", User.Role.ADMIN),
    ("patient@medconsult.local", "Rahul Sharma", User.Role.PATIENT),
    ("doctor@medconsult.local", "Dr. Asha Rao", User.Role.DOCTOR),
]
DEMO_ADMIN, DEMO_PATIENT, DEMO_DOCTOR = (email for email, _, _ in DEMO_ACCOUNTS)


class Command(BaseCommand):
    help = "Create the demo accounts, doctors and patients. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a production database.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with "
                "DEBUG on. Use --force to run it anyway on a non-production database."
            )
        names = {email: full_name for email, full_name, _ in DEMO_ACCOUNTS}
        doctors = demo_data.build_doctors(demo_email=DEMO_DOCTOR, demo_name=names[DEMO_DOCTOR])
        patients = demo_data.build_patients(demo_email=DEMO_PATIENT)
        schedule = demo_data.build_schedule(doctors, patients)
        # The password hasher is slow on purpose; one hash serves every demo login.
        password = make_password(DEMO_PASSWORD)
        now = timezone.now()
        with transaction.atomic():
            accounts = {
                email: self._ensure_account(email=email, full_name=full_name, role=role, password=password)
                for email, full_name, role in DEMO_ACCOUNTS
            }
            reference = _Reference()
            profiles = {
                spec.email: _seed_doctor(
                    spec, password=password, admin=accounts[DEMO_ADMIN], reference=reference, now=now
                )
                for spec in doctors
            }
            people = {
                spec.email: _seed_patient(spec, password=password, reference=reference).user
                for spec in patients
            }
            calendar = demo_appointments.seed_schedule(
                schedule, profiles=profiles, patients=people, now=timezone.now()
            )
            # One open consultation room with messages for the demo patient and doctor.
            demo_consultation.seed(
                doctor=profiles[DEMO_DOCTOR], patient=accounts[DEMO_PATIENT], now=timezone.now()
            )

        # Search shows each doctor's next free slot; compute them now rather than
        # waiting for the cron job.
        refresh_all()
        statuses = Counter(spec.status for spec in doctors)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write(
            f"{statuses['VERIFIED']} verified doctors, {statuses['PENDING']} pending, "
            f"{statuses['REJECTED']} rejected, {len(patients)} patients."
        )
        approver = calendar.approval_doctor
        self.stdout.write(
            f"Weekly hours for {calendar.doctors_with_hours} doctors, {calendar.doctors_on_leave} with leave "
            f"coming up. Approval mode (clinic visits wait for the doctor to accept): "
            f"{approver.full_name}, {approver.user.email}."
        )
        self.stdout.write(_appointments_line(calendar))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role.label:<8} {email}")

    def _ensure_account(self, *, email, full_name, role, password):
        user = User.objects.filter(email=email).first()
        if user is None:
            if role == User.Role.ADMIN:
                user = User.objects.create_superuser(email=email, password=None, full_name=full_name)
            else:
                # Through the service, so the floors above set up profiles as for a real sign-up.
                user = user_register(email=email, password=DEMO_PASSWORD, role=role, full_name=full_name)
        # Re-running puts the known password back, so the printed logins always work.
        user.password = password
        user.is_active = True
        user.email_verified_at = user.email_verified_at or timezone.now()
        user.save(update_fields=["password", "is_active", "email_verified_at"])
        return user


def _appointments_line(calendar):
    counts = ", ".join(
        f"{calendar.by_status[status]} {label.lower()}"
        for status, label in Appointment.Status.choices
        if calendar.by_status[status]
    )
    total = sum(calendar.by_status.values())
    added = (
        f"{calendar.added} added" if calendar.added else "none added (the demo doctor has some from today on)"
    )
    return f"{total} appointments, {calendar.upcoming} upcoming, {added}: {counts}."


class _Reference:
    """The reference rows from profiles' data migration, looked up by name."""

    def __init__(self):
        self.specialties = {row.name: row for row in Specialty.objects.all()}
        self.cities = {row.name: row for row in City.objects.all()}
        self.localities = {(row.city.name, row.name): row for row in Locality.objects.select_related("city")}
        self.languages = {row.name: row for row in Language.objects.all()}

    def get(self, table, key):
        try:
            return getattr(self, table)[key]
        except KeyError:
            raise CommandError(
                f"{key!r} is missing from {table}; run `manage.py migrate` to load the reference data."
            ) from None


def _seed_user(*, email, full_name, role, password):
    """The demo user with this email, created without the slow per-user hash."""
    user = User.objects.filter(email=email).first()
    # Demo accounts are verified: their addresses receive no mail.
    if user is None:
        user = User(
            email=email, full_name=full_name, role=role, password=password, email_verified_at=timezone.now()
        )
        user.save()
        return user
    user.full_name, user.role, user.password, user.is_active = full_name, role, password, True
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.save(update_fields=["full_name", "role", "password", "is_active", "email_verified_at"])
    return user


def _seed_doctor(spec, *, password, admin, reference, now):
    user = _seed_user(email=spec.email, full_name=spec.full_name, role=User.Role.DOCTOR, password=password)
    profile = profile_ensure(user=user)
    profile.full_name = spec.full_name
    profile.gender = spec.gender
    profile.registration_number = spec.registration_number
    profile.registration_council = spec.registration_council
    profile.practising_since = spec.practising_since
    profile.bio = spec.bio
    profile.offers_online, profile.fee_online = spec.offers_online, spec.fee_online
    profile.offers_in_person, profile.fee_in_person = spec.offers_in_person, spec.fee_in_person
    # Set directly rather than through doctor_submit/doctor_verify: demo data
    # should not send verification emails or write audit rows.
    profile.status = spec.status
    profile.rejection_reason = spec.rejection_reason
    profile.submitted_at = now - spec.submitted_ago
    decided = spec.decided_ago is not None
    profile.decided_by = admin if decided else None
    profile.decided_at = now - spec.decided_ago if decided else None
    _set_photo(profile, spec.photo_colours)
    profile.save()

    profile.specialties.set([reference.get("specialties", name) for name in spec.specialties])
    profile.languages.set([reference.get("languages", name) for name in spec.languages])
    for qualification in spec.qualifications:
        Qualification.objects.update_or_create(
            doctor=profile,
            degree=qualification.degree,
            defaults={"institution": qualification.institution, "year": qualification.year},
        )
    degrees = [qualification.degree for qualification in spec.qualifications]
    Qualification.objects.filter(doctor=profile).exclude(degree__in=degrees).delete()
    # Clinics are matched by name and never deleted here: bookings may point at them.
    # The base manager also sees archived ones: a clinic the doctor removed stays
    # removed (archived, no hours), rather than coming back as a duplicate.
    for clinic in spec.clinics:
        Clinic._base_manager.update_or_create(
            doctor=profile,
            name=clinic.name,
            defaults={
                "address": clinic.address,
                "city": reference.get("cities", clinic.city),
                "locality": reference.get("localities", (clinic.city, clinic.locality)),
                "phone": clinic.phone,
            },
        )
    _ensure_documents(profile, spec)
    # The rows above are written around profiles.services, so refresh the search
    # document as they would (SQLite search reads nothing else); the next free
    # slots are computed for every doctor at the end, as the services would too.
    doctor_search_text_refresh(profile=profile)
    return profile


def _set_photo(profile, colours):
    """A generated portrait through the same processing as an upload, or none (initials)."""
    if colours is None:
        profile.photo = ""
        return
    if profile.photo and profile.photo.storage.exists(profile.photo.name):
        return
    upload = SimpleUploadedFile("portrait.png", demo_data.portrait_png(colours), content_type="image/png")
    thumbnail = square_thumbnail(upload)
    profile.photo.save(thumbnail.name, thumbnail, save=False)


def _ensure_documents(profile, spec):
    """One PDF per document kind, kept if its file is still on disk."""
    existing = {document.kind: document for document in profile.documents.all()}
    for kind in DoctorDocument.Kind:
        document = existing.get(kind.value)
        if document is not None and document.file and document.file.storage.exists(document.file.name):
            continue
        content = demo_data.document_pdf(
            title=kind.label, doctor=spec.full_name, reference=spec.registration_number
        )
        upload = SimpleUploadedFile(f"{kind.value.lower()}.pdf", content, content_type="application/pdf")
        detected = detect_document(upload)
        document = document or DoctorDocument(doctor=profile, kind=kind.value)
        document.original_name = upload.name
        document.content_type = detected.content_type
        document.size = upload.size
        document.file.save(detected.generated_name(), upload, save=False)
        document.save()


def _seed_patient(spec, *, password, reference):
    user = _seed_user(email=spec.email, full_name=spec.full_name, role=User.Role.PATIENT, password=password)
    profile = profile_ensure(user=user)
    profile.full_name = spec.full_name
    profile.date_of_birth = spec.date_of_birth
    profile.gender = spec.gender
    profile.phone = spec.phone
    profile.city = reference.get("cities", spec.city)
    profile.blood_group = spec.blood_group
    profile.allergies = spec.allergies
    profile.chronic_conditions = spec.chronic_conditions
    profile.emergency_contact_name = spec.emergency_contact_name
    profile.emergency_contact_phone = spec.emergency_contact_phone
    profile.save()
    return profile
