from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import doctor_display_name, without_doctor_title
from core import zones
from core.storage import private_storage

DEFAULT_TIME_ZONE = zones.DEFAULT_ZONE
TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zones.VALID_ZONES)]


class Gender(models.TextChoices):
    FEMALE = "FEMALE", "Female"
    MALE = "MALE", "Male"
    OTHER = "OTHER", "Other"


class Mode(models.TextChoices):
    """How a consultation happens: part of what a doctor offers (and what an
    appointment is), so it lives here, below appointments."""

    ONLINE = "ONLINE", "Video consultation"
    IN_PERSON = "IN_PERSON", "Clinic visit"


# --- Reference data (seeded by data migrations) -------------------------------


class Specialty(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    keywords = models.TextField(
        blank=True, help_text="Words patients use for it, comma-separated: skin, rash, acne."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self):
        return self.name


class City(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    state = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"

    def __str__(self):
        return self.name


class Locality(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="localities")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name_plural = "localities"
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="profiles_locality_unique_in_city")
        ]

    def __str__(self):
        return self.name


class Language(models.Model):
    name = models.CharField(max_length=40, unique=True)
    code = models.CharField(max_length=8, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# --- Doctors ----------------------------------------------------------------------


class DoctorQuerySet(models.QuerySet):
    def bookable(self):
        """The doctors patients may find, see and book: VERIFIED, with an active
        account. The one place this rule is written.

        Written as "no inactive account" (an anti-join against the few
        deactivated users) rather than a join to every account: search runs it
        over every doctor."""
        from accounts.models import User  # accounts is a floor below; imported late to keep models light

        inactive = User.objects.filter(pk=models.OuterRef("user_id"), is_active=False)
        return self.filter(~models.Exists(inactive), status=DoctorProfile.Status.VERIFIED)

    def with_bookable(self):
        """Each doctor with `is_bookable` annotated, by the same rule as bookable(),
        for code that loads doctors of any status and must tell them apart."""
        return self.annotate(
            is_bookable=models.Exists(DoctorProfile.objects.bookable().filter(pk=models.OuterRef("pk")))
        )


class DoctorProfile(models.Model):
    """A doctor's public profile and where it stands in verification.

    Only VERIFIED doctors are searchable, have a public page or can be booked.
    Changes go through profiles.services, which owns the verification rules.
    """

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PENDING = "PENDING", "Pending verification"
        VERIFIED = "VERIFIED", "Verified"
        REJECTED = "REJECTED", "Rejected"

    # Changing any of these on a verified profile sends it back for verification.
    VERIFICATION_FIELDS = ("full_name", "registration_number", "registration_council")
    # The doctor's free slots depend on these: a change refreshes the next free slot per mode.
    SCHEDULE_FIELDS = ("time_zone", "offers_online", "offers_in_person", "fee_online", "fee_in_person")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor_profile"
    )
    slug = models.SlugField(max_length=120, unique=True)
    full_name = models.CharField(max_length=150, help_text="As on your medical registration.")
    photo = models.ImageField(upload_to="doctors/photos/", blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    specialties = models.ManyToManyField(Specialty, related_name="doctors", blank=True)
    registration_number = models.CharField(max_length=40, blank=True)
    registration_council = models.CharField(max_length=120, blank=True)
    practising_since = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    languages = models.ManyToManyField(Language, related_name="doctors", blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    # Printed on the doctor's prescriptions; private (no URL), read only to render them.
    signature = models.ImageField(storage=private_storage, upload_to="doctor-signatures/", blank=True)
    offers_online = models.BooleanField("offers online consultations", default=False)
    offers_in_person = models.BooleanField("offers clinic visits", default=False)
    fee_online = models.PositiveIntegerField("online fee (paise)", null=True, blank=True)
    fee_in_person = models.PositiveIntegerField("clinic fee (paise)", null=True, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default=DEFAULT_TIME_ZONE)

    # The next free slot per mode, owned here so search can filter and sort on it;
    # kept current by appointments (every booking change, rules, leave, settings)
    # and by `manage.py refresh_next_available` as time passes.
    next_online_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_in_person_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # The search document: name, specialties with their synonyms, clinics,
    # localities and cities. Written only by services.doctor_search_text_refresh;
    # on PostgreSQL a generated column `search_vector` (tsvector, GIN-indexed,
    # migration 0005, deliberately not declared here) follows it.
    search_text = models.TextField(blank=True, default="", editable=False)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DoctorQuerySet.as_manager()

    # The per-mode fields, for code that reads or filters them by mode.
    OFFERS_FIELD = {Mode.ONLINE: "offers_online", Mode.IN_PERSON: "offers_in_person"}
    FEE_FIELD = {Mode.ONLINE: "fee_online", Mode.IN_PERSON: "fee_in_person"}
    NEXT_AT_FIELD = {Mode.ONLINE: "next_online_at", Mode.IN_PERSON: "next_in_person_at"}

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="REJECTED") | ~models.Q(rejection_reason=""),
                name="profiles_doctor_rejection_has_reason",
            ),
        ]
        indexes = [
            # The admin analytics page: doctors verified in a window and how long they
            # waited, read from this index alone.
            models.Index(
                fields=["decided_at"],
                include=["submitted_at"],
                condition=models.Q(status="VERIFIED"),
                name="profiles_doctor_verified_idx",
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        # Stored without "Dr.", whoever writes it (sign-up, the form, admin, demo
        # data): display_name adds it, so no page shows "Dr. Dr." or a bare name.
        self.full_name = without_doctor_title(self.full_name)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The doctor's name as every page, list, email and admin shows it: "Dr. Asha Rao"."""
        return doctor_display_name(self.full_name) or self.user.email

    @property
    def is_verified(self):
        """The badge. Whether the doctor can be booked is DoctorProfile.objects.bookable()."""
        return self.status == self.Status.VERIFIED

    def offers(self, mode) -> bool:
        """Whether the doctor offers consultations in `mode` (a Mode)."""
        field = self.OFFERS_FIELD.get(mode)  # an unknown value is simply not offered
        return bool(field and getattr(self, field))

    def fee(self, mode) -> int:
        """What a consultation in `mode` costs, in paise (0 when no fee is set)."""
        return getattr(self, self.FEE_FIELD[Mode(mode)]) or 0

    @property
    def modes(self) -> list:
        """The modes the doctor offers, clinic visits first."""
        return [mode for mode in (Mode.IN_PERSON, Mode.ONLINE) if self.offers(mode)]

    @property
    def verification_locked(self):
        """While staff review a submission, what they review cannot change."""
        return self.status == self.Status.PENDING

    @property
    def can_submit(self):
        return self.status in (self.Status.DRAFT, self.Status.REJECTED)

    @property
    def experience_years(self):
        if not self.practising_since:
            return None
        return max(timezone.localdate().year - self.practising_since, 0)


class Qualification(models.Model):
    doctor = models.ForeignKey(DoctorProfile, on_delete=models.CASCADE, related_name="qualifications")
    degree = models.CharField(max_length=80)
    institution = models.CharField(max_length=150)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1950), MaxValueValidator(2100)])

    class Meta:
        ordering = ["year", "id"]

    def __str__(self):
        return f"{self.degree}, {self.institution} ({self.year})"


