"""The home page's popular specialties for the visitor's city."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from profiles.models import City
from tests.factories import PatientProfileFactory
from tests.profiles.test_search import make_doctor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def popular(response):
    return [(specialty.slug, count) for specialty, count in response.context["popular"]]


def test_home_without_doctors_defaults_to_the_first_city_by_name(client):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.context["city"].slug == "ahmedabad"
    assert response.context["popular"] == []
    assert "Doctors in Ahmedabad" in html
    assert "No verified doctors in Ahmedabad yet." in html
    assert '<option value="ahmedabad" selected>Ahmedabad</option>' in html
    assert 'action="/find/city/" method="get"' in html


def test_home_orders_the_citys_specialties_by_bookable_doctors(client):
    make_doctor("Dr. Heart One", specialties=("cardiologist",))
    make_doctor("Dr. Heart Two", specialties=("cardiologist", "general-physician"))
    make_doctor("Dr. Teeth", specialties=("dentist",))
    make_doctor("Dr. Pending Teeth", specialties=("dentist",), status="PENDING")
    make_doctor("Dr. Mumbai Teeth", specialties=("dentist",), city="mumbai", locality="bandra")
    client.cookies["city"] = "pune"

    response = client.get(reverse("home"))

    assert popular(response)[:3] == [("cardiologist", 2), ("dentist", 1), ("general-physician", 1)]
    html = response.content.decode()
    assert "Popular specialties in Pune" in html
    assert '<a class="card tile" href="/find/pune/cardiologist/">' in html
    assert "2 verified doctors in Pune" in html
    assert '<a class="chip" href="/find/pune/cardiologist/">Cardiologist</a>' in html


def test_home_ignores_an_unknown_city_cookie(client):
    make_doctor("Dr. Heart One", specialties=("cardiologist",))
    client.cookies["city"] = "atlantis"

    assert client.get(reverse("home")).context["city"].slug == "pune"  # where the doctors are


def test_home_uses_the_patients_own_city_first(client_for):
    profile = PatientProfileFactory(city=City.objects.get(slug="chennai"))
    client = client_for(profile.user)
    client.cookies["city"] = "pune"

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.context["city"].slug == "chennai"
    assert "Chennai is the city in your details" in html
    assert 'action="/find/city/"' not in html


def test_home_queries_are_few_and_cached(client, django_assert_num_queries):
    make_doctor("Dr. Heart One", specialties=("cardiologist",))
    client.cookies["city"] = "pune"

    # four reference tables, one count per specialty, the soonest doctors (none has a free slot)
    with django_assert_num_queries(6):
        client.get(reverse("home"))
    with django_assert_num_queries(0):
        client.get(reverse("home"))
