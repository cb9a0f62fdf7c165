import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.signals import user_registered
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

GOOD = {"full_name": "Priya Nair", "email": "Priya.Nair@Example.com", "password": "monsoon-tea-garden-7"}


@pytest.fixture
def registrations():
    """Collect every user_registered signal sent during the test."""
    received = []

    def receiver(sender, user, **kwargs):
        received.append(user)

    user_registered.connect(receiver, weak=False)
    yield received
    user_registered.disconnect(receiver)


def test_signup_patient_creates_unverified_patient_and_asks_to_check_email(
    client, registrations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), GOOD)

    user = User.objects.get()
    assert user.email == "priya.nair@example.com"
    assert user.role == User.Role.PATIENT
    assert user.full_name == "Priya Nair"
    assert not user.is_staff
    assert user.check_password(GOOD["password"])
    assert user.email_verified_at is None
    assert response.status_code == 302
    assert response.url == reverse("accounts:signup_sent")
    # Not logged in: the answer must be the one an existing address gets.
    assert client.get(reverse("dashboard")).url.startswith(reverse("accounts:login"))
    assert registrations == [user]
    assert [m.subject for m in mail.outbox] == ["Confirm your email address for MedConsult"]


def test_signup_doctor_creates_unverified_doctor(client, registrations, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup_doctor"), {**GOOD, "full_name": "Dr. Asha Rao"})

    user = User.objects.get()
    assert user.role == User.Role.DOCTOR
    assert not user.email_verified
    assert registrations == [user]
    assert response.url == reverse("accounts:signup_sent")
    assert mail.outbox[0].to == ["priya.nair@example.com"]


def test_signup_signal_and_email_wait_for_commit(client, registrations, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("accounts:signup"), GOOD)

    assert registrations == []
    assert mail.outbox == []
    assert len(callbacks) == 2


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short"),
        ("123456789012", "This password is entirely numeric"),
        ("password123", "This password is too common"),
        ("priyanair", "The password is too similar"),
    ],
)
def test_signup_weak_password_is_refused_inline(client, password, message):
    response = client.post(reverse("accounts:signup"), {**GOOD, "password": password})

    assert response.status_code == 200
    assert not User.objects.exists()
    page = response.content.decode()
    assert message in page
    assert 'class="field has-error"' in page
    assert "Please correct the problem below." in page


def test_signup_missing_fields_show_each_error(client):
    response = client.post(reverse("accounts:signup"), {"full_name": "  ", "email": "not-an-email"})

    form = response.context["form"]
    assert set(form.errors) == {"full_name", "email", "password"}
    assert not User.objects.exists()


def test_signup_page_for_logged_in_user_goes_to_dashboard(client_for, patient):
    response = client_for(patient).get(reverse("accounts:signup"))

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_user_register_refuses_admin_role():
    from accounts.services import user_register

    with pytest.raises(ValueError, match="Self sign-up"):
        user_register(email="x@example.com", password="pw-long-enough-1", role=User.Role.ADMIN)
    assert not User.objects.exists()


def test_user_register_turns_race_on_email_into_email_taken():
    from accounts.services import EmailTaken, user_register

    PatientFactory(email="race@example.com")

    with pytest.raises(EmailTaken):
        user_register(email="Race@Example.com", password="pw-long-enough-1", role=User.Role.PATIENT)
    assert User.objects.filter(email="race@example.com").count() == 1