class CurrentClinicManager(models.Manager):
    """Clinics the doctor still practises at: archived ones are left out."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


class Clinic(models.Model):
    """A place where a doctor sees patients.

    A clinic with appointments in its history is archived rather than deleted,
    so those appointments keep its name and address. The default manager (and
    so `doctor.clinics`, admin and every form) sees only current clinics: the
    profile editor, the public page, the availability forms and search never
    offer an archived one. An appointment reaches its clinic through Django's
    base manager (a plain one), archived or not, as does `Clinic._base_manager`.
    """

    doctor = models.ForeignKey(DoctorProfile, on_delete=models.CASCADE, related_name="clinics")
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=255)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="clinics")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="clinics")
    phone = models.CharField(max_length=20, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CurrentClinicManager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    def clean(self):
        """A clinic's locality is in its city (the profile form and admin both ask)."""
        super().clean()
        if self.city_id and self.locality_id and self.locality.city_id != self.city_id:
            raise ValidationError({"locality": f"{self.locality.name} is not in {self.city.name}."})


class DoctorDocument(models.Model):
    """A verification document, stored privately; one current file per kind."""

    class Kind(models.TextChoices):
        REGISTRATION = "REGISTRATION", "Medical registration certificate"
        DEGREE = "DEGREE", "Degree certificate"
        GOVERNMENT_ID = "GOVERNMENT_ID", "Government ID"

    doctor = models.ForeignKey(DoctorProfile, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to="doctor-documents/")
    original_name = models.CharField(max_length=255, help_text="The uploader's file name, for display only.")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["doctor", "kind"], name="profiles_document_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.doctor}"


# --- Patients -------------------------------------------------------------------


class PatientProfile(models.Model):
    class BloodGroup(models.TextChoices):
        A_POS = "A+", "A+"
        A_NEG = "A-", "A−"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B−"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB−"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O−"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_profile"
    )
    full_name = models.CharField(max_length=150)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default=DEFAULT_TIME_ZONE)
    blood_group = models.CharField(max_length=3, choices=BloodGroup.choices, blank=True)
    allergies = models.TextField(blank=True)
    chronic_conditions = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.full_name or self.user.email

    def age_on(self, day) -> tuple[int, int] | None:
        """(whole years, months past them) on `day`, or None without a date of
        birth. Someone born on 29 February is a year older on 1 March."""
        born = self.date_of_birth
        if born is None or day < born:
            return None
        months = (day.year - born.year) * 12 + day.month - born.month - (day.day < born.day)
        return divmod(months, 12)

    ADULT_AGE = 18

    def is_minor_on(self, day) -> bool:
        """Under 18 on `day` (False when the date of birth is not given)."""
        age = self.age_on(day)
        return age is not None and age[0] < self.ADULT_AGE
