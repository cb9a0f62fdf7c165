import re

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

HONORIFICS = {"dr", "prof", "mr", "mrs", "ms"}
# "Dr.", "Dr", "DR.", "dr." (repeated, too) before a name: "Dr" in title case, or any
# case with its full stop. Not the "Dr" of "Drishti", nor "DR" as initials ("DR Kumar").
DOCTOR_TITLE_RE = re.compile(r"^(?:\s*(?:Dr\b\.?|(?i:dr)\.))+\s*")


def without_doctor_title(name: str) -> str:
    """A doctor's name as stored: "Dr. Asha Rao" -> "Asha Rao". Doctors sign up
    with and without the title; it is added on display, by doctor_display_name."""
    return DOCTOR_TITLE_RE.sub("", name or "").strip()


def doctor_display_name(name: str) -> str:
    """How a doctor is named everywhere (cards, pages, lists, emails, admin):
    "Dr. " and the name, never "Dr. Dr."; "" without a name. The one place this
    rule is written (DoctorProfile.display_name and User.get_full_name use it)."""
    bare = without_doctor_title(name)
    return f"Dr. {bare}" if bare else ""


def normalize_email(email: str) -> str:
    """The one spelling of an address we store and look up: trimmed, lower case.

    Nobody expects "Asha@Example.com" and "asha@example.com" to be two people.
    """
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = User.Role.ADMIN
        extra_fields["is_superuser"] = True
        # Whoever runs createsuperuser controls the server: the address needs no link.
        extra_fields.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. The role decides which side of the product they use.

    A doctor who wants care books with a separate patient account, so one role
    per user is enough. `is_staff` is derived from the role on every save.
    """

    class Role(models.TextChoices):
        PATIENT = "PATIENT", "Patient"
        DOCTOR = "DOCTOR", "Doctor"
        ADMIN = "ADMIN", "Admin"

    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PATIENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, editable=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the owner opens the signed link we emailed; until then the
    # account cannot book or submit a doctor profile for review.
    email_verified_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            # The database, not the form, guarantees one account per address
            # whatever its case.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        self.is_staff = self.role == self.Role.ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self):
        if self.role == self.Role.DOCTOR:
            return doctor_display_name(self.full_name) or self.email
        return self.full_name or self.email

    def get_short_name(self):
        """How we greet someone: "Priya" for Priya Nair, but a doctor as "Dr. Asha
        Rao" in full, since "Dr." alone is not a name."""
        if self.role == self.Role.DOCTOR:
            return self.get_full_name()
        words = self.full_name.split()
        if not words:
            return self.email
        if words[0].rstrip(".").lower() in HONORIFICS:
            return self.full_name
        return words[0]

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_patient(self):
        return self.role == self.Role.PATIENT

    @property
    def is_doctor(self):
        return self.role == self.Role.DOCTOR
