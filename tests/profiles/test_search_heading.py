"""The search heading names every active filter, briefly (issue 10, point 13)."""

import pytest
from django.core.cache import cache

from tests.profiles.test_search import make_doctor

pytestmark = pytest.mark.django_db

URL = "/doctors/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def heading(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context["summary"], response.content.decode()


def test_heading_names_fee_and_experience_beside_mode_and_day(client):
    summary, html = heading(client, mode="online", available="today", fee_max="800", experience="10")

    assert (
        summary == "0 doctors for a video consultation available today, 10+ years experience, fee up to ₹800"
    )
    assert f'<h2 id="results-summary" class="results-summary">{summary}</h2>' in html


def test_heading_names_gender_language_and_a_fee_range(client):
    make_doctor(
        "Dr. Asha Rao", languages=("hi",), fee_online=50000, fee_in_person=70000, practising_since=2000
    )

    summary, _ = heading(
        client,
        specialty="dermatologist",
        city="pune",
        gender="female",
        language="hi",
        fee_min="300",
        fee_max="1500",
    )

    assert summary == "1 female Dermatologist in Pune, speaking Hindi, fee ₹300 to ₹1,500"


def test_heading_names_a_minimum_fee_and_the_other_gender(client):
    summary, _ = heading(client, gender="other", fee_min="500")

    assert summary == "0 doctors, gender: other, fee from ₹500"


def test_title_names_the_filters_too(client):
    _, html = heading(client, city="pune", experience="15", language="hi")

    assert "<title>Doctors in Pune, speaking Hindi, 15+ years experience · MedConsult</title>" in html


def test_heading_without_filters_is_just_the_count(client):
    make_doctor("Dr. Asha Rao")

    summary, _ = heading(client)

    assert summary == "1 doctor"
