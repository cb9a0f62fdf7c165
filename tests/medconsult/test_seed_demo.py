import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from accounts.models import User
from accounts.signals import user_registered
from medconsult.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from profiles.models import Clinic, DoctorDocument, DoctorProfile, PatientProfile, Qualification, Specialty
from profiles.services import doctor_missing_requirements

pytestmark = pytest.mark.django_db

Status = DoctorProfile.Status


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", verbosity=0, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    return _seed()


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_each_role_with_working_login_and_is_idempotent(
    settings, client, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    registered = []
    user_registered.connect(
        lambda sender, user, **kw: registered.append(user.email), weak=False, dispatch_uid="test_seed_demo"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _seed()
        User.objects.filter(email="patient@medconsult.local").update(password="changed")
        with django_capture_on_commit_callbacks(execute=True):
            _seed()
    finally:
        user_registered.disconnect(dispatch_uid="test_seed_demo")

    accounts = {(u.email, u.role) for u in User.objects.filter(email__endswith="@medconsult.local")}
    assert accounts == {(e, r) for e, _, r in DEMO_ACCOUNTS}
    # Only the three logins go through sign-up; the generated people are seeded directly.
    assert sorted(registered) == ["doctor@medconsult.local", "patient@medconsult.local"]
    for email, _, _ in DEMO_ACCOUNTS:
        response = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.logout()
    assert User.objects.get(email="admin@medconsult.local").is_superuser
    assert list(User.objects.filter(role=User.Role.ADMIN).values_list("email", flat=True)) == [
        "admin@medconsult.local"
    ]


def test_seed_demo_force_runs_with_debug_off(settings):
    settings.DEBUG = False

    _seed(force=True)

    assert User.objects.filter(role=User.Role.ADMIN).count() == 1
    assert User.objects.filter(role=User.Role.DOCTOR).count() == 44
    assert User.objects.filter(role=User.Role.PATIENT).count() == 6


def test_seed_demo_generated_doctors_log_in_with_the_demo_password(seeded, client):
    doctor = User.objects.filter(email__endswith="@demo.medconsult.local", role=User.Role.DOCTOR).first()

    response = client.post("/accounts/login/", {"username": doctor.email, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert doctor.email.startswith("dr.")


def test_seed_demo_doctors_by_status_fill_the_admin_queue(seeded):
    admin = User.objects.get(email="admin@medconsult.local")

    verified = DoctorProfile.objects.filter(status=Status.VERIFIED)
    pending = list(DoctorProfile.objects.filter(status=Status.PENDING).order_by("submitted_at"))
    rejected = DoctorProfile.objects.get(status=Status.REJECTED)

    assert verified.count() >= 40
    assert not DoctorProfile.objects.filter(status=Status.DRAFT).exists()
    assert all(
        d.decided_by == admin and d.decided_at and d.submitted_at < d.decided_at and not d.rejection_reason
        for d in verified
    )
    assert len(pending) == 3
    assert len({d.submitted_at for d in pending}) == 3
    assert all(d.decided_by is None and d.decided_at is None for d in pending)
    assert rejected.rejection_reason == (
        "The registration certificate is unreadable; please upload a clearer scan."
    )
    assert rejected.decided_by == admin
    assert rejected.decided_at > rejected.submitted_at


def test_seed_demo_verified_doctors_span_specialties_and_cities(seeded):
    verified = DoctorProfile.objects.filter(status=Status.VERIFIED)

    specialties = Specialty.objects.filter(doctors__in=verified).distinct()
    cities = {clinic.city_id for clinic in Clinic.objects.filter(doctor__in=verified)}

    assert specialties.count() >= 10
    assert len(cities) >= 5


def test_seed_demo_every_doctor_profile_is_complete(seeded, settings):
    doctors = DoctorProfile.objects.prefetch_related(
        "specialties", "languages", "qualifications", "clinics__locality", "documents"
    )

    assert doctors.count() == 44
    for doctor in doctors:
        # The same checklist a real doctor must pass before submitting.
        assert doctor_missing_requirements(doctor) == [], doctor.full_name
        assert doctor.full_name.startswith("Dr. ")
        assert doctor.gender
        assert 1 <= doctor.specialties.count() <= 3
        assert 1 <= doctor.languages.count() <= 3
        assert 1 <= len(doctor.qualifications.all()) <= 3
        assert doctor.qualifications.all()[0].degree in {"MBBS", "BDS"}
        assert doctor.registration_council.endswith("Council")
        assert doctor.bio
        for offered, fee in (
            (doctor.offers_online, doctor.fee_online),
            (doctor.offers_in_person, doctor.fee_in_person),
        ):
            if offered:
                assert 30000 <= fee <= 150000, doctor.full_name
            else:
                assert fee is None
        clinics = doctor.clinics.all()
        assert 1 <= len(clinics) <= 2
        for clinic in clinics:
            assert clinic.locality.city_id == clinic.city_id
            assert clinic.address
            assert clinic.phone
        documents = doctor.documents.all()
        assert sorted(d.kind for d in documents) == sorted(DoctorDocument.Kind.values)
        for document in documents:
            path = Path(document.file.path)
            assert path.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
            assert path.read_bytes().startswith(b"%PDF-")
            assert document.content_type == "application/pdf"
            assert document.size == path.stat().st_size


def test_seed_demo_some_doctors_have_square_jpeg_photos(seeded, settings):
    with_photo = DoctorProfile.objects.exclude(photo="")

    assert 15 <= with_photo.count() <= 30
    assert DoctorProfile.objects.filter(photo="").count() >= 15
    for doctor in with_photo:
        path = Path(doctor.photo.path)
        assert path.is_relative_to(settings.MEDIA_ROOT)
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert image.width == image.height


def test_seed_demo_demo_doctor_is_a_verified_dermatologist_in_pune(seeded):
    asha = DoctorProfile.objects.get(user__email="doctor@medconsult.local")

    assert asha.full_name == "Dr. Asha Rao"
    assert asha.status == Status.VERIFIED
    assert [s.name for s in asha.specialties.all()] == ["Dermatologist"]
    assert {c.city.name for c in asha.clinics.all()} == {"Pune"}
    assert asha.photo
    assert doctor_missing_requirements(asha) == []


def test_seed_demo_patients_have_complete_profiles(seeded):
    patients = PatientProfile.objects.select_related("user", "city")

    assert patients.count() == 6
    assert patients.get(user__email="patient@medconsult.local").full_name == "Rahul Sharma"
    fields = [
        "full_name",
        "date_of_birth",
        "gender",
        "phone",
        "city",
        "blood_group",
        "allergies",
        "chronic_conditions",
        "emergency_contact_name",
        "emergency_contact_phone",
    ]
    for patient in patients:
        assert patient.user.role == User.Role.PATIENT
        assert [f for f in fields if not getattr(patient, f)] == [], patient.full_name


def test_seed_demo_twice_keeps_counts_and_files(seeded, settings):
    def snapshot():
        return {
            "users": User.objects.count(),
            "by_status": sorted(DoctorProfile.objects.values_list("status", flat=True)),
            "patients": PatientProfile.objects.count(),
            "qualifications": Qualification.objects.count(),
            "clinics": Clinic.objects.count(),
            "documents": DoctorDocument.objects.count(),
            "photos": sorted(DoctorProfile.objects.exclude(photo="").values_list("photo", flat=True)),
            "files": sum(1 for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
            + sum(1 for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file()),
        }

    before = snapshot()
    _seed()

    assert snapshot() == before


def test_seed_demo_prints_the_summary_before_the_logins(seeded):
    summary = seeded.index("40 verified doctors, 3 pending, 1 rejected, 6 patients.")

    assert summary < seeded.index("Demo logins (password for all: demo-pass-2026):")
    assert "doctor@medconsult.local" in seeded
