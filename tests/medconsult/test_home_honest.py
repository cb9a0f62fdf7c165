"""An honest home page (issue 10, points 10 and 11): real verified doctors with
their real next free slot in the visitor's city, soonest first; the city with
the most bookable doctors by default; only specialties that have doctors there."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from profiles import services
from profiles.models import City, DoctorProfile
from tests.factories import PatientProfileFactory
from tests.profiles.test_search import make_doctor

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 11:00 in India (UTC+5:30).
NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def free_at(doctor, *, online=None, in_person=None):
    DoctorProfile.objects.filter(pk=doctor.pk).update(next_online_at=online, next_in_person_at=in_person)
    return doctor


def soonest_names(response):
    return [card.name for card in response.context["soonest"]]


def test_home_shows_real_doctors_with_their_next_free_slot_soonest_first(client):
    later = free_at(make_doctor("Dr. Meera Joshi"), in_person=NOW + timedelta(hours=3))
    sooner = free_at(
        make_doctor("Dr. Kabir Shah", specialties=("cardiologist",)), online=NOW + timedelta(hours=1)
    )
    free_at(make_doctor("Dr. No Slots"))
    free_at(make_doctor("Dr. Pending", status="PENDING"), online=NOW + timedelta(minutes=30))
    free_at(make_doctor("Dr. Mumbai", city="mumbai", locality="bandra"), online=NOW + timedelta(minutes=30))
    client.cookies["city"] = "pune"

    response = client.get(reverse("home"))

    assert soonest_names(response) == ["Dr. Kabir Shah", "Dr. Meera Joshi"]
    html = response.content.decode()
    assert '<h2 id="soonest-title" class="hero__art-title">Soonest free in Pune</h2>' in html
    assert f'<a class="hero__ticket-name" href="/doctors/{sooner.slug}/">Dr. Kabir Shah</a>' in html
    assert "Cardiologist · 16 years experience" in html
    assert (
        f'Next available: <a href="/doctors/{sooner.slug}/slots/?day=2026-11-25&amp;mode=ONLINE">'
        '<time datetime="2026-11-25T12:00:00+05:30">Today, 12:00 PM</time></a>'
    ) in html
    assert f'href="/doctors/{later.slug}/slots/?day=2026-11-25&amp;mode=IN_PERSON"' in html
    assert "Today, 2:00 PM" in html
    # The made-up doctor and slot are gone.
    assert "Asha Rao" not in html
    assert "Today, 4:30 PM" not in html


def test_home_shows_no_doctor_when_nobody_there_has_a_free_slot(client):
    free_at(make_doctor("Dr. No Slots"))
    free_at(make_doctor("Dr. Stale"), online=NOW - timedelta(minutes=5))
    client.cookies["city"] = "pune"

    response = client.get(reverse("home"))

    assert soonest_names(response) == []
    html = response.content.decode()
    assert "Soonest free" not in html
    assert "hero__ticket" not in html
    assert '<section class="hero hero--single">' in html  # no empty column beside the search


def test_home_skips_a_passed_slot_and_takes_the_other_mode(client):
    free_at(
        make_doctor("Dr. Meera Joshi"), online=NOW - timedelta(minutes=5), in_person=NOW + timedelta(hours=2)
    )
    free_at(make_doctor("Dr. Kabir Shah"), in_person=NOW + timedelta(hours=3))
    client.cookies["city"] = "pune"

    response = client.get(reverse("home"))

    assert soonest_names(response) == ["Dr. Meera Joshi", "Dr. Kabir Shah"]
    assert "Today, 1:00 PM" in response.content.decode()


def test_home_shows_the_new_next_slot_once_it_moves(client):
    first = free_at(make_doctor("Dr. Kabir Shah"), online=NOW + timedelta(hours=1))
    free_at(make_doctor("Dr. Meera Joshi"), online=NOW + timedelta(hours=2))
    client.cookies["city"] = "pune"
    assert soonest_names(client.get(reverse("home"))) == ["Dr. Kabir Shah", "Dr. Meera Joshi"]

    # Booked: the slot is gone, the next one is tomorrow (as appointments stores it).
    services.doctors_next_available_set(values={first.pk: (NOW + timedelta(days=1), None)})

    response = client.get(reverse("home"))
    assert soonest_names(response) == ["Dr. Meera Joshi", "Dr. Kabir Shah"]
    assert "Tomorrow, 11:00 AM" in response.content.decode()


def test_a_passed_slot_drops_out_of_the_cached_doctors(client, frozen):
    free_at(make_doctor("Dr. Kabir Shah"), online=NOW + timedelta(minutes=30))
    free_at(make_doctor("Dr. Meera Joshi"), online=NOW + timedelta(hours=2))
    client.cookies["city"] = "pune"
    client.get(reverse("home"))

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        response = client.get(reverse("home"))

    assert soonest_names(response) == ["Dr. Meera Joshi"]


def test_home_defaults_to_the_city_with_the_most_bookable_doctors(client):
    make_doctor("Dr. Pune One")
    make_doctor("Dr. Mumbai One", city="mumbai", locality="bandra")
    make_doctor("Dr. Mumbai Two", city="mumbai", locality="bandra")
    for n in range(3):
        make_doctor(f"Dr. Chennai Pending {n}", city="chennai", locality="adyar", status="PENDING")

    response = client.get(reverse("home"))

    assert response.context["city"].slug == "mumbai"
    assert '<option value="mumbai" selected>Mumbai</option>' in response.content.decode()


def test_the_remembered_city_beats_the_busiest_one(client):
    make_doctor("Dr. Mumbai One", city="mumbai", locality="bandra")
    make_doctor("Dr. Mumbai Two", city="mumbai", locality="bandra")
    client.cookies["city"] = "pune"

    assert client.get(reverse("home")).context["city"].slug == "pune"


def test_the_patients_own_city_beats_the_remembered_one(client_for):
    make_doctor("Dr. Mumbai One", city="mumbai", locality="bandra")
    profile = PatientProfileFactory(city=City.objects.get(slug="pune"))
    client = client_for(profile.user)
    client.cookies["city"] = "mumbai"

    assert client.get(reverse("home")).context["city"].slug == "pune"


def test_home_lists_only_specialties_with_bookable_doctors_and_their_counts(client):
    make_doctor("Dr. Heart One", specialties=("cardiologist",))
    make_doctor("Dr. Heart Two", specialties=("cardiologist",))
    make_doctor("Dr. Pending Teeth", specialties=("dentist",), status="PENDING")
    make_doctor("Dr. Mumbai Skin", specialties=("dermatologist",), city="mumbai", locality="bandra")
    client.cookies["city"] = "pune"

    response = client.get(reverse("home"))

    assert [(s.slug, n) for s, n in response.context["popular"]] == [("cardiologist", 2)]
    html = response.content.decode()
    assert "2 verified doctors in Pune" in html
    assert "/find/pune/dentist/" not in html
    assert "/find/pune/dermatologist/" not in html
    assert "/find/pune/general-physician/" not in html


@pytest.mark.parametrize("doctors", [1, 3])
def test_home_query_count_is_constant_and_zero_when_warm(client, django_assert_num_queries, doctors):
    for n in range(doctors):
        free_at(make_doctor(f"Dr. Number {n}"), online=NOW + timedelta(hours=n + 1))

    # reference data (4), the busiest city, the popular specialties, the soonest
    # doctors' ids, then their cards (2)
    with django_assert_num_queries(9):
        response = client.get(reverse("home"))
    with django_assert_num_queries(0):
        again = client.get(reverse("home"))

    assert len(soonest_names(response)) == min(doctors, 3)
    assert soonest_names(again) == soonest_names(response)
