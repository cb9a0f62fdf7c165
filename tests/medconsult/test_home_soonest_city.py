"""Review of issue 10, points 5, 6 and 7: the home page's "soonest free in
<city>" shows only slots in that city, works with the cache down without
caching anything under a "None" version, and drops a doctor whose account is
deactivated at once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from profiles.models import DoctorProfile, Locality
from profiles.search import query
from tests.accounts.test_cache_outage_and_signup_limit import cache_down
from tests.factories import ClinicFactory
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


def add_clinic(doctor, city, locality):
    place = Locality.objects.get(city__slug=city, slug=locality)
    ClinicFactory(doctor=doctor, locality=place, city=place.city)


def soonest(client, city="pune"):
    client.cookies["city"] = city
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def names(response):
    return [card.name for card in response.context["soonest"]]


# --- 6. Only slots in the visitor's city ----------------------------------------------------


def test_home_does_not_show_another_citys_clinic_slot(client):
    # A Mumbai visitor; this doctor's next clinic slot may be at their Pune clinic.
    both = free_at(make_doctor("Dr. Two Cities"), in_person=NOW + timedelta(hours=1))
    add_clinic(both, "mumbai", "bandra")
    local = free_at(
        make_doctor("Dr. Mumbai Only", city="mumbai", locality="bandra"), in_person=NOW + timedelta(hours=3)
    )

    response = soonest(client, "mumbai")

    assert names(response) == ["Dr. Mumbai Only"]
    assert f"/doctors/{local.slug}/slots/" in response.content.decode()


def test_home_shows_a_two_city_doctors_video_slot_not_their_clinic_slot(client):
    both = free_at(
        make_doctor("Dr. Two Cities"), in_person=NOW + timedelta(hours=1), online=NOW + timedelta(hours=4)
    )
    add_clinic(both, "mumbai", "bandra")
    free_at(
        make_doctor("Dr. Mumbai Only", city="mumbai", locality="bandra"), in_person=NOW + timedelta(hours=3)
    )

    response = soonest(client, "mumbai")

    assert names(response) == ["Dr. Mumbai Only", "Dr. Two Cities"]
    [_, card] = response.context["soonest"]
    assert card.next_at == NOW + timedelta(hours=4)
    assert "mode=ONLINE" in card.slots_url
    assert "Today, 3:00 PM" in response.content.decode()  # 09:30 UTC, the video slot


def test_home_keeps_the_clinic_slot_of_a_doctor_whose_clinics_are_all_in_the_city(client):
    doctor = free_at(make_doctor("Dr. Two Pune Clinics"), in_person=NOW + timedelta(hours=2))
    add_clinic(doctor, "pune", "kothrud")

    response = soonest(client, "pune")

    assert names(response) == ["Dr. Two Pune Clinics"]
    assert "mode=IN_PERSON" in response.context["soonest"][0].slots_url


# --- 5. The cache down ----------------------------------------------------------------------


def test_home_with_the_cache_down_shows_the_soonest_doctors(client):
    free_at(make_doctor("Dr. Kabir Shah"), online=NOW + timedelta(hours=1))

    with cache_down:
        response = soonest(client, "pune")

    assert names(response) == ["Dr. Kabir Shah"]


def test_soonest_with_no_version_caches_nothing(monkeypatch):
    # The version read failed but the cache answers the next call (a blip):
    # nothing may be kept under a key that every later blip would read again.
    pune = query.reference_data().city("pune")
    free_at(make_doctor("Dr. Kabir Shah"), online=NOW + timedelta(hours=1))
    monkeypatch.setattr(query.cache_versions, "current", lambda name: None)
    written = []
    monkeypatch.setattr(query.cache, "set", lambda key, *a, **k: written.append(key))

    cards = query.soonest_doctors(pune)

    assert [card.name for card in cards] == ["Dr. Kabir Shah"]
    assert not [key for key in written if key.startswith("profiles:search:soonest")]


def test_busiest_city_with_the_cache_down_is_read_from_the_database(client):
    make_doctor("Dr. Mumbai One", city="mumbai", locality="bandra")
    make_doctor("Dr. Mumbai Two", city="mumbai", locality="bandra")
    make_doctor("Dr. Pune One")

    with cache_down:
        city = query.busiest_city()

    assert city.slug == "mumbai"


# --- 7. Deactivating a doctor's account -----------------------------------------------------


def test_a_deactivated_doctor_leaves_the_home_page_at_once(client, django_capture_on_commit_callbacks):
    gone = free_at(make_doctor("Dr. Kabir Shah"), online=NOW + timedelta(hours=1))
    free_at(make_doctor("Dr. Meera Joshi"), online=NOW + timedelta(hours=2))
    assert names(soonest(client)) == ["Dr. Kabir Shah", "Dr. Meera Joshi"]  # now cached

    user = User.objects.get(pk=gone.user_id)
    user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        user.save()  # as the admin's change form saves it

    assert names(soonest(client)) == ["Dr. Meera Joshi"]


def test_a_doctors_login_does_not_bump_the_soonest_version():
    doctor = make_doctor("Dr. Kabir Shah")
    before = query.cache_versions.current(query.SOONEST_VERSION)
    user = User.objects.get(pk=doctor.user_id)

    user.last_login = NOW
    user.save(update_fields=["last_login"])

    assert query.cache_versions.current(query.SOONEST_VERSION) == before
