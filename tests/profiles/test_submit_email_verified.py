"""A doctor submits the profile for review only from a confirmed address."""

import pytest
from django.urls import reverse

from profiles.models import DoctorProfile
from tests.factories import complete_doctor

pytestmark = pytest.mark.django_db


def _unconfirm(profile):
    profile.user.email_verified_at = None
    profile.user.save(update_fields=["email_verified_at"])


def test_unverified_doctor_cannot_submit_and_is_told_why(client_for):
    profile = complete_doctor()
    _unconfirm(profile)

    response = client_for(profile.user).post(reverse("profiles:doctor_submit"))

    assert response.status_code == 400
    assert "a confirmed email address" in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == DoctorProfile.Status.DRAFT


def test_verified_doctor_with_complete_profile_submits(client_for):
    profile = complete_doctor()

    client_for(profile.user).post(reverse("profiles:doctor_submit"))

    profile.refresh_from_db()
    assert profile.status == DoctorProfile.Status.PENDING


def test_doctor_dashboard_of_unverified_doctor_offers_resend(client_for):
    profile = complete_doctor()
    _unconfirm(profile)

    page = client_for(profile.user).get(reverse("doctor_dashboard")).content.decode()

    assert "Please confirm your email address." in page
    assert "You can submit your profile for verification once it is confirmed." in page
