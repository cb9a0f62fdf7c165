import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.signals import user_registered
from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
    Mode,
)
from core.models import Notification
from medconsult.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from profiles.models import Clinic, DoctorDocument, DoctorProfile, PatientProfile, Qualification, Specialty
from profiles.services import doctor_missing_requirements

pytestmark = pytest.mark.django_db

Status = DoctorProfile.Status
Visit = Appointment.Status
KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # seed_demo hashes the demo password with the first hasher; the real one is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
        # Stored without the title, shown with it (accounts.models.doctor_display_name).
        assert not doctor.full_name.startswith("Dr")
        assert doctor.display_name == f"Dr. {doctor.full_name}"
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

    assert asha.full_name == "Asha Rao"
    assert asha.display_name == "Dr. Asha Rao"
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
            "appointments": sorted(Appointment.objects.values_list("pk", "status", "start")),
            "events": AppointmentEvent.objects.count(),
            "notifications": Notification.objects.count(),
            "rules": sorted(AvailabilityRule.objects.values_list("pk", flat=True)),
            "exceptions": sorted(AvailabilityException.objects.values_list("pk", "date", "end_date")),
            "settings": sorted(
                BookingSettings.objects.values_list("doctor_id", "min_notice_minutes", "horizon_days")
            ),
        }

    before = snapshot()
    _seed()

    assert snapshot() == before


def test_seed_demo_prints_the_summary_before_the_logins(seeded):
    summary = seeded.index("40 verified doctors, 3 pending, 1 rejected, 6 patients.")

    assert summary < seeded.index("Demo logins (password for all: demo-pass-2026):")
    assert "doctor@medconsult.local" in seeded


# --- Availability ----------------------------------------------------------------------------


def _minutes(moment):
    return moment.hour * 60 + moment.minute


def test_seed_demo_gives_every_verified_doctor_weekly_hours_in_the_modes_offered(seeded):
    doctors = DoctorProfile.objects.prefetch_related("availability_rules", "clinics")

    for doctor in doctors:
        rules = list(doctor.availability_rules.all())
        if doctor.status != Status.VERIFIED:
            assert rules == [], doctor.full_name
            continue
        offered = {Mode.ONLINE} if doctor.offers_online else set()
        offered |= {Mode.IN_PERSON} if doctor.offers_in_person else set()
        assert {rule.mode for rule in rules} == offered, doctor.full_name
        clinics = {clinic.pk for clinic in doctor.clinics.all()}
        for rule in rules:
            assert (rule.clinic_id in clinics) if rule.mode == Mode.IN_PERSON else rule.clinic_id is None
            assert rule.slot_minutes in (15, 20, 30)
            assert _minutes(rule.end) - _minutes(rule.start) >= rule.slot_minutes
        # The doctor is in one place at a time: no two rules of a day overlap.
        for weekday in range(7):
            day = sorted((r for r in rules if r.weekday == weekday), key=lambda r: r.start)
            assert all(a.end <= b.start for a, b in pairwise(day)), (doctor.full_name, weekday)
    verified = doctors.filter(status=Status.VERIFIED)
    assert {r.slot_minutes for r in AvailabilityRule.objects.all()} == {15, 20, 30}
    assert BookingSettings.objects.filter(doctor__in=verified).count() == verified.count()
    assert (
        BookingSettings.objects.exclude(min_notice_minutes=120, horizon_days=30).count() >= 2
    )  # a couple of doctors with their own notice and horizon


def test_seed_demo_puts_a_few_doctors_on_leave_in_the_next_two_weeks(seeded):
    today = timezone.localdate(timezone=KOLKATA)

    leave = AvailabilityException.objects.filter(kind=AvailabilityException.Kind.LEAVE)

    assert leave.values("doctor").distinct().count() >= 3
    for row in leave:
        assert today <= row.date <= row.end_date <= today + timedelta(days=14)
        assert row.note
        on_leave = Appointment.objects.filter(
            doctor=row.doctor,
            status__in=Appointment.ACTIVE,
            start__gte=datetime.combine(row.date, datetime.min.time(), tzinfo=KOLKATA),
            start__lt=datetime.combine(row.end_date + timedelta(days=1), datetime.min.time(), tzinfo=KOLKATA),
        )
        assert not on_leave.exists()


