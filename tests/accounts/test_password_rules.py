"""Passwords: at least 12 characters, not common, not like the person's name
or email; the rules are shown under every new-password field."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

FORM = {"full_name": "Priya Nair", "email": "priya.nair@example.com"}
RULES = "At least 12 characters."


def signup(client, password):
    return client.post(reverse("accounts:signup"), {**FORM, "password": password})


def test_signup_password_of_12_characters_is_accepted(client):
    response = signup(client, "mango-kite-7")  # 12 characters

    assert response.status_code == 302
    assert User.objects.get().check_password("mango-kite-7")


def test_signup_password_of_11_characters_is_refused(client):
    response = signup(client, "mango-kite7")  # 11 characters

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("qwertyuiop123", "This password is too common."),
        ("priya.nair.example", "The password is too similar to the"),
        ("priya-nair-1", "The password is too similar to the full name."),
    ],
)
def test_signup_long_but_weak_password_is_refused(client, password, message):
    response = signup(client, password)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("url_name", ["accounts:signup", "accounts:signup_doctor"])
def test_signup_pages_show_the_rules_and_the_strength_meter(client, url_name):
    page = client.get(reverse(url_name)).content.decode()

    assert RULES in page
    assert "not like your name or email" in page
    assert "data-password-strength" in page
    assert "/static/js/password-strength.js" in page


def test_password_change_shows_the_rules_and_refuses_11_characters(client_for, patient):
    client = client_for(patient)
    page = client.get(reverse("accounts:password_change")).content.decode()

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "mango-kite7", "new_password2": "mango-kite7"},
    )

    assert RULES in page
    assert "data-password-strength" in page
    assert "/static/js/password-strength.js" in page
    assert "at least 12 characters" in response.content.decode()
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_password_change_accepts_12_characters(client_for, patient):
    response = client_for(patient).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "mango-kite-7", "new_password2": "mango-kite-7"},
    )

    assert response.url == reverse("accounts:password_change_done")
    patient.refresh_from_db()
    assert patient.check_password("mango-kite-7")


def test_password_reset_form_shows_the_rules(client, patient):
    client.post(reverse("accounts:password_reset"), {"email": patient.email})
    link = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]

    page = client.get(link, follow=True).content.decode()

    assert RULES in page
    assert "data-password-strength" in page
