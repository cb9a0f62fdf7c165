import re

import pytest
from playwright.sync_api import expect

from appointments.next_available import refresh_all
from tests.factories import CityFactory, LocalityFactory, SpecialtyFactory, bookable_doctor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def doctors():
    """Two dermatologists in Pune (online fees 500 and 900) and a cardiologist."""
    SpecialtyFactory(name="Dermatologist", slug="dermatologist", keywords="skin, rash, acne")
    LocalityFactory(city=CityFactory(name="Pune"), name="Kothrud")
    cheap = bookable_doctor(full_name="Dr. Asha Rao", fee_online=50000)
    dear = bookable_doctor(full_name="Dr. Meera Joshi", fee_online=90000)
    heart = bookable_doctor(full_name="Dr. Karan Shah")
    heart.specialties.set([SpecialtyFactory(name="Cardiologist", slug="cardiologist", keywords="heart")])
    from profiles.services import doctor_search_text_refresh

    doctor_search_text_refresh(profile=heart)
    refresh_all()
    return cheap, dear, heart


def test_patient_searches_filters_opens_a_doctor_and_sees_the_slot_picker(page, url, screenshot, doctors):
    cheap = doctors[0]
    page.goto(url("/"))
    page.get_by_label("Search doctors, specialties or symptoms").fill("dermatologist pune")
    page.get_by_role("button", name="Find doctors").click()

    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Dr. Asha Rao", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name="Dr. Meera Joshi", exact=True)).to_be_visible()
    expect(results.get_by_role("link", name="Dr. Karan Shah", exact=True)).to_have_count(0)
    screenshot(page, "search", variants=True)

    filters = page.get_by_role("search", name="Search and filters")
    filters.get_by_label("Consultation").select_option(label="Video consultation")
    expect(page).to_have_url(re.compile(r"mode="))
    page.wait_for_load_state("networkidle")
    filters.get_by_label("Fee up to (₹)").fill("600")
    filters.get_by_label("Fee up to (₹)").press("Enter")
    expect(
        page.locator("#search-results").get_by_role("link", name="Dr. Meera Joshi", exact=True)
    ).to_have_count(0)
    expect(page).to_have_url(re.compile(r"fee_max=600"))
    expect(page).to_have_url(re.compile(r"mode="))
    screenshot(page, "search-filtered", variants=True)

    page.locator("#search-results").get_by_role("link", name="Dr. Asha Rao", exact=True).first.click()
    expect(page).to_have_url(url(f"/doctors/{cheap.slug}/"))
    expect(page.locator("#slot-picker a.slot").first).to_be_visible()
    screenshot(page, "search-doctor-page")
