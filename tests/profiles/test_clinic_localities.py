"""The clinic form's localities follow its city (issue 10, point 7): HTMX swaps
the locality field when the city changes, a plain form re-renders with the
city's localities, and a locality of another city is refused at the field."""

import re

import pytest
from django.urls import reverse

from tests.factories import CityFactory, DoctorProfileFactory, LocalityFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    pune, mumbai = CityFactory(name="Puneville"), CityFactory(name="Mumbaipur")
    return {
        "pune": pune,
        "mumbai": mumbai,
        "kothrud": LocalityFactory(city=pune, name="Kothrudpeth"),
        "baner": LocalityFactory(city=pune, name="Banerwadi"),
        "bandra": LocalityFactory(city=mumbai, name="Bandragaon"),
    }


def _locality_options(html):
    select = re.search(r'<select name="locality".*?</select>', html, re.S)
    assert select, "no locality select"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


def test_clinic_form_without_city_lists_no_localities(client_for, places):
    doctor = DoctorProfileFactory()

    page = client_for(doctor.user).get(reverse("profiles:doctor_profile")).content.decode()

    assert _locality_options(page) == ["Choose a city first"]
    assert 'hx-get="/doctor/profile/clinics/localities/"' in page
    assert 'hx-target="#clinic-locality"' in page
    assert "Show localities for this city" in page  # inside <noscript>


def test_localities_fragment_lists_only_the_chosen_citys(client_for, places, django_assert_num_queries):
    client = client_for(DoctorProfileFactory().user)

    # The session, the user, the city, its localities.
    with django_assert_num_queries(4):
        response = client.get(
            reverse("profiles:clinic_localities"), {"city": places["pune"].pk}, HTTP_HX_REQUEST="true"
        )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="clinic-locality">')
    assert _locality_options(html) == ["---------", "Banerwadi", "Kothrudpeth"]


def test_localities_fragment_with_unknown_city_asks_for_a_city(client_for, places):
    client = client_for(DoctorProfileFactory().user)

    response = client.get(reverse("profiles:clinic_localities"), {"city": "nope"})

    assert _locality_options(response.content.decode()) == ["Choose a city first"]


@pytest.mark.parametrize("who", ["anonymous", "patient"])
def test_localities_fragment_is_for_doctors_only(client, client_for, places, who):
    if who == "patient":
        client = client_for(PatientFactory())

    response = client.get(reverse("profiles:clinic_localities"), {"city": places["pune"].pk})

    assert response.status_code in (302, 403)
    assert "Kothrudpeth" not in response.content.decode()


def test_show_localities_without_javascript_keeps_what_was_typed(client_for, places):
    doctor = DoctorProfileFactory()

    response = client_for(doctor.user).post(
        reverse("profiles:clinic_add"),
        {"name": "Lotus Clinic", "address": "1 FC Road", "city": places["mumbai"].pk, "show_localities": "1"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert _locality_options(page) == ["---------", "Bandragaon"]
    assert 'value="Lotus Clinic"' in page
    assert 'value="1 FC Road"' in page
    assert re.search(r'<select name="locality"[^>]*data-autofocus', page)
    assert 'id="error-summary"' not in page
    assert not doctor.clinics.exists()


def test_locality_of_another_city_is_refused_at_the_field(client_for, places):
    doctor = DoctorProfileFactory()

    response = client_for(doctor.user).post(
        reverse("profiles:clinic_add"),
        {"name": "X", "address": "Y", "city": places["mumbai"].pk, "locality": places["kothrud"].pk},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(
        r'<ul class="errors" id="id_locality_error"><li>Kothrudpeth is not in Mumbaipur\.</li>', page
    )
    # The list shown is the chosen city's.
    assert _locality_options(page) == ["---------", "Bandragaon"]
    assert not doctor.clinics.exists()


def test_clinic_in_the_chosen_city_is_added(client_for, places):
    doctor = DoctorProfileFactory()

    response = client_for(doctor.user).post(
        reverse("profiles:clinic_add"),
        {"name": "Lotus", "address": "1 FC Road", "city": places["pune"].pk, "locality": places["baner"].pk},
    )

    assert response.status_code == 302
    assert [(c.name, c.locality.name) for c in doctor.clinics.all()] == [("Lotus", "Banerwadi")]


def test_clinic_model_refuses_a_locality_of_another_city_for_admin_too(places):
    from django.core.exceptions import ValidationError

    from profiles.models import Clinic

    clinic = Clinic(
        doctor=DoctorProfileFactory(),
        name="X",
        address="Y",
        city=places["mumbai"],
        locality=places["kothrud"],
    )

    with pytest.raises(ValidationError) as refused:
        clinic.full_clean()

    assert refused.value.message_dict == {"locality": ["Kothrudpeth is not in Mumbaipur."]}
