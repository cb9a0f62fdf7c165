"""Doctor search: matching, filters, sorting, pages, bad values, the HTMX
fragment, the search document's upkeep, query counts and the HTML budget."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from profiles import services
from profiles.models import DoctorProfile, Language, Locality, Specialty
from profiles.search import query as search
from tests.factories import AdminFactory, ClinicFactory, DoctorProfileFactory

pytestmark = pytest.mark.django_db

Status = DoctorProfile.Status
URL = "/doctors/"
# Wednesday 25 November 2026, 11:00 in India (UTC+5:30); the day ends at 18:30 UTC.
NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Reference data and popular specialties are cached; no test sees another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make_doctor(
    name="Dr. Asha Rao",
    *,
    specialties=("dermatologist",),
    city="pune",
    locality="kothrud",
    clinic=None,
    status=Status.VERIFIED,
    languages=("en",),
    **fields,
):
    """A doctor with one clinic, their search document written by the service."""
    defaults = {
        "gender": "FEMALE",
        "practising_since": 2010,
        "offers_online": True,
        "fee_online": 50000,
        "offers_in_person": True,
        "fee_in_person": 70000,
        "rejection_reason": "Blurred registration" if status == Status.REJECTED else "",
    }
    profile = DoctorProfileFactory(full_name=name, status=status, **{**defaults, **fields})
    profile.specialties.set(Specialty.objects.filter(slug__in=specialties))
    profile.languages.set(Language.objects.filter(code__in=languages))
    place = Locality.objects.get(city__slug=city, slug=locality)
    extra = {"name": clinic} if clinic else {}
    ClinicFactory(doctor=profile, locality=place, city=place.city, **extra)
    services.doctor_search_text_refresh(profile=profile)
    return profile


def found(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [card.name for card in response.context["results"].cards]


def results_section(html: str) -> str:
    return re.search(r'<section id="search-results".*?</section>', html, re.DOTALL).group(0)


# --- The search document --------------------------------------------------------------


def test_search_text_holds_name_specialty_synonyms_clinic_locality_and_city():
    doctor = make_doctor("Dr. Asha Rao", clinic="Skin First Clinic")

    doctor.refresh_from_db()
    lines = doctor.search_text.splitlines()
    assert lines[:2] == ["Asha Rao", "Dermatologist"]
    assert "rash" in lines[2]
    assert "acne" in lines[2]
    assert lines[3:] == ["Skin First Clinic", "Kothrud", "Pune"]


def test_search_text_follows_name_and_specialty_changes():
    doctor = make_doctor("Dr. Asha Rao", status=Status.DRAFT)
    cardiologist = Specialty.objects.get(slug="cardiologist")

    services.doctor_profile_update(
        profile=doctor, data={"full_name": "Dr. Asha Kulkarni", "specialties": [cardiologist]}
    )

    doctor.refresh_from_db()
    assert doctor.search_text.startswith("Asha Kulkarni\nCardiologist\n")
    assert "Rao" not in doctor.search_text
    assert "Dermatologist" not in doctor.search_text


def test_search_text_follows_clinic_add_and_remove():
    doctor = make_doctor(clinic="Old Town Clinic", status=Status.DRAFT)
    baner = Locality.objects.get(city__slug="pune", slug="baner")

    clinic = services.doctor_clinic_add(
        profile=doctor, name="Riverside Care", address="1 Main Road", city=baner.city, locality=baner
    )
    doctor.refresh_from_db()
    assert "Riverside Care\nBaner" in doctor.search_text

    services.doctor_clinic_remove(profile=doctor, clinic=clinic, archive=False)
    doctor.refresh_from_db()
    assert "Riverside Care" not in doctor.search_text
    assert "Baner" not in doctor.search_text
    assert "Old Town Clinic" in doctor.search_text


def test_search_text_is_written_on_verification():
    doctor = make_doctor("Dr. Meera Pillai", status=Status.PENDING)
    DoctorProfile.objects.filter(pk=doctor.pk).update(search_text="")

    services.doctor_verify(profile=doctor, actor=AdminFactory())

    doctor.refresh_from_db()
    assert doctor.search_text.startswith("Meera Pillai\nDermatologist")


def test_search_finds_a_doctor_after_a_name_change(client):
    doctor = make_doctor("Dr. Asha Rao", status=Status.DRAFT)
    services.doctor_profile_update(profile=doctor, data={"full_name": "Dr. Nandini Deshpande"})
    DoctorProfile.objects.filter(pk=doctor.pk).update(status=Status.VERIFIED)

    assert found(client, q="Deshpande") == ["Dr. Nandini Deshpande"]
    assert found(client, q="Rao") == []


# --- Free text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "specialty"),
    [
        ("skin rash", "dermatologist"),
        ("heart", "cardiologist"),
        ("teeth", "dentist"),
        ("child", "pediatrician"),
        ("kids", "pediatrician"),
        ("cardiolgist", "cardiologist"),
        ("dermatalogist", "dermatologist"),
        ("dentst", "dentist"),
        ("pediatrition", "pediatrician"),
        ("cardiology", "cardiologist"),
        ("best skin specialist near me", "dermatologist"),
        ("ENT specialist", "ent-specialist"),
        ("chest pain", "cardiologist"),
    ],
)
def test_interpret_maps_words_patients_use_to_specialties(typed, specialty):
    text = search.interpret(typed)

    slugs = {search.reference_data().specialty_by_id(pk).slug for pk in text.specialty_ids}
    assert specialty in slugs
    assert text.rest == ()


def test_interpret_keeps_words_that_are_not_a_specialty_or_a_place():
    text = search.interpret("cardiolgist asha")
    assert text.rest == ("asha",)

    text = search.interpret("Dr. Asha Rao")
    assert text.specialty_ids == ()
    assert text.rest == ("asha", "rao")


@pytest.mark.parametrize("name", ["Rakesh Varghese", "Rajesh", "Ramesh Iyer", "Rashmi Shah"])
def test_interpret_does_not_mistake_names_for_specialties(name):
    # Each is 0.8 alike to "rash" (a dermatologist's synonym): too short a word to guess from.
    text = search.interpret(name)

    assert text.specialty_ids == ()
    assert text.rest == tuple(name.lower().split())


def test_interpret_reads_places_and_misspelt_specialty_names():
    reference = search.reference_data()
    pune = reference.city("pune")

    text = search.interpret("cardiolgist pune")
    assert text.city_ids == (pune.id,)
    assert text.rest == ()

    text = search.interpret("skin doctor in kothrud pune")
    assert text.locality_ids == (reference.locality(pune, "kothrud").id,)
    assert text.city_ids == ()

    text = search.interpret("salt lake")
    assert text.locality_ids == (reference.locality(reference.city("kolkata"), "salt-lake").id,)

    text = search.interpret("generall surgeon")
    assert [reference.specialty_by_id(pk).slug for pk in text.specialty_ids] == ["general-surgeon"]
    assert text.rest == ()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("skin rash", "Dr. Derma Doctor"),
        ("heart", "Dr. Cardio Doctor"),
        ("teeth", "Dr. Dental Doctor"),
        ("child", "Dr. Child Doctor"),
        ("cardiolgist", "Dr. Cardio Doctor"),
        ("dermatalogist", "Dr. Derma Doctor"),
    ],
)
def test_search_finds_specialists_by_synonym_or_typo(client, typed, expected):
    make_doctor("Dr. Derma Doctor", specialties=("dermatologist",))
    make_doctor("Dr. Cardio Doctor", specialties=("cardiologist",))
    make_doctor("Dr. Dental Doctor", specialties=("dentist",))
    make_doctor("Dr. Child Doctor", specialties=("pediatrician",))

    assert found(client, q=typed) == [expected]


def test_search_finds_by_name_clinic_and_locality(client):
    make_doctor("Dr. Asha Rao", clinic="Lotus Skin Centre", locality="kothrud")
    make_doctor(
        "Dr. Vikram Iyer", clinic="Sunrise Heart Care", locality="baner", specialties=("cardiologist",)
    )

    assert found(client, q="Asha Rao") == ["Dr. Asha Rao"]
    assert found(client, q="lotus") == ["Dr. Asha Rao"]
    assert found(client, q="Baner") == ["Dr. Vikram Iyer"]


def test_search_specialty_plus_place_keeps_only_that_place(client):
    make_doctor("Dr. Pune Heart", specialties=("cardiologist",), city="pune", locality="kothrud")
    make_doctor("Dr. Baner Heart", specialties=("cardiologist",), city="pune", locality="baner")
    make_doctor("Dr. Mumbai Heart", specialties=("cardiologist",), city="mumbai", locality="bandra")
    make_doctor("Dr. Pune Skin", city="pune", locality="kothrud")

    assert found(client, q="cardiolgist pune") == ["Dr. Baner Heart", "Dr. Pune Heart"]
    assert found(client, q="heart doctor in bandra") == ["Dr. Mumbai Heart"]
    assert found(client, q="kothrud pune") == ["Dr. Pune Heart", "Dr. Pune Skin"]
    assert found(client, q="pune") == ["Dr. Baner Heart", "Dr. Pune Heart", "Dr. Pune Skin"]


def test_search_specialty_plus_name_puts_that_doctor_first(client):
    make_doctor("Dr. Asha Rao", specialties=("cardiologist",))
    make_doctor("Dr. Meera Rao", specialties=("dermatologist",))
    make_doctor("Dr. Vikram Shah", specialties=("cardiologist",))

    # A name alone may also bring other doctors of that name (PostgreSQL's similar
    # names), after the one who is also of the specialty.
    names = found(client, q="cardiolgist rao")
    assert names[0] == "Dr. Asha Rao"
    assert "Dr. Vikram Shah" not in names
    assert found(client, q="rao heart pune")[0] == "Dr. Asha Rao"


def test_search_relevance_puts_the_specialty_before_a_mere_mention(client):
    make_doctor("Dr. Anil Mention", specialties=("general-physician",), clinic="Skin Point")
    make_doctor("Dr. Zoya Khan", specialties=("dermatologist",), clinic="Point Care Clinic")

    assert found(client, q="skin point") == ["Dr. Zoya Khan", "Dr. Anil Mention"]


def test_search_for_a_specialty_word_alone_shows_that_specialty(client):
    make_doctor("Dr. Anil Mention", specialties=("general-physician",), clinic="Kothrud Skin Point")
    make_doctor("Dr. Zoya Khan", specialties=("dermatologist",), clinic="Zoya Clinic")

    assert found(client, q="skin") == ["Dr. Zoya Khan"]
    assert found(client, q="skin point") == ["Dr. Anil Mention"]


def test_search_with_only_filler_words_shows_everyone(client):
    make_doctor("Dr. Asha Rao")

    assert found(client, q="doctor near me") == ["Dr. Asha Rao"]


@pytest.mark.postgres_only
def test_search_tolerates_a_misspelt_doctor_name(client):
    make_doctor("Dr. Vikram Kulkarni")
    make_doctor("Dr. Asha Rao")

    assert found(client, q="kulkarny") == ["Dr. Vikram Kulkarni"]
    assert found(client, q="vikram kulkarnii") == ["Dr. Vikram Kulkarni"]


@pytest.mark.postgres_only
def test_similar_names_join_only_while_the_words_find_less_than_a_page(client):
    make_doctor("Dr. Meera Shaha")
    make_doctor("Dr. Anil Shah")

    assert set(found(client, q="shah")) == {"Dr. Anil Shah", "Dr. Meera Shaha"}
    for n in range(19):
        make_doctor(f"Dr. Shah {n:02d}")
    # Twenty doctors are called Shah: a look-alike name would only push them down.
    response = client.get(URL, {"q": "shah"})
    assert response.context["results"].total == 20
    assert "Dr. Meera Shaha" not in [card.name for card in response.context["results"].cards]


@pytest.mark.postgres_only
def test_search_ranks_the_closest_name_first(client):
    make_doctor("Dr. Asha Mehta")
    make_doctor("Dr. Asha Rao")

    assert found(client, q="asha rao")[0] == "Dr. Asha Rao"


@pytest.mark.postgres_only
def test_search_full_text_matches_other_forms_of_a_word(client):
    make_doctor("Dr. Asha Rao", clinic="Smile Dental Studio", specialties=("dentist",))

    assert found(client, q="smiling") == ["Dr. Asha Rao"]
    assert found(client, q="studios") == ["Dr. Asha Rao"]


@pytest.mark.postgres_only
def test_search_vector_follows_the_search_text():
    from django.db import connection

    doctor = make_doctor("Dr. Asha Rao", clinic="Lotus Centre")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM profiles_doctorprofile WHERE id = %s", [doctor.pk])
        (vector,) = cursor.fetchone()
    assert "'lotus'" in vector
    assert "'rash'" in vector
    assert "'kothrud'" in vector


# --- Only verified doctors -------------------------------------------------------------------


def test_search_never_shows_unverified_or_deactivated_doctors(client):
    make_doctor("Dr. Asha Verified")
    make_doctor("Dr. Asha Draft", status=Status.DRAFT)
    make_doctor("Dr. Asha Pending", status=Status.PENDING)
    make_doctor("Dr. Asha Rejected", status=Status.REJECTED)
    gone = make_doctor("Dr. Asha Deactivated")
    gone.user.is_active = False
    gone.user.save(update_fields=["is_active"])

    assert found(client) == ["Dr. Asha Verified"]
    assert found(client, q="asha") == ["Dr. Asha Verified"]
    assert found(client, q="dermatologist", city="pune") == ["Dr. Asha Verified"]
    for name in ("Draft", "Pending", "Rejected", "Deactivated"):
        assert found(client, q=f"Dr. Asha {name}") == []
    page = client.get(URL, {"q": "Asha"}).content.decode()
    assert "Deactivated" not in page
    assert "Rejected" not in page


# --- Filters ----------------------------------------------------------------------------------


def test_filter_by_specialty_city_and_locality(client):
    make_doctor("Dr. Kothrud Skin", locality="kothrud")
    make_doctor("Dr. Baner Skin", locality="baner")
    make_doctor("Dr. Baner Heart", locality="baner", specialties=("cardiologist",))
    make_doctor("Dr. Bandra Skin", city="mumbai", locality="bandra")

    assert found(client, specialty="dermatologist") == [
        "Dr. Bandra Skin",
        "Dr. Baner Skin",
        "Dr. Kothrud Skin",
    ]
    assert found(client, city="pune") == ["Dr. Baner Heart", "Dr. Baner Skin", "Dr. Kothrud Skin"]
    assert found(client, city="pune", locality="baner") == ["Dr. Baner Heart", "Dr. Baner Skin"]
    assert found(client, city="pune", locality="baner", specialty="dermatologist") == ["Dr. Baner Skin"]


def test_filter_by_consultation_type(client):
    make_doctor("Dr. Both")
    make_doctor("Dr. Online Only", offers_in_person=False, fee_in_person=None)
    make_doctor("Dr. Clinic Only", offers_online=False, fee_online=None)

    assert found(client, mode="online") == ["Dr. Both", "Dr. Online Only"]
    assert found(client, mode="in_person") == ["Dr. Both", "Dr. Clinic Only"]


def test_filter_by_fee_range_for_the_chosen_mode_or_either(client):
    make_doctor("Dr. Cheap Online", fee_online=30000, fee_in_person=90000)
    make_doctor("Dr. Mid Clinic", fee_online=80000, fee_in_person=50000)
    make_doctor("Dr. Dear", fee_online=150000, fee_in_person=200000)

    assert found(client, fee_max=500) == ["Dr. Cheap Online", "Dr. Mid Clinic"]
    assert found(client, fee_max=500, mode="online") == ["Dr. Cheap Online"]
    assert found(client, fee_max=500, mode="in_person") == ["Dr. Mid Clinic"]
    assert found(client, fee_min=1000) == ["Dr. Dear"]
    assert found(client, fee_min=400, fee_max=600) == ["Dr. Mid Clinic"]


def test_filter_by_experience(client, frozen):
    make_doctor("Dr. Twenty", practising_since=2006)
    make_doctor("Dr. Twelve", practising_since=2014)
    make_doctor("Dr. Seven", practising_since=2019)
    make_doctor("Dr. New", practising_since=2024)

    assert found(client, experience=5) == ["Dr. Seven", "Dr. Twelve", "Dr. Twenty"]
    assert found(client, experience=10) == ["Dr. Twelve", "Dr. Twenty"]
    assert found(client, experience=15) == ["Dr. Twenty"]


def test_filter_by_gender_and_language(client):
    make_doctor("Dr. Anita Hindi", gender="FEMALE", languages=("en", "hi"))
    make_doctor("Dr. Ravi Marathi", gender="MALE", languages=("mr",))

    assert found(client, gender="female") == ["Dr. Anita Hindi"]
    assert found(client, gender="male") == ["Dr. Ravi Marathi"]
    assert found(client, language="hi") == ["Dr. Anita Hindi"]
    assert found(client, language="mr", gender="female") == []


def test_filter_available_today_or_in_three_days_in_the_viewers_day(client, frozen):
    make_doctor("Dr. Today Online", next_online_at=NOW + timedelta(hours=5))  # 16:00 IST
    make_doctor("Dr. Today Clinic", next_in_person_at=NOW + timedelta(hours=12, minutes=59))  # 23:59 IST
    make_doctor("Dr. Tomorrow", next_online_at=NOW + timedelta(hours=13, minutes=30))  # 00:30 IST
    make_doctor("Dr. In Three Days", next_in_person_at=NOW + timedelta(days=2, hours=6))
    make_doctor("Dr. Next Week", next_online_at=NOW + timedelta(days=6))
    make_doctor("Dr. Stale", next_online_at=NOW - timedelta(hours=1))

    assert found(client, available="today") == ["Dr. Today Online", "Dr. Today Clinic"]
    assert found(client, available="today", mode="in_person") == ["Dr. Today Clinic"]
    assert found(client, available="3days") == [
        "Dr. Today Online",
        "Dr. Today Clinic",
        "Dr. Tomorrow",
        "Dr. In Three Days",
    ]
    # In London it is still early morning of the same day, which ends at midnight there.
    client.cookies["tz"] = "Europe/London"
    assert found(client, available="today") == ["Dr. Today Online", "Dr. Today Clinic", "Dr. Tomorrow"]


def test_words_and_filters_naming_the_same_specialty_or_place_agree(client):
    make_doctor("Dr. Pune Skin")
    make_doctor("Dr. Mumbai Skin", city="mumbai", locality="andheri")
    make_doctor("Dr. Pune Heart", specialties=("cardiologist",))
    make_doctor("Dr. Skin And Heart", specialties=("dermatologist", "cardiologist"))

    # Said in the words and in the filters: once is enough, the answer is the same.
    assert found(client, q="skin pune", specialty="dermatologist", city="pune", sort="experience") == [
        "Dr. Pune Skin",
        "Dr. Skin And Heart",
    ]
    assert found(client, q="skin kothrud", city="pune", locality="kothrud") == [
        "Dr. Pune Skin",
        "Dr. Skin And Heart",
    ]
    # Words naming another specialty than the filter: doctors of both.
    assert found(client, q="skin", specialty="cardiologist") == ["Dr. Skin And Heart"]


def test_a_locality_in_the_words_and_the_filter_keeps_the_other_words_cities_out(client):
    make_doctor("Dr. Pune Skin")  # Kothrud, Pune

    # "kothrud mumbai": a locality and a city it is not in; the locality wins, as without the filter.
    assert found(client, q="skin kothrud mumbai") == ["Dr. Pune Skin"]
    assert found(client, q="skin kothrud mumbai", city="pune", locality="kothrud") == ["Dr. Pune Skin"]


def test_filters_combine(client, frozen):
    soon = NOW + timedelta(hours=2)
    make_doctor("Dr. Match", specialties=("cardiologist",), fee_online=40000, next_online_at=soon)
    make_doctor("Dr. Too Dear", specialties=("cardiologist",), fee_online=90000, next_online_at=soon)
    make_doctor(
        "Dr. Not Today",
        specialties=("cardiologist",),
        fee_online=40000,
        next_online_at=soon + timedelta(days=1),
    )
    make_doctor("Dr. Clinic Today", specialties=("cardiologist",), fee_online=40000, next_in_person_at=soon)
    make_doctor(
        "Dr. Wrong City", specialties=("cardiologist",), city="mumbai", locality="bandra", next_online_at=soon
    )
    make_doctor("Dr. Skin", fee_online=40000, next_online_at=soon)

    params = {
        "specialty": "cardiologist",
        "city": "pune",
        "available": "today",
        "mode": "online",
        "fee_max": 500,
    }
    assert found(client, **params) == ["Dr. Match"]
    assert found(client, q="heart", city="pune", available="today", mode="online", fee_max=500) == [
        "Dr. Match"
    ]


# --- Sorting -----------------------------------------------------------------------------------


def test_sort_by_experience_most_first(client):
    make_doctor("Dr. Junior", practising_since=2020)
    make_doctor("Dr. Senior", practising_since=1995)
    make_doctor("Dr. Unknown", practising_since=None)
    make_doctor("Dr. Middle", practising_since=2008)

    assert found(client, sort="experience") == ["Dr. Senior", "Dr. Middle", "Dr. Junior", "Dr. Unknown"]


def test_sort_by_fee_low_to_high_for_the_mode_or_either(client):
    make_doctor("Dr. A", fee_online=30000, fee_in_person=90000)
    make_doctor("Dr. B", fee_online=50000, fee_in_person=40000)
    make_doctor("Dr. C", offers_online=False, fee_online=None, fee_in_person=35000)

    assert found(client, sort="fee") == ["Dr. A", "Dr. C", "Dr. B"]
    assert found(client, sort="fee", mode="in_person") == ["Dr. C", "Dr. B", "Dr. A"]
    assert found(client, sort="fee", mode="online") == ["Dr. A", "Dr. B"]


def test_sort_by_earliest_available_unknown_last(client, frozen):
    make_doctor("Dr. Later", next_online_at=NOW + timedelta(hours=3))
    make_doctor("Dr. None")
    make_doctor("Dr. Sooner", next_in_person_at=NOW + timedelta(hours=1))

    assert found(client, sort="available") == ["Dr. Sooner", "Dr. Later", "Dr. None"]
    assert found(client, sort="available", mode="online") == ["Dr. Later", "Dr. None", "Dr. Sooner"]


def test_sort_default_without_text_is_earliest_available(client, frozen):
    make_doctor("Dr. Later", next_online_at=NOW + timedelta(hours=3))
    make_doctor("Dr. Sooner", next_online_at=NOW + timedelta(hours=1))

    assert found(client) == ["Dr. Sooner", "Dr. Later"]


# --- Pages and bad values ------------------------------------------------------------------------


def test_pages_hold_twenty_and_keep_every_filter(client):
    for n in range(25):
        make_doctor(f"Dr. Skin {n:02d}", languages=("hi",))

    first = client.get(URL, {"q": "skin", "city": "pune", "language": "hi", "sort": "experience"})
    second = client.get(URL, {"q": "skin", "city": "pune", "language": "hi", "sort": "experience", "page": 2})

    assert first.context["results"].total == 25
    assert len(first.context["results"].cards) == 20
    assert len(second.context["results"].cards) == 5
    html = first.content.decode()
    assert "25 doctors for “skin” in Pune" in html
    next_link = "/doctors/?q=skin&amp;city=pune&amp;language=hi&amp;sort=experience&amp;page=2"
    assert f'href="{next_link}"' in html
    assert f'hx-get="{next_link}"' in html
    assert "Page 2 of 2" in second.content.decode()
    shown = {c.name for c in first.context["results"].cards + second.context["results"].cards}
    assert len(shown) == 25


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"fee_min": "-5"}, "Fee from (₹): a fee cannot be below ₹0, so this filter is off."),
        (
            {"fee_max": "lots"},
            "Fee up to (₹): “lots” is not a whole number of rupees, so this filter is off.",
        ),
        ({"city": "atlantis"}, "City: we don’t know “atlantis”, so this filter is off."),
        ({"page": "abc"}, "Page: “abc” is not a page number, so here is page 1."),
        ({"page": "9999"}, "There is no page 9999; here is page 1, the last one."),
        ({"sort": "cheapest"}, "Sort by: we don’t know “cheapest”, so the results are sorted by relevance."),
        ({"experience": "7"}, "Experience: we don’t know “7”, so this filter is off."),
        ({"locality": "kothrud"}, "Locality: choose a city first, so this filter is off."),
        (
            {"city": "mumbai", "locality": "kothrud"},
            "Locality: we don’t know “kothrud” in Mumbai, so this filter is off.",
        ),
        (
            {"fee_min": "900", "fee_max": "300"},
            "Fee up to (₹): ₹300 is below the lowest fee, ₹900, so this filter is off.",
        ),
        (
            {"q": "x" * 101},
            "Doctor, specialty, symptom or clinic: keep it under 100 characters, so this filter is off.",
        ),
        ({"page": "9" * 30}, "Page: pages stop at 10000, so here is page 1."),
    ],
)
def test_bad_values_give_a_normal_page_with_a_notice(client, params, notice):
    make_doctor("Dr. Asha Rao")

    response = client.get(URL, params)

    assert response.status_code == 200
    assert notice in response.context["notices"]
    assert notice in response.content.decode()


def test_bad_values_drop_only_the_bad_filter(client):
    make_doctor("Dr. Pune Skin")
    make_doctor("Dr. Pune Heart", specialties=("cardiologist",))

    names = found(client, city="atlantis", specialty="cardiologist", fee_min="-1")

    assert names == ["Dr. Pune Heart"]


def test_page_past_the_end_shows_the_last_page(client):
    for n in range(21):
        make_doctor(f"Dr. Skin {n:02d}")

    response = client.get(URL, {"page": 7})

    assert response.context["results"].page.number == 2
    assert len(response.context["results"].cards) == 1


def test_empty_results_suggest_dropping_the_most_restrictive_filter(client):
    make_doctor("Dr. Asha Rao", fee_online=90000, fee_in_person=90000)

    response = client.get(URL, {"city": "pune", "available": "today", "fee_max": "300"})

    html = response.content.decode()
    assert response.context["results"].total == 0
    assert "No doctors match all of these filters" in html
    assert response.context["widen"][0] == ("any day", "city=pune&fee_max=300")
    assert 'href="/doctors/?city=pune&amp;fee_max=300">Show any day</a>' in html
    assert 'href="/doctors/?city=pune&amp;available=today">Show any fee</a>' in html
    assert 'href="/doctors/">Clear all filters</a>' in html


# --- The page and its HTMX fragment ------------------------------------------------------------


def test_search_page_has_form_title_and_description(client):
    make_doctor("Dr. Asha Rao")

    html = client.get(URL, {"specialty": "dermatologist", "city": "pune"}).content.decode()

    assert "<title>Dermatologists in Pune · MedConsult</title>" in html
    assert '<meta name="description" content="Find and book verified doctors' in html
    assert '<form id="search-filters"' in html
    assert 'action="/doctors/" method="get"' in html
    assert 'hx-get="/doctors/" hx-trigger="change, submit" hx-target="#search-results"' in html
    assert 'hx-push-url="true"' in html
    assert '<option value="pune" selected>Pune</option>' in html
    assert '<option value="kothrud">Kothrud</option>' in html
    assert "<script>" not in html
    assert " style=" not in html


def test_filter_fields_are_right_whether_rendered_or_reused(client):
    """Their HTML is kept per set of values (the text apart): each page still shows its own."""
    params = {"city": "pune", "locality": "kothrud", "fee_max": "500", "sort": "fee"}
    pages = {q: client.get(URL, {"q": q, **params}).content.decode() for q in ("skin", "heart")}

    for q, html in pages.items():
        assert re.search(rf'<input type="search" name="q" value="{q}"', html)
        assert '<option value="pune" selected>Pune</option>' in html
        assert '<option value="kothrud" selected>Kothrud</option>' in html
        assert re.search(r'name="fee_max" value="500"', html)
        assert '<option value="fee" selected>Fee: low to high</option>' in html
    # Another city: other localities. A bad value: its error, and only on that page.
    mumbai = client.get(URL, {"q": "skin", "city": "mumbai"}).content.decode()
    assert '<option value="andheri">Andheri</option>' in mumbai
    assert "Kothrud" not in mumbai
    bad = client.get(URL, {"q": "skin", **params, "fee_max": "lots"}).content.decode()
    assert "“lots” is not a whole number of rupees" in bad
    again = client.get(URL, {"q": "skin", **params}).content.decode()
    assert "is not a whole number" not in again
    assert re.search(r'name="fee_max" value="500"', again)
    # A value written another way is shown as written, and not kept.
    odd = client.get(URL, {"q": "skin", **params, "fee_max": "0500"}).content.decode()
    assert re.search(r'name="fee_max" value="0500"', odd)
    assert re.search(r'name="fee_max" value="500"', client.get(URL, {"q": "skin", **params}).content.decode())


def test_htmx_fragment_matches_the_full_page(client):
    for n in range(3):
        make_doctor(f"Dr. Skin {n}")
    params = {"q": "skin", "city": "pune", "sort": "fee", "mode": "", "gender": ""}

    full = client.get(URL, params)
    fragment = client.get(URL, params, HTTP_HX_REQUEST="true")

    full_html, fragment_html = full.content.decode(), fragment.content.decode()
    assert "<html" not in fragment_html
    assert fragment_html.startswith("<title>Doctors for “skin” in Pune · MedConsult</title>")
    assert results_section(fragment_html) == results_section(full_html)
    # The address bar gets the tidy query: empty fields left out.
    assert fragment["HX-Push-Url"] == "/doctors/?q=skin&city=pune&sort=fee"
    # The locality choices follow the city, swapped in out of band.
    assert 'id="locality-field" hx-swap-oob="true"' in fragment_html
    assert "Vary" in fragment
    assert "HX-Request" in fragment["Vary"]


def test_history_restore_gets_the_full_page(client):
    make_doctor("Dr. Asha Rao")

    response = client.get(URL, {"q": "asha"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert "<html" in response.content.decode()


def test_card_shows_the_doctor_and_links_the_next_free_slot(client, frozen):
    doctor = make_doctor(
        "Dr. Asha Rao",
        specialties=("dermatologist", "general-physician"),
        languages=("en", "hi"),
        practising_since=2012,
        fee_online=45000,
        fee_in_person=80000,
        clinic="Lotus Skin Centre",
        next_online_at=datetime(2026, 11, 25, 11, 0, tzinfo=UTC),  # 4:30 PM in India
        next_in_person_at=datetime(2026, 11, 26, 4, 30, tzinfo=UTC),
    )

    html = client.get(URL).content.decode()

    assert f'<a href="/doctors/{doctor.slug}/">Dr. Asha Rao</a>' in html
    assert "✓ Verified" in html
    assert "Dermatologist · General Physician" in html
    assert "14 years experience" in html
    assert "Lotus Skin Centre · Kothrud, Pune" in html
    assert "₹450" in html
    assert "₹800" in html
    assert "Speaks English, Hindi" in html
    slot_link = f"/doctors/{doctor.slug}/slots/?day=2026-11-25&amp;mode=ONLINE"
    assert (
        f'Next available: <a href="{slot_link}"><time datetime="2026-11-25T16:30:00+05:30">Today, 4:30 PM</time></a>'
        in html
    )
    assert f'<a class="btn btn-primary" href="/doctors/{doctor.slug}/">Book' in html
    # Asking for clinic visits shows the next clinic slot instead.
    html = client.get(URL, {"mode": "in_person"}).content.decode()
    assert f"/doctors/{doctor.slug}/slots/?day=2026-11-26&amp;mode=IN_PERSON" in html
    assert "Tomorrow, 10:00 AM" in html


def test_card_names_the_zone_when_the_viewer_is_elsewhere(client, frozen):
    make_doctor("Dr. Asha Rao", next_online_at=datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    client.cookies["tz"] = "Europe/London"

    html = client.get(URL).content.decode()

    assert "Today, 11:00 AM GMT" in html


# --- Costs -------------------------------------------------------------------------------------


def test_search_queries_stay_constant_from_1_to_25_results(client, django_assert_num_queries):
    make_doctor("Dr. Skin 00")
    params = {"q": "skin", "city": "pune", "sort": "fee"}
    client.get(URL)  # reference data now cached, as on a warm server

    # The matches (their ids, up to the count's limit), the page of them in order,
    # then the cards: those doctors, and their specialties, languages and clinics.
    with django_assert_num_queries(4):
        one = client.get(URL, params)
    for n in range(1, 25):
        make_doctor(
            f"Dr. Skin {n:02d}", specialties=("dermatologist", "general-physician"), languages=("en", "hi")
        )
    with django_assert_num_queries(4):
        many = client.get(URL, params)
    with django_assert_num_queries(4):
        client.get(URL, {**params, "page": 2}, HTTP_HX_REQUEST="true")
    # Nobody: the matches only.
    with django_assert_num_queries(1):
        client.get(URL, {**params, "city": "mumbai"})

    assert one.context["results"].total == 1
    assert many.context["results"].total == 25


def test_a_broad_search_counts_up_to_a_limit(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 30)
    for n in range(45):
        make_doctor(f"Dr. Skin {n:02d}")

    first = client.get(URL, {"q": "skin"})
    third = client.get(URL, {"q": "skin", "page": 3})

    results = first.context["results"]
    assert (results.total, results.total_capped, results.total_label) == (30, True, "30+")
    html = first.content.decode()
    assert "30+ doctors for “skin”" in html
    assert "Page 1<" in html
    assert "Page 1 of" not in html  # how many pages is not known
    assert 'rel="next"' in html
    # Past the limit pages still come, by offset, to the end.
    assert len(third.context["results"].cards) == 5
    assert third.context["results"].page.has_next is False
    assert 'rel="prev"' in third.content.decode()


def test_a_page_past_the_end_of_nothing_is_page_one_without_a_notice(client):
    response = client.get(URL, {"q": "nobody here", "page": 7})

    assert response.status_code == 200
    assert response.context["results"].page.number == 1
    assert response.context["results"].total == 0
    assert "There is no page" not in response.content.decode()


@pytest.mark.postgres_only
def test_ranking_by_words_counts_in_the_same_pass_and_caps_the_count(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search, "COUNT_LIMIT", 30)
    for n in range(45):
        make_doctor(f"Dr. Meera Rao {n:02d}")
    client.get(URL)  # reference data cached

    # A name is ranked by its words: the count comes with the page (3 queries, not 4).
    with django_assert_num_queries(3):
        first = client.get(URL, {"q": "rao"})
    last = client.get(URL, {"q": "rao", "page": 3})
    past = client.get(URL, {"q": "rao", "page": 8})

    assert (first.context["results"].total, first.context["results"].total_capped) == (30, True)
    assert "30+ doctors for “rao”" in first.content.decode()
    assert len(last.context["results"].cards) == 5
    assert past.context["results"].page.number == 3
    assert "There is no page 8; here is page 3, the last one." in past.content.decode()


def test_a_specialty_the_cached_reference_data_does_not_know_yet_is_left_out(client):
    """Another process added it: this one's reference data is up to ten minutes old."""
    doctor = make_doctor("Dr. Asha Rao")
    client.get(URL)  # this process's reference data read
    # bulk_create sends no post_save: nothing tells this process to read again.
    Specialty.objects.bulk_create([Specialty(name="Sleep Specialist", slug="sleep-specialist")])
    doctor.specialties.add(Specialty.objects.get(slug="sleep-specialist"))

    response = client.get(URL)

    assert response.status_code == 200
    assert "Dermatologist" in results_section(response.content.decode())
    assert "Sleep Specialist" not in results_section(response.content.decode())


