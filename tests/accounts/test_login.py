import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password, **extra})


@pytest.mark.parametrize(
    ("persona", "landing"),
    [("patient", "/patient/"), ("doctor", "/doctor/"), ("staff", "/admin/")],
)
def test_login_lands_each_role_on_its_own_page(client, request, persona, landing):
    user = request.getfixturevalue(persona)

    response = login(client, user.email)
    assert response.status_code == 302
    final = client.get(response.url)

    assert final.status_code == 302
    assert final.url == landing
    assert client.get(landing).status_code == 200


def test_login_email_is_case_insensitive(client, patient):
    response = login(client, "  PRIYA@Example.com ")

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == patient.pk


def test_login_wrong_password_shows_error_inline(client, patient):
    response = login(client, patient.email, "wrong-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "That email and password do not match an account" in response.content.decode()


def test_login_follows_safe_next_but_not_foreign_one(client, patient):
    response = login(client, patient.email, next="/patient/")
    assert response.url == "/patient/"

    client.logout()
    response = login(client, patient.email, next="https://evil.example.com/")
    assert response.url == reverse("dashboard")


def test_login_locks_out_after_five_wrong_passwords(client, patient):
    for _ in range(5):
        login(client, patient.email, "wrong-password")

    response = login(client, patient.email)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client_for, patient):
    client = client_for(patient)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "_auth_user_id" not in client.session


def test_login_lockout_counts_email_in_any_case(client, patient):
    for variant in ["priya@example.com", "PRIYA@example.com", "Priya@Example.com", "priya@EXAMPLE.com"]:
        login(client, variant, "wrong-password")

    response = login(client, "PrIyA@example.com", "wrong-password")

    assert response.status_code == 429
