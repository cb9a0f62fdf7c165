import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "river-lantern-orchid-3"


def test_password_reset_sends_link_that_sets_new_password(client, patient):
    response = client.post(reverse("accounts:password_reset"), {"email": "PRIYA@example.com"})

    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["priya@example.com"]
    assert message.subject == "Reset your MedConsult password"
    assert message.alternatives[0][1] == "text/html"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.url == reverse("accounts:password_reset_complete")
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_password_reset_unknown_email_sends_nothing_and_says_the_same(client, patient):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_bad_token_shows_expired_page(client, patient):
    response = client.get("/accounts/password/reset/MQ/bad-token/")

    assert response.status_code == 200
    assert "This link has expired" in response.content.decode()


def test_password_change_needs_old_password(client_for, patient):
    client = client_for(patient)

    bad = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert bad.status_code == 200
    assert "Your old password was entered incorrectly" in bad.content.decode()

    good = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert good.url == reverse("accounts:password_change_done")
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_password_change_requires_login(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