def test_interpret_follows_a_change_of_synonyms():
    assert search.interpret("itchy").specialty_ids == ()
    skin = Specialty.objects.get(slug="dermatologist")
    skin.keywords += ", itchy"
    skin.save()

    assert search.interpret("itchy").specialty_ids == (skin.id,)


def test_a_page_past_the_end_of_a_broad_search_shows_the_last(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 30)
    for n in range(45):
        make_doctor(f"Dr. Skin {n:02d}")

    response = client.get(URL, {"q": "skin", "page": 9})

    assert response.context["results"].page.number == 3
    assert len(response.context["results"].cards) == 5
    assert "There is no page 9; here is page 3, the last one." in response.content.decode()


def test_search_with_a_cold_cache_loads_reference_data_once(client, django_assert_num_queries):
    make_doctor("Dr. Asha Rao")

    with django_assert_num_queries(8):  # specialties, cities, localities, languages + the 4 above
        client.get(URL, {"q": "skin"})
    with django_assert_num_queries(4):
        client.get(URL, {"q": "skin"})


def test_search_page_of_20_results_is_under_60_kb(client, frozen):
    for n in range(25):
        make_doctor(
            f"Dr. Venkatanarayana Subramanian-Krishnamurthy {n:02d}",
            specialties=("dermatologist", "general-physician", "cardiologist"),
            languages=("en", "hi", "mr", "ta"),
            clinic=f"Sri Lakshmi Multispeciality Hospital and Research Centre {n}",
            next_online_at=NOW + timedelta(hours=n + 1),
        )

    response = client.get(URL, {"q": "skin", "city": "pune", "language": "en"})

    assert len(response.context["results"].cards) == 20
    assert len(response.content) < 60 * 1024, len(response.content)
