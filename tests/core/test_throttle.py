"""Booking and reschedule submissions are rate-limited per user (core.throttle): a 429 page, never a 500."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from core import throttle
from tests.factories import AppointmentFactory, PatientFactory, bookable_doctor

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor_to_book(db):
    return bookable_doctor(full_name="Dr. Asha Rao")


def post_booking(client, doctor):
    # An empty submission: sent back to the picker, books nothing, but is a POST all the same.
    return client.post(reverse("appointments:book", args=[doctor.slug]))


def test_the_eleventh_booking_post_in_a_minute_gets_the_429_page(client_for, patient, doctor_to_book):
    client = client_for(patient)

    allowed = [post_booking(client, doctor_to_book) for _ in range(10)]
    refused = post_booking(client, doctor_to_book)

    assert [r.status_code for r in allowed] == [302] * 10
    assert refused.status_code == 429
    assert [t.name for t in refused.templates][:2] == ["429.html", "base.html"]
    page = refused.content.decode()
    assert "Too many requests" in page
    assert "more than 10 times in a minute" in page
    assert refused["Retry-After"] == "60"
    assert not Appointment.objects.exists()


def test_reschedule_posts_share_the_booking_count(client_for, patient, doctor_to_book):
    appointment = AppointmentFactory(patient=patient, doctor=doctor_to_book)
    client = client_for(patient)
    for _ in range(10):
        post_booking(client, doctor_to_book)

    response = client.post(reverse("appointments:reschedule", args=[appointment.pk]), {"start": "x"})

    assert response.status_code == 429
    assert Appointment.objects.get(pk=appointment.pk).start == appointment.start


def test_pages_viewed_are_not_counted(client_for, patient, doctor_to_book):
    client = client_for(patient)
    for _ in range(15):
        client.get(reverse("appointments:book", args=[doctor_to_book.slug]))

    assert post_booking(client, doctor_to_book).status_code == 302


def test_one_users_count_does_not_hold_back_another(client_for, patient, doctor_to_book):
    for _ in range(11):
        post_booking(client_for(patient), doctor_to_book)

    assert post_booking(client_for(PatientFactory()), doctor_to_book).status_code == 302


def test_the_limit_is_a_setting(settings, client_for, patient, doctor_to_book):
    settings.BOOKING_POSTS_PER_MINUTE = 2
    client = client_for(patient)

    codes = [post_booking(client, doctor_to_book).status_code for _ in range(3)]

    assert codes == [302, 302, 429]


def test_the_count_starts_again_in_the_next_minute():
    hits = [throttle.over_limit("test", 1, limit=2, now=120.0 + n) for n in range(3)]

    assert hits == [False, False, True]
    assert throttle.over_limit("test", 1, limit=2, now=180.0) is False


def test_a_cache_that_does_not_answer_lets_the_request_through(
    monkeypatch, client_for, patient, doctor_to_book
):
    def broken(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(throttle.cache, "add", broken)

    assert post_booking(client_for(patient), doctor_to_book).status_code == 302
