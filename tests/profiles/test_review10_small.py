"""Review of issue 10, point 7: an error summary's link for a <select> goes to
the field itself; "DR" as initials is not taken for the title."""

import re

import pytest
from django.urls import reverse

from accounts.models import doctor_display_name, without_doctor_title
from tests.factories import CityFactory, DoctorProfileFactory, LocalityFactory

pytestmark = pytest.mark.django_db


def _summary(page):
    match = re.search(r'<div class="error-summary" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def test_summary_links_a_select_in_error_to_the_select_itself(client_for):
    doctor = DoctorProfileFactory()
    pune, mumbai = CityFactory(name="Puneville"), CityFactory(name="Mumbaipur")
    kothrud = LocalityFactory(city=pune, name="Kothrudpeth")

    response = client_for(doctor.user).post(
        reverse("profiles:clinic_add"),
        {"name": "X", "address": "Y", "city": mumbai.pk, "locality": kothrud.pk},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_locality">Locality: Kothrudpeth is not in Mumbaipur.</a>' in _summary(page)
    assert re.search(r'<select name="locality"[^>]*id="id_locality"', page)


def test_summary_links_a_checkbox_list_to_its_first_checkbox(client_for):
    doctor = DoctorProfileFactory()

    response = client_for(doctor.user).post(reverse("profiles:doctor_submit"))

    assert '<a href="#id_specialties_0">at least one specialty</a>' in _summary(response.content.decode())


@pytest.mark.parametrize(
    ("name", "bare"),
    [
        ("DR Kumar", "DR Kumar"),  # initials, not a title
        ("dr kumar", "dr kumar"),
        ("Drishti Rao", "Drishti Rao"),
        ("Dr Kumar", "Kumar"),
        ("Dr. Kumar", "Kumar"),
        ("DR. Kumar", "Kumar"),
        ("dr. Kumar", "Kumar"),
        ("Dr. Dr. Kumar", "Kumar"),
    ],
)
def test_without_doctor_title_takes_only_a_real_title(name, bare):
    assert without_doctor_title(name) == bare


def test_a_doctor_with_dr_initials_keeps_them_on_display():
    assert doctor_display_name("DR Kumar") == "Dr. DR Kumar"