def test_seed_demo_has_exactly_one_approval_mode_doctor_named_in_the_summary(seeded):
    approving = BookingSettings.objects.filter(approval_required=True).select_related("doctor__user")

    assert approving.count() == 1
    doctor = approving.get().doctor
    assert doctor.status == Status.VERIFIED
    assert doctor.offers_in_person
    assert f"Approval mode (clinic visits wait for the doctor to accept): {doctor.full_name}, " in seeded
    assert doctor.user.email in seeded
    # Requests wait for this doctor and no other.
    requested = Appointment.objects.filter(status=Visit.REQUESTED)
    assert requested.exists()
    assert set(requested.values_list("doctor", flat=True)) == {doctor.pk}


# --- Appointments -------------------------------------------------------------------------------


def test_seed_demo_appointments_cover_every_status_with_their_history(seeded):
    appointments = Appointment.objects.prefetch_related("events")
    demo_patient = User.objects.get(email="patient@medconsult.local")
    now = timezone.now()

    assert set(appointments.values_list("status", flat=True)) == set(Visit.values)
    mine = appointments.filter(patient=demo_patient)
    assert {Visit.COMPLETED, Visit.CONFIRMED, Visit.REQUESTED, Visit.PENDING_PAYMENT} <= set(
        mine.values_list("status", flat=True)
    )
    assert mine.filter(start__lt=now).exists()
    assert mine.filter(start__gt=now).exists()
    for appointment in appointments:
        history = [(e.from_status, e.to_status) for e in appointment.events.all()]
        assert history[0][0] == "", appointment
        assert history[-1][1] == appointment.status, appointment
        assert all(a[1] == b[0] for a, b in pairwise(history)), appointment
        if appointment.status in (Visit.CANCELLED, Visit.DECLINED):
            assert list(appointment.events.all())[-1].reason, appointment
        if appointment.status in (Visit.COMPLETED, Visit.NO_SHOW):
            assert appointment.start < now
    assert all(appointment.fee > 0 for appointment in appointments)


def _overlaps(rows):
    """Pairs of (owner, start, end) rows of one owner that overlap in time."""
    rows = sorted(rows)
    return [(a, b) for a, b in pairwise(rows) if a[0] == b[0] and b[1] < a[2]]


def test_seed_demo_no_doctor_or_patient_is_in_two_places_at_once(seeded):
    active = Appointment.objects.filter(status__in=Appointment.ACTIVE)

    assert _overlaps(active.values_list("doctor_id", "start", "end")) == []
    assert _overlaps(Appointment.objects.values_list("doctor_id", "start", "end")) == []
    assert _overlaps(Appointment.objects.values_list("patient_id", "start", "end")) == []


