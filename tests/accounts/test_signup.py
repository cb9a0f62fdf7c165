import pytest
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


def test_signup_patient_creates_patient_logs_in_and_lands_on_dashboard(
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
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).url == reverse("patient_dashboard")
    assert registrations == [user]


def test_signup_doctor_creates_doctor_and_lands_on_doctor_dashboard(
    client, registrations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup_doctor"), {**GOOD, "full_name": "Dr. Asha Rao"})

    user = User.objects.get()
    assert user.role == User.Role.DOCTOR
    assert registrations == [user]
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("doctor_dashboard")
    assert "Welcome, Dr. Asha Rao" in response.content.decode()


def test_signup_signal_waits_for_commit(client, registrations, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("accounts:signup"), GOOD)

    assert registrations == []
    assert len(callbacks) == 1


def test_signup_same_email_in_other_case_is_refused(client):
    PatientFactory(email="priya.nair@example.com")

    response = client.post(reverse("accounts:signup"), {**GOOD, "email": "PRIYA.NAIR@example.COM"})

    assert response.status_code == 200
    assert User.objects.count() == 1
    assert "An account with this email already exists" in response.content.decode()
    assert response.context["form"].has_error("email", code="email_taken")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short"),
        ("12345678901", "This password is entirely numeric"),
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
