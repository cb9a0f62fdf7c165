"""Privacy and Terms as real pages (issue 10, point 12), their rules read from
the code and settings that decide them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from appointments import lifecycle
from appointments.models import Appointment
from medconsult.policies import duration_words

pytestmark = pytest.mark.django_db


def test_privacy_says_what_is_stored_who_sees_it_how_long_and_how_to_get_a_copy(client):
    response = client.get(reverse("privacy"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Privacy · MedConsult</title>" in html
    for heading in ("What we store", "Who sees it", "How long we keep it", "How to get a copy"):
        assert f">{heading}</h2>" in html
    assert "allergies, long-term conditions" in html
    assert "your phone number for a clinic visit" in html
    assert "kept for at least 3 years from the start of treatment" in html
    assert '<a href="mailto:care@medconsult.local">care@medconsult.local</a>' in html
    assert "We send it within 72 hours." in html


def test_terms_say_not_for_emergencies_and_the_cancellation_rules(client):
    response = client.get(reverse("terms"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Terms of use · MedConsult</title>" in html
    assert "<strong>MedConsult is not for emergencies.</strong>" in html
    assert '<a href="tel:112">112</a>' in html
    assert "online until 2 hours before it starts" in html
    assert "The slot is held for you for 10 minutes" in html
    assert "at most 1 unpaid video consultation at a time, 2 upcoming appointments with one doctor" in html
    assert "and 8 upcoming appointments in all" in html
    assert 'id="refunds"' in html


def test_terms_follow_the_rules_the_site_applies(client, settings, monkeypatch):
    monkeypatch.setattr(lifecycle, "CANCEL_NOTICE", timedelta(hours=4))
    monkeypatch.setattr(Appointment, "HOLD", timedelta(minutes=15))
    settings.BOOKING_MAX_UNPAID_HOLDS = 2
    settings.BOOKING_MAX_UPCOMING_TOTAL = 5

    html = client.get(reverse("terms")).content.decode()

    assert "online until 4 hours before it starts" in html
    assert "held for you for 15 minutes" in html
    assert "at most 2 unpaid video consultations at a time" in html
    assert "and 5 upcoming appointments in all" in html


def test_policy_pages_cost_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(reverse("privacy"))
        client.get(reverse("terms"))


def test_footer_and_home_link_to_the_pages_not_to_anchors(client):
    html = client.get(reverse("privacy")).content.decode()

    assert '<a href="/privacy/">Privacy</a>' in html
    assert '<a href="/terms/">Terms</a>' in html
    assert "#privacy" not in html
    assert "#terms" not in html
    home = client.get(reverse("home")).content.decode()
    assert '<a href="/privacy/">How we handle your data</a>' in home
    assert '<a href="/terms/">Terms of use</a>' in home
    assert "Cancel or move a booking online up to 2 hours before it starts." in home


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (timedelta(hours=2), "2 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(minutes=10), "10 minutes"),
        (timedelta(days=1), "1 day"),
    ],
)
def test_duration_words(span, words):
    assert duration_words(span) == words
