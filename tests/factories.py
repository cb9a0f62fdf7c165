"""factory_boy factories for test data; every test builds what it needs from these."""

from datetime import time, timedelta

import factory
from django.utils import timezone
from faker import Faker

from accounts.models import User
from appointments.models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityRule,
    BookingSettings,
    Mode,
)
from profiles.models import (
    City,
    Clinic,
    DoctorDocument,
    DoctorProfile,
    Language,
    Locality,
    PatientProfile,
    Qualification,
    Specialty,
)

# Strong enough for every password validator, so factories never trip them.
PASSWORD = "correct-horse-battery-42"
fake = Faker("en_IN")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.LazyFunction(fake.name)
    role = User.Role.PATIENT
    password = PASSWORD
    # Verified, as most tests are about what a verified account may do; build
    # with email_verified_at=None for a fresh sign-up.
    email_verified_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the manager, so the password is hashed and the email normalised
        # exactly as for a real account.
        return model_class.objects.create_user(*args, **kwargs)


class PatientFactory(UserFactory):
    email = factory.Sequence(lambda n: f"patient{n}@example.com")


class DoctorFactory(UserFactory):
    role = User.Role.DOCTOR
    email = factory.Sequence(lambda n: f"doctor{n}@example.com")
    full_name = factory.LazyFunction(lambda: f"Dr. {fake.name()}")


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_superuser = True
    email = factory.Sequence(lambda n: f"admin{n}@example.com")


# --- Profiles -----------------------------------------------------------------------


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    name = "Pune"
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality
        django_get_or_create = ("city", "slug")

    city = factory.SubFactory(CityFactory)
    name = "Kothrud"
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    name = "English"
    code = "en"


class DoctorProfileFactory(factory.django.DjangoModelFactory):
    """A doctor in DRAFT with an empty profile; see `complete_doctor` for a
    profile ready to submit, and `verified_doctor` for a bookable one."""

    class Meta:
        model = DoctorProfile

    full_name = factory.LazyFunction(lambda: f"Dr. {fake.name()}")
    # The account carries the same name, as profiles.services keeps them in step.
    user = factory.SubFactory(DoctorFactory, full_name=factory.SelfAttribute("..full_name"))
    slug = factory.Sequence(lambda n: f"doctor-{n}")


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    doctor = factory.SubFactory(DoctorProfileFactory)
    degree = "MBBS"
    institution = "Armed Forces Medical College, Pune"
    year = 2008


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    doctor = factory.SubFactory(DoctorProfileFactory)
    name = factory.Sequence(lambda n: f"Care Clinic {n}")
    address = "12 Karve Road"
    locality = factory.SubFactory(LocalityFactory)
    city = factory.LazyAttribute(lambda o: o.locality.city)
    phone = "+91 20 2543 0000"


# The smallest real files of each kind, for upload tests and documents.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes(size=(64, 64), color=(20, 99, 216)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


class DoctorDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorDocument

    doctor = factory.SubFactory(DoctorProfileFactory)
    kind = DoctorDocument.Kind.REGISTRATION
    file = factory.django.FileField(filename="stored.pdf", data=MINIMAL_PDF)
    original_name = "registration certificate.pdf"
    content_type = "application/pdf"
    size = len(MINIMAL_PDF)


def complete_doctor(status=DoctorProfile.Status.DRAFT, **kwargs) -> DoctorProfile:
    """A doctor whose profile has everything verification asks for."""
    fields = {
        "registration_number": "MMC-2008-12345",
        "registration_council": "Maharashtra Medical Council",
        "practising_since": 2010,
        "offers_online": True,
        "fee_online": 50000,
        "offers_in_person": True,
        "fee_in_person": 70000,
        "bio": "Skin, hair and nail care for all ages.",
        "status": status,
        **kwargs,
    }
    profile = DoctorProfileFactory(**fields)
    profile.specialties.add(SpecialtyFactory(name="Dermatologist", slug="dermatologist"))
    profile.languages.add(LanguageFactory())
    QualificationFactory(doctor=profile)
    ClinicFactory(doctor=profile)
    for kind in DoctorDocument.Kind:
        DoctorDocumentFactory(doctor=profile, kind=kind)
    from profiles.services import doctor_search_text_refresh

    doctor_search_text_refresh(profile=profile)
    return profile


def verified_doctor(**kwargs) -> DoctorProfile:
    return complete_doctor(status=DoctorProfile.Status.VERIFIED, **kwargs)


class PatientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientProfile

    user = factory.SubFactory(PatientFactory)
    full_name = factory.LazyAttribute(lambda o: o.user.full_name)


# --- Appointments ----------------------------------------------------------------------


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    """Every day's rule for the weekday given; in-person rules need `clinic`."""

    class Meta:
        model = AvailabilityRule

    doctor = factory.SubFactory(DoctorProfileFactory)
    weekday = 0
    start = time(9, 0)
    end = time(13, 0)
    slot_minutes = 30
    mode = Mode.ONLINE
    clinic = None


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    doctor = factory.SubFactory(DoctorProfileFactory)
    kind = AvailabilityException.Kind.LEAVE
    date = factory.LazyFunction(timezone.localdate)


class BookingSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingSettings
        django_get_or_create = ("doctor",)

    doctor = factory.SubFactory(DoctorProfileFactory)


def bookable_doctor(*, weekdays=range(7), start=time(9, 0), end=time(17, 0), slot_minutes=30, **kwargs):
    """A verified doctor with online and clinic hours every day (online in the
    morning until 13:00, clinic after), in Asia/Kolkata unless told otherwise."""
    profile = verified_doctor(**kwargs)
    clinic = profile.clinics.first()
    for weekday in weekdays:
        AvailabilityRuleFactory(
            doctor=profile, weekday=weekday, start=start, end=time(13, 0), slot_minutes=slot_minutes
        )
        AvailabilityRuleFactory(
            doctor=profile,
            weekday=weekday,
            start=time(13, 0),
            end=end,
            slot_minutes=slot_minutes,
            mode=Mode.IN_PERSON,
            clinic=clinic,
        )
    return profile


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment row as the database would hold it (no service, no checks):
    for lists, permissions and history. Booking itself is tested through the service."""

    class Meta:
        model = Appointment
        skip_postgeneration_save = True

    doctor = factory.SubFactory(DoctorProfileFactory)
    patient = factory.SubFactory(PatientFactory)
    mode = Mode.ONLINE
    start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=30))
    status = Appointment.Status.CONFIRMED
    reason = "Follow-up for skin rash"
    fee = 50000

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if create:
            AppointmentEvent.objects.create(appointment=obj, actor=obj.patient, to_status=obj.status)


# --- Payments and My Records -----------------------------------------------------------


class CapturedPaymentFactory(factory.django.DjangoModelFactory):
    """A paid order as the database holds it after capture (no gateway): for records and lists."""

    class Meta:
        model = "payments.Payment"

    appointment = factory.SubFactory(AppointmentFactory, payment_state=Appointment.PaymentState.PAID)
    gateway = "fake"
    receipt = factory.Sequence(lambda n: f"rcpt_test_{n:06d}")
    order_id = factory.Sequence(lambda n: f"order_test_{n:06d}")
    payment_id = factory.Sequence(lambda n: f"pay_test_{n:06d}")
    amount = factory.SelfAttribute("appointment.fee")
    status = "CAPTURED"
    captured_at = factory.LazyAttribute(lambda o: o.appointment.start - timedelta(days=1))


class MedicalReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "prescriptions.MedicalReport"

    patient = factory.SubFactory(PatientFactory)
    title = factory.Sequence(lambda n: f"Blood count {n}")
    kind = "LAB"
    report_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    file = factory.django.FileField(filename="stored.pdf", data=MINIMAL_PDF)
    original_name = "blood count.pdf"
    content_type = "application/pdf"
    size = len(MINIMAL_PDF)


class IssuedPrescriptionFactory(factory.django.DjangoModelFactory):
    """An issued prescription as the database holds it (no render, no rules):
    for records and permissions. Writing and issuing are tested through the services."""

    class Meta:
        model = "prescriptions.Prescription"

    appointment = factory.SubFactory(AppointmentFactory, status=Appointment.Status.COMPLETED)
    doctor = factory.SelfAttribute("appointment.doctor")
    patient = factory.SelfAttribute("appointment.patient")
    status = "ISSUED"
    consult_kind = "VIDEO"
    diagnosis = "Acute pharyngitis"
    verification_code = factory.Sequence(lambda n: f"TESTCODE{n:08d}")
    pdf = factory.django.FileField(filename="rx.pdf", data=MINIMAL_PDF)
    pdf_sha256 = "0" * 64
    issued_at = factory.LazyAttribute(lambda o: o.appointment.end)
