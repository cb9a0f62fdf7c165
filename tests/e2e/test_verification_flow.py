import re

import pytest
from playwright.sync_api import expect

from profiles.models import DoctorProfile
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    AdminFactory,
    CityFactory,
    LanguageFactory,
    LocalityFactory,
    SpecialtyFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reference_data():
    """live_server tests flush the migrated reference rows, so make the few this flow picks."""
    SpecialtyFactory(name="Dermatologist", slug="dermatologist")
    LanguageFactory(name="English", code="en")
    LanguageFactory(name="Marathi", code="mr")
    LocalityFactory(city=CityFactory(name="Pune"), name="Kothrud")


def log_in(page, url, email, password=PASSWORD):
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_doctor_onboards_staff_approves_doctor_sees_badge(
    page, url, screenshot, reference_data, tmp_path, emailed_link
):
    # A doctor signs up, confirms the address from the email, logs in and
    # finds the way to the profile from the dashboard.
    page.goto(url("/accounts/signup/doctor/"))
    page.get_by_label("Full name").fill("Dr. Asha Rao")
    page.get_by_label("Email").fill("asha@example.com")
    page.get_by_label("Create a password").fill("stethoscope-river-9")
    page.get_by_role("button", name="Create doctor account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(url(emailed_link("asha@example.com", "/accounts/verify/")))
    log_in(page, url, "asha@example.com", "stethoscope-river-9")
    expect(page).to_have_url(url("/doctor/"))
    page.get_by_role("link", name="Complete your profile").click()

    # Submitting too early lists what is missing at the top, focused, each item
    # a link that takes focus to its field (issue 10, point 6).
    page.get_by_role("button", name="Submit for verification").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("at least one specialty")
    screenshot(page, "onboarding-missing", variants=True)
    summary.get_by_role("link", name="your medical registration number").click()
    expect(page.get_by_label("Registration number")).to_be_focused()

    # Details.
    page.get_by_label("Registration number").fill("MMC-2010-4711")
    page.get_by_label("Registration council").fill("Maharashtra Medical Council")
    page.get_by_label("Practising since (year)").fill("2010")
    page.get_by_label("Dermatologist").check()
    page.get_by_label("English").check()
    page.get_by_label("I offer online consultations (video and chat)").check()
    page.get_by_label("Online consultation fee (₹)").fill("500")
    page.get_by_label("I see patients at a clinic").check()
    page.get_by_label("Clinic visit fee (₹)").fill("700")
    page.get_by_label("Bio").fill("Skin, hair and nail care for all ages.")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status").first).to_contain_text("Your profile is saved.")

    # Photo, qualification, clinic.
    photo = tmp_path / "me.png"
    photo.write_bytes(png_bytes(size=(600, 400)))
    page.get_by_label("Profile photo").set_input_files(photo)
    page.get_by_role("button", name="Upload photo").click()
    page.get_by_text("Add a qualification").click()
    page.get_by_role("textbox", name="Degree", exact=True).fill("MBBS")
    page.get_by_label("Institution").fill("B. J. Government Medical College, Pune")
    page.get_by_role("spinbutton", name="Year", exact=True).fill("2009")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("Add a clinic").click()
    page.get_by_label("Clinic name").fill("Rao Skin Clinic")
    page.get_by_label("Address").fill("14 Karve Road")
    # The localities follow the city, swapped in by HTMX (point 7).
    expect(page.get_by_label("Locality")).to_have_text("Choose a city first")
    page.get_by_role("combobox", name="City", exact=True).select_option(label="Pune")
    page.get_by_label("Locality").select_option(label="Kothrud")
    screenshot(page, "onboarding-clinic-localities", variants=True)
    page.get_by_role("button", name="Add clinic").click()

    # Documents. A file that is not what its name says is refused: the page
    # opens at the upload with the file field focused.
    document = tmp_path / "certificate.pdf"
    document.write_bytes(b"Not a PDF at all, whatever the name says.")
    page.get_by_role("combobox", name="Document", exact=True).select_option(label="Degree certificate")
    page.get_by_label(re.compile(r"^File")).set_input_files(document)
    page.get_by_role("button", name="Upload document").click()
    expect(page.get_by_label(re.compile(r"^File"))).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("none of those")
    screenshot(page, "onboarding-upload-refused", variants=True)
    document.write_bytes(MINIMAL_PDF)
    for label in ["Medical registration certificate", "Degree certificate", "Government ID"]:
        page.get_by_role("combobox", name="Document", exact=True).select_option(label=label)
        page.get_by_label(re.compile(r"^File")).set_input_files(document)
        page.get_by_role("button", name="Upload document").click()
        expect(page.get_by_role("status").first).to_contain_text(f"{label} uploaded.")
    screenshot(page, "onboarding-complete", variants=True)

    page.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pending verification")
    profile = DoctorProfile.objects.get(user__email="asha@example.com")
    assert profile.status == DoctorProfile.Status.PENDING

    # The public page is not public yet.
    page.get_by_role("link", name="Preview public page").click()
    expect(page.get_by_text("Preview.")).to_be_visible()
    screenshot(page, "doctor-page-preview")

    # Staff approve in Django admin.
    page.context.clear_cookies()
    AdminFactory(email="meera@example.com")
    log_in(page, url, "meera@example.com")
    expect(page).to_have_url(url("/admin/"))
    page.goto(url("/admin/profiles/doctorprofile/"))
    page.get_by_role("link", name="Dr. Asha Rao").click()
    screenshot(page, "admin-doctor")
    page.get_by_role("link", name="Approve", exact=True).click()
    page.get_by_role("button", name="Yes, approve").click()
    expect(page.locator(".messagelist")).to_contain_text("Dr. Asha Rao is verified and has been notified.")
    profile.refresh_from_db()
    assert profile.status == DoctorProfile.Status.VERIFIED

    # The doctor sees the notification and the badge.
    page.context.clear_cookies()
    log_in(page, url, "asha@example.com", "stethoscope-river-9")
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_text("You are verified on MedConsult")).to_be_visible()
    screenshot(page, "notifications", variants=True)
    page.get_by_role("button", name=re.compile("You are verified on MedConsult")).click()
    expect(page).to_have_url(url(f"/doctors/{profile.slug}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("✓ Verified")
    expect(page.get_by_text("Preview.")).to_have_count(0)

    # And so does an anonymous visitor.
    page.context.clear_cookies()
    page.goto(url(f"/doctors/{profile.slug}/"))
    expect(page).to_have_title("Dr. Asha Rao, Dermatologist in Pune · MedConsult")
    expect(page.get_by_role("heading", level=1)).to_contain_text("✓ Verified")
    screenshot(page, "doctor-page", variants=True)
