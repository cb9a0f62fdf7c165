"""Landing pages /find/<city>/ and /find/<city>/<specialty>/, and the city picker."""

import pytest
from django.urls import reverse

from tests.profiles.test_search import found, make_doctor, results_section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def landing(city, specialty=None):
    if specialty:
        return reverse("profiles:landing_specialty", args=[city, specialty])
    return reverse("profiles:landing_city", args=[city])


def test_landing_urls_read_well():
    assert landing("pune", "dermatologist") == "/find/pune/dermatologist/"
    assert landing("pune") == "/find/pune/"


def test_specialty_landing_has_its_title_description_and_heading(client):
    make_doctor("Dr. Asha Rao")

    response = client.get(landing("pune", "dermatologist"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Dermatologists in Pune · MedConsult</title>" in html
    assert (
        '<meta name="description" content="Book an appointment with verified Dermatologists in Pune' in html
    )
    assert "<h1>Dermatologists in Pune</h1>" in html
    assert "1 Dermatologist in Pune" in html


def test_city_landing_has_its_title_heading_and_specialty_links(client):
    response = client.get(landing("mumbai"))

    html = response.content.decode()
    assert "<title>Doctors in Mumbai · MedConsult</title>" in html
    assert '<meta name="description" content="Find verified doctors in Mumbai' in html
    assert "<h1>Doctors in Mumbai</h1>" in html
    assert 'href="/find/mumbai/cardiologist/">Cardiologist</a>' in html


def test_specialty_names_read_as_plurals(client):
    assert (
        "<h1>ENT Specialists in Pune</h1>" in client.get(landing("pune", "ent-specialist")).content.decode()
    )
    assert "<h1>Ayurveda doctors in Pune</h1>" in client.get(landing("pune", "ayurveda")).content.decode()


@pytest.mark.parametrize("path", ["/find/atlantis/", "/find/atlantis/dermatologist/", "/find/pune/wizard/"])
def test_unknown_city_or_specialty_is_404(client, path):
    assert client.get(path).status_code == 404


def test_landing_shows_only_that_city_and_specialty(client):
    make_doctor("Dr. Pune Skin")
    make_doctor("Dr. Pune Heart", specialties=("cardiologist",))
    make_doctor("Dr. Mumbai Skin", city="mumbai", locality="bandra")
    make_doctor("Dr. Pending Skin", status="PENDING")

    specialty_page = client.get(landing("pune", "dermatologist"))
    city_page = client.get(landing("pune"))

    assert [c.name for c in specialty_page.context["results"].cards] == ["Dr. Pune Skin"]
    assert [c.name for c in city_page.context["results"].cards] == [
        "Dr. Pune Heart",
        "Dr. Pune Skin",
    ]


def test_landing_keeps_the_same_filters(client):
    make_doctor("Dr. Kothrud Skin", locality="kothrud", languages=("hi",))
    make_doctor("Dr. Baner Skin", locality="baner")

    response = client.get(landing("pune", "dermatologist"), {"locality": "baner"})
    html = response.content.decode()

    assert [c.name for c in response.context["results"].cards] == ["Dr. Baner Skin"]
    # City and specialty come from the address; the form keeps the rest.
    assert 'name="city"' not in html.split('id="search-filters"')[1].split("</form>")[0]
    assert 'name="specialty"' not in html.split('id="search-filters"')[1].split("</form>")[0]
    assert 'action="/find/pune/dermatologist/" method="get"' in html
    assert '<option value="baner" selected>Baner</option>' in html
    hindi = client.get(landing("pune", "dermatologist"), {"language": "hi"})
    assert [c.name for c in hindi.context["results"].cards] == ["Dr. Kothrud Skin"]


def test_landing_fragment_matches_its_full_page(client):
    make_doctor("Dr. Pune Skin")

    full = client.get(landing("pune", "dermatologist"), {"mode": "online"})
    fragment = client.get(landing("pune", "dermatologist"), {"mode": "online"}, HTTP_HX_REQUEST="true")

    assert results_section(fragment.content.decode()) == results_section(full.content.decode())
    assert fragment["HX-Push-Url"] == "/find/pune/dermatologist/?mode=online"
    assert fragment.content.decode().startswith("<title>Dermatologists in Pune · MedConsult</title>")


def test_landing_agrees_with_the_search_page(client):
    make_doctor("Dr. Pune Skin")
    make_doctor("Dr. Pune Heart", specialties=("cardiologist",))

    page = client.get(landing("pune", "cardiologist"))

    names = [c.name for c in page.context["results"].cards]
    assert names == found(client, city="pune", specialty="cardiologist") == ["Dr. Pune Heart"]


def test_empty_landing_suggests_wider_pages(client):
    html = client.get(landing("kochi", "oncologist")).content.decode()

    assert "No verified doctors here yet" in html
    assert 'href="/find/kochi/">All doctors in Kochi</a>' in html
    assert 'href="/doctors/?specialty=oncologist">Oncologists in every city</a>' in html


def test_landing_queries_stay_constant(client, django_assert_num_queries):
    make_doctor("Dr. Skin 00")
    client.get(landing("pune", "dermatologist"))  # warm the reference data

    with django_assert_num_queries(4):
        client.get(landing("pune", "dermatologist"))
    for n in range(1, 25):
        make_doctor(f"Dr. Skin {n:02d}")
    with django_assert_num_queries(4):
        response = client.get(landing("pune", "dermatologist"))

    assert response.context["results"].total == 25


def test_city_picker_remembers_the_city_in_a_cookie(client):
    response = client.get(reverse("profiles:choose_city"), {"city": "pune"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    cookie = response.cookies["city"]
    assert cookie.value == "pune"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60


def test_city_picker_refuses_an_unknown_city(client):
    response = client.get(reverse("profiles:choose_city"), {"city": "atlantis"}, follow=True)

    assert "city" not in response.cookies or response.cookies["city"].value == ""
    assert "Please choose one of the cities in the list." in response.content.decode()
