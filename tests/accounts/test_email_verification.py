"""A new account confirms its address with a signed link before it can book."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import VERIFY_MAX_AGE, VERIFY_RESEND_INTERVAL, email_verification_token
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

FORM = {"full_name": "Priya Nair", "email": "priya.nair@example.com", "password": "monsoon-tea-garden-7"}
START = "2026-12-01 10:00 +0000"


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", message.body).group(1)


@pytest.fixture
def unverified(db):
    return PatientFactory(full_name="Priya Nair", email="priya.nair@example.com", email_verified_at=None)


def test_signup_email_link_verifies_the_account_and_asks_to_log_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), FORM)
    user = User.objects.get()
    assert not user.email_verified
    message = mail.outbox[0]
    assert message.subject == "Confirm your email address for MedConsult"
    assert "within 3 days" in message.body
    assert message.alternatives[0][1] == "text/html"

    response = client.get(link_in(message), follow=True)

    user.refresh_from_db()
    assert user.email_verified
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "your email address is confirmed. Log in to continue." in response.content.decode()


def test_verify_link_while_logged_in_goes_to_dashboard(client_for, unverified):
    client = client_for(unverified)

    response = client.get(
        reverse("accounts:verify_email", args=[email_verification_token(unverified)]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("patient_dashboard")
    assert "You can book appointments now." in response.content.decode()
    assert "Please confirm your email address." not in response.content.decode()
    unverified.refresh_from_db()
    assert unverified.email_verified


def test_verify_link_works_at_its_max_age(client, unverified):
    with time_machine.travel(START, tick=False) as traveller:
        token = email_verification_token(unverified)
        traveller.shift(VERIFY_MAX_AGE.total_seconds())

        response = client.get(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 302
    unverified.refresh_from_db()
    assert unverified.email_verified


def test_verify_link_one_second_past_its_max_age_is_refused(client, unverified):
    with time_machine.travel(START, tick=False) as traveller:
        token = email_verification_token(unverified)
        traveller.shift(VERIFY_MAX_AGE.total_seconds() + 1)

        response = client.get(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    assert "This link has expired." in response.content.decode()
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_verify_link_tampered_is_refused(client, unverified):
    token = email_verification_token(unverified)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.get(reverse("accounts:verify_email", args=[forged]))

    assert response.status_code == 400
    assert "This link is not valid." in response.content.decode()
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_verify_link_for_an_address_the_account_no_longer_has_is_refused(client, unverified):
    token = email_verification_token(unverified)
    unverified.email = "priya.new@example.com"
    unverified.save(update_fields=["email"])

    response = client.get(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_verify_link_opened_again_keeps_the_first_date(client, unverified):
    url = reverse("accounts:verify_email", args=[email_verification_token(unverified)])
    client.get(url)
    unverified.refresh_from_db()
    first = unverified.email_verified_at

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        response = client.get(url)

    unverified.refresh_from_db()
    assert response.status_code == 302
    assert unverified.email_verified_at == first


def test_failed_link_offers_a_new_one_to_the_logged_in_owner(client_for, unverified):
    response = client_for(unverified).get(reverse("accounts:verify_email", args=["nonsense"]))

    assert response.status_code == 400
    page = response.content.decode()
    assert reverse("accounts:verify_email_resend") in page
    assert "Email me a new link" in page


def test_dashboard_of_unverified_patient_says_so_and_offers_resend(client_for, unverified):
    page = client_for(unverified).get(reverse("patient_dashboard")).content.decode()

    assert "Please confirm your email address." in page
    assert "You can book appointments once it is confirmed." in page
    assert f'action="{reverse("accounts:verify_email_resend")}"' in page


def test_dashboard_of_verified_patient_has_no_notice(client_for, patient):
    page = client_for(patient).get(reverse("patient_dashboard")).content.decode()

    assert "Please confirm your email address." not in page


def test_resend_sends_a_new_link_that_works(client_for, unverified, django_capture_on_commit_callbacks):
    client = client_for(unverified)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:verify_email_resend"), follow=True)

    assert "We have sent a new link to priya.nair@example.com." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["priya.nair@example.com"]]
    client.get(link_in(mail.outbox[0]))
    unverified.refresh_from_db()
    assert unverified.email_verified


def test_resend_is_limited_to_one_per_interval(client_for, unverified, django_capture_on_commit_callbacks):
    client = client_for(unverified)
    resend = reverse("accounts:verify_email_resend")

    with time_machine.travel(START, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(resend)
        traveller.shift(VERIFY_RESEND_INTERVAL.total_seconds() - 1)
        with django_capture_on_commit_callbacks(execute=True):
            refused = client.post(resend, follow=True)
        assert len(mail.outbox) == 1
        assert "We sent you a link a moment ago." in refused.content.decode()

        traveller.shift(2)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(resend)

    assert len(mail.outbox) == 2


def test_resend_right_after_signup_waits_for_the_interval(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup"), FORM)
    client.force_login(User.objects.get())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:verify_email_resend"))

    assert len(mail.outbox) == 1


def test_resend_for_verified_account_sends_nothing(client_for, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient).post(reverse("accounts:verify_email_resend"), follow=True)

    assert "Your email address is already confirmed." in response.content.decode()
    assert mail.outbox == []


def test_resend_goes_back_to_a_local_page_only(client_for, unverified):
    client = client_for(unverified)

    local = client.post(reverse("accounts:verify_email_resend"), {"next": "/doctors/"})
    foreign = client.post(reverse("accounts:verify_email_resend"), {"next": "https://evil.example/"})

    assert local.url == "/doctors/"
    assert foreign.url == reverse("dashboard")


def test_resend_needs_post_and_login(client, client_for, unverified):
    assert client.post(reverse("accounts:verify_email_resend")).url.startswith(reverse("accounts:login"))
    assert client_for(unverified).get(reverse("accounts:verify_email_resend")).status_code == 405


def test_factories_and_superusers_are_verified(patient, doctor, staff):
    assert patient.email_verified
    assert doctor.email_verified
    assert staff.email_verified
    assert User.objects.create_superuser(email="root@example.com", password="x").email_verified