def test_seed_demo_upcoming_appointments_sit_on_free_slots_and_notify_in_the_app(
    settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        _seed()
    now = timezone.now()

    upcoming = Appointment.objects.filter(start__gt=now).select_related("doctor")
    assert upcoming.count() >= 10
    for appointment in upcoming:
        local = appointment.start.astimezone(KOLKATA)
        on_rule = [
            rule
            for rule in AvailabilityRule.objects.filter(
                doctor=appointment.doctor, weekday=local.weekday(), mode=appointment.mode
            )
            if rule.start <= local.time()
            and (_minutes(local) - _minutes(rule.start)) % rule.slot_minutes == 0
            and appointment.end - appointment.start == timedelta(minutes=rule.slot_minutes)
            and _minutes(local) + rule.slot_minutes <= _minutes(rule.end)
            and rule.clinic_id == appointment.clinic_id
        ]
        assert on_rule, appointment
        # Booked through the service: the patient was told in the app.
        url = reverse("appointments:detail", args=[appointment.pk])
        assert Notification.objects.filter(user=appointment.patient, url=url).exists(), appointment
    # ...but the seed's own messages are not emailed; later reminders still are.
    assert mail.outbox == []
    assert Notification.objects.filter(
        email_status=Notification.EmailStatus.PENDING, send_after__gt=now
    ).exists()


def _demo_doctor_days():
    """The demo doctor's appointments today and in the next 7 days, in her zone."""
    doctor = DoctorProfile.objects.get(user__email="doctor@medconsult.local")
    today = timezone.localdate(timezone=KOLKATA)
    # Visits that happen(ed): what makes the doctor's day worth a look.
    shown = Appointment.objects.filter(doctor=doctor).exclude(
        status__in=[Visit.EXPIRED, Visit.DECLINED, Visit.CANCELLED]
    )
    days = [a.start.astimezone(KOLKATA).date() for a in shown]
    return (
        sum(1 for day in days if day == today),
        sum(1 for day in days if today < day <= today + timedelta(days=7)),
    )


def test_seed_demo_gives_the_demo_doctor_a_today_and_a_week(seeded):
    today, week = _demo_doctor_days()

    assert today >= 1
    assert week >= 5


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 29, 6, 0, tzinfo=KOLKATA),  # Sunday before the clinic opens
        datetime(2026, 11, 29, 11, 0, tzinfo=KOLKATA),  # Sunday, clinic under way
        datetime(2026, 11, 28, 23, 30, tzinfo=KOLKATA),  # Saturday night, nothing left to book
    ],
    ids=["sunday-dawn", "sunday-late-morning", "saturday-night"],
)
def test_seed_demo_has_a_today_for_the_demo_doctor_whenever_it_runs(settings, moment):
    settings.DEBUG = True

    with time_machine.travel(moment.astimezone(UTC), tick=False):
        _seed()
        today, week = _demo_doctor_days()
        statuses = set(Appointment.objects.values_list("status", flat=True))

    assert today >= 1
    assert week >= 5
    assert statuses == set(Visit.values)


def test_seed_demo_adds_a_fresh_spread_only_once_the_last_one_has_passed(settings):
    settings.DEBUG = True
    start = datetime(2026, 11, 25, 15, 0, tzinfo=KOLKATA)
    with time_machine.travel(start.astimezone(UTC), tick=False):
        _seed()
    first = Appointment.objects.count()

    with time_machine.travel((start + timedelta(days=3)).astimezone(UTC), tick=False):
        output = _seed()
        assert Appointment.objects.count() == first
        assert "none added" in output
    with time_machine.travel((start + timedelta(days=40)).astimezone(UTC), tick=False):
        output = _seed()
        today, week = _demo_doctor_days()

    assert Appointment.objects.count() > first
    assert f"{Appointment.objects.count() - first} added" in output
    assert today >= 1
    assert week >= 5
    active = Appointment.objects.filter(status__in=Appointment.ACTIVE)
    assert _overlaps(active.values_list("doctor_id", "start", "end")) == []
    assert _overlaps(Appointment.objects.values_list("doctor_id", "start", "end")) == []


def test_seed_demo_prints_the_appointment_counts(seeded):
    counts = {status: Appointment.objects.filter(status=status).count() for status in Visit.values}
    line = next(line for line in seeded.splitlines() if " appointments, " in line)

    assert line.startswith(f"{sum(counts.values())} appointments, ")
    assert f"{counts[Visit.COMPLETED]} completed" in line
    assert f"{counts[Visit.PENDING_PAYMENT]} awaiting payment" in line
    assert seeded.index(line) < seeded.index("Demo logins")


def test_seed_demo_opens_a_consultation_room_with_messages(seeded, client):
    from consultations.lifecycle import Phase, room_phase
    from consultations.models import ConsultationSession

    room = ConsultationSession.objects.get(
        appointment__patient__email="patient@medconsult.local",
        appointment__doctor__user__email="doctor@medconsult.local",
    )

    assert room_phase(room, timezone.now()) == Phase.FOLLOW_UP
    assert room.messages.count() == 6
    client.force_login(User.objects.get(email="patient@medconsult.local"))
    html = client.get("/patient/").content.decode()
    assert f"/consultations/{room.pk}/" in html
    assert "1 unread" not in html  # the unanswered question is the patient's own
