"""Accessible names axe-core checks for on every page: the account menu (issue 10,
point 16) and the home page's search landmarks (point 18). The browser test
tests/e2e/test_accessibility.py runs axe itself; these pin the markup."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import DoctorProfileFactory, PatientProfileFactory

pytestmark = pytest.mark.django_db


class Landmarks(HTMLParser):
    """The attributes of every element with role="search"."""

    def __init__(self):
        super().__init__()
        self.searches = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("role") == "search":
            self.searches.append(attrs)


def search_landmarks(html):
    parser = Landmarks()
    parser.feed(html)
    return parser.searches


def summary_text(html):
    """The account menu's <summary> as a screen reader names it: its text,
    without the parts hidden from assistive technology."""
    summary = re.search(r"<summary([^>]*)>(.*?)</summary>", html, re.S)
    inner = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", summary.group(2), flags=re.S)
    return summary.group(1), " ".join(re.sub(r"<[^>]+>", " ", inner).split())


def test_home_search_landmarks_each_have_their_own_name(client_for):
    patient = PatientProfileFactory(user__full_name="Priya Nair").user

    html = client_for(patient).get(reverse("home")).content.decode()

    labels = [landmark.get("aria-label") for landmark in search_landmarks(html)]
    assert labels == ["Search doctors", "Find a doctor"]


def test_home_search_landmarks_are_named_for_anonymous_visitors_too(client):
    html = client.get(reverse("home")).content.decode()

    labels = [landmark.get("aria-label") for landmark in search_landmarks(html)]
    assert labels == ["Search doctors", "Find a doctor"]


def test_account_menu_name_contains_the_name_it_shows_for_a_patient(client_for):
    patient = PatientProfileFactory(user__full_name="Priya Nair").user

    html = client_for(patient).get(reverse("patient_dashboard")).content.decode()

    attributes, name = summary_text(html)
    assert "aria-label" not in attributes
    assert name == "Account menu for Priya"
    assert '<span class="account-menu__name">Priya</span>' in html


def test_account_menu_name_contains_the_name_it_shows_for_a_doctor(client_for):
    doctor = DoctorProfileFactory(full_name="Dr. Asha Rao").user

    html = client_for(doctor).get(reverse("profiles:doctor_profile")).content.decode()

    attributes, name = summary_text(html)
    assert "aria-label" not in attributes
    assert name == "Account menu for Dr. Asha Rao"
