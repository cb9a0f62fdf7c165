import pytest
from django.core.management import call_command
from django.db import IntegrityError

from accounts.models import User
from tests.factories import DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_email_is_stored_lower_case_and_trimmed():
    user = PatientFactory(email="  Asha.Rao@Example.COM ")

    user.refresh_from_db()
    assert user.email == "asha.rao@example.com"


def test_database_refuses_same_email_in_other_case():
    PatientFactory(email="asha@example.com")

    # A raw insert bypasses save(); the functional unique constraint still holds.
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email="ASHA@example.com")])


@pytest.mark.parametrize(
    ("role", "is_staff"),
    [(User.Role.PATIENT, False), (User.Role.DOCTOR, False), (User.Role.ADMIN, True)],
)
def test_is_staff_follows_role(role, is_staff):
    user = PatientFactory(role=role)

    assert user.is_staff is is_staff


def test_is_staff_follows_role_change_with_update_fields():
    user = DoctorFactory()

    user.role = User.Role.ADMIN
    user.save(update_fields=["role"])

    user.refresh_from_db()
    assert user.is_staff is True


def test_createsuperuser_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root-of-all-things-9")

    call_command("createsuperuser", "--noinput", email="Boss@Example.com", verbosity=0)

    user = User.objects.get()
    assert user.email == "boss@example.com"
    assert user.role == User.Role.ADMIN
    assert user.is_staff
    assert user.is_superuser


def test_names_for_greetings():
    user = PatientFactory(full_name="Priya Nair", email="p@example.com")
    nameless = PatientFactory(full_name="", email="n@example.com")
    doctor = DoctorFactory(full_name="Dr. Asha Rao")

    assert user.get_short_name() == "Priya"
    assert user.get_full_name() == "Priya Nair"
    assert nameless.get_short_name() == "n@example.com"
    assert doctor.get_short_name() == "Dr. Asha Rao"
