"""A doctor's own profile change that moves their free slots (time zone,
offered modes, fees) recomputes the next free slot per mode at once, through
profiles.signals.doctor_schedule_changed, not at the next periodic refresh (bug 1.6)."""

from datetime import time

import pytest
from django.urls import reverse

from appointments.next_available import refresh_doctor
from profiles.models import Mode
from tests.factories import AvailabilityRuleFactory, verified_doctor

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor():
    """Verified, with video hours 09:00-13:00 every day and clinic visits, its next slots current."""
    doctor = verified_doctor(full_name="Dr. Asha Rao")
    for weekday in range(7):
        AvailabilityRuleFactory(doctor=doctor, weekday=weekday, start=time(9), end=time(13), mode=Mode.ONLINE)
    refresh_doctor(doctor.pk)
    doctor.refresh_from_db()
    return doctor


def details(doctor, **overrides):
    """The profile form as the browser posts it, unchanged but for `overrides` (None: unticked)."""
    data = {
        "full_name": doctor.full_name,
        "gender": "FEMALE",
        "registration_number": doctor.registration_number,
        "registration_council": doctor.registration_council,
        "practising_since": doctor.practising_since,
        "specialties": [s.pk for s in doctor.specialties.all()],
        "languages": [lang.pk for lang in doctor.languages.all()],
        "offers_online": "on",
        "fee_online": "500",
        "offers_in_person": "on",
        "fee_in_person": "700",
        "time_zone": doctor.time_zone,
        "bio": doctor.bio,
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


def save_details(client_for, doctor, callbacks, **overrides):
    with callbacks(execute=True):
        response = client_for(doctor.user).post(
            reverse("profiles:doctor_profile"), details(doctor, **overrides)
        )
    assert response.status_code == 302
    doctor.refresh_from_db()


def test_profile_turning_off_video_clears_next_online_at_once(
    client_for, doctor, django_capture_on_commit_callbacks
):
    assert doctor.next_online_at is not None

    save_details(client_for, doctor, django_capture_on_commit_callbacks, offers_online=None, fee_online=None)

    assert doctor.offers_online is False
    assert doctor.next_online_at is None


def test_profile_time_zone_change_moves_next_online_at_once(
    client_for, doctor, django_capture_on_commit_callbacks
):
    before = doctor.next_online_at

    save_details(client_for, doctor, django_capture_on_commit_callbacks, time_zone="America/New_York")

    # The rules are wall-clock hours in the doctor's zone: 09:00 in New York is another instant.
    assert doctor.time_zone == "America/New_York"
    assert doctor.next_online_at is not None
    assert doctor.next_online_at != before


def test_profile_turning_video_back_on_finds_its_next_slot_at_once(
    client_for, doctor, django_capture_on_commit_callbacks
):
    save_details(client_for, doctor, django_capture_on_commit_callbacks, offers_online=None, fee_online=None)
    assert doctor.next_online_at is None

    save_details(client_for, doctor, django_capture_on_commit_callbacks)

    assert doctor.next_online_at is not None


def test_profile_change_that_moves_no_slot_sends_no_refresh(
    client_for, doctor, django_capture_on_commit_callbacks
):
    from profiles.signals import doctor_schedule_changed

    sent = []

    def receiver(sender, doctor_id, **kwargs):
        sent.append(doctor_id)

    doctor_schedule_changed.connect(receiver)
    try:
        save_details(
            client_for, doctor, django_capture_on_commit_callbacks, bio="Now also treating hair loss."
        )
        save_details(client_for, doctor, django_capture_on_commit_callbacks, fee_online="600")
    finally:
        doctor_schedule_changed.disconnect(receiver)

    assert sent == [doctor.pk]
