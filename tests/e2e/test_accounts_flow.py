import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import PASSWORD, AdminFactory, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_patient_signs_up_verifies_email_logs_out_logs_in_and_sees_dashboard(
    page, url, screenshot, emailed_link
):
    page.goto(url("/"))
    screenshot(page, "home", variants=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()

    expect(page).to_have_title(re.compile("Create your patient account"))
    screenshot(page, "signup", variants=True)
    page.get_by_label("Full name").fill("Priya Nair")
    page.get_by_label("Email").fill("Priya.Nair@example.com")
    page.get_by_label("Create a password").fill("monsoon-tea-garden-7")
    expect(page.get_by_text("Strength: Strong")).to_be_visible()
    page.get_by_role("button", name="Create account").click()

    # The same page whether or not the address had an account; not logged in yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    screenshot(page, "signup-sent", variants=True)
    assert User.objects.get(email="priya.nair@example.com").role == User.Role.PATIENT

    # Logged in before confirming: the dashboard says so and offers a new link.
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("PRIYA.NAIR@example.com")
    page.get_by_label("Password").fill("monsoon-tea-garden-7")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url("/patient/"))
    notice = page.get_by_role("region", name="Confirm your email")
    expect(notice).to_contain_text("You can book appointments once it is confirmed.")
    screenshot(page, "patient-dashboard-unverified", variants=True)

    # The link in the email confirms the address.
    page.goto(url(emailed_link("priya.nair@example.com", "/accounts/verify/")))
    expect(page).to_have_url(url("/patient/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Priya")
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    expect(notice).to_have_count(0)
    assert User.objects.get(email="priya.nair@example.com").email_verified
    screenshot(page, "patient-dashboard", variants=True)

    page.locator("summary", has_text="Account menu for Priya").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(url("/"))
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    screenshot(page, "login", variants=True)
    page.get_by_label("Email").fill("priya.nair@example.com")
    page.get_by_label("Password").fill("monsoon-tea-garden-7")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(url("/patient/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Priya")


def test_new_doctor_signs_up_verifies_email_and_lands_on_doctor_dashboard(
    page, url, screenshot, emailed_link
):
    page.goto(url("/"))
    page.get_by_role("link", name="Join as a doctor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Join MedConsult as a doctor")
    screenshot(page, "signup-doctor", variants=True)
    page.get_by_label("Full name").fill("Dr. Asha Rao")
    page.get_by_label("Email").fill("asha.rao@example.com")
    page.get_by_label("Create a password").fill("stethoscope-river-9")
    page.get_by_role("button", name="Create doctor account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(url(emailed_link("asha.rao@example.com", "/accounts/verify/")))
    expect(page.get_by_role("status")).to_contain_text("Log in to continue.")
    page.get_by_label("Email").fill("asha.rao@example.com")
    page.get_by_label("Password").fill("stethoscope-river-9")
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(url("/doctor/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Dr. Asha Rao")
    assert User.objects.get(email="asha.rao@example.com").role == User.Role.DOCTOR
    screenshot(page, "doctor-dashboard", variants=True)


def test_signup_errors_show_inline_and_keep_what_was_typed(page, url, screenshot):
    PatientFactory(email="taken@example.com")
    page.goto(url("/accounts/signup/"))

    page.get_by_label("Full name").fill("Priya Nair")
    page.get_by_label("Email").fill("TAKEN@example.com")
    page.get_by_label("Create a password").fill("12345678")
    expect(page.get_by_text("Strength: Too short")).to_be_visible()
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the problem below.")
    expect(page.get_by_text("It must contain at least 12 characters.")).to_be_visible()
    expect(page.get_by_text("This password is entirely numeric.")).to_be_visible()
    # A taken address is never named as such.
    expect(page.get_by_text("already exists")).to_have_count(0)
    expect(page.get_by_label("Full name")).to_have_value("Priya Nair")
    screenshot(page, "signup-errors", variants=True)


def test_wrong_role_sees_styled_403(page, url, screenshot):
    DoctorFactory(email="doc@example.com")
    page.goto(url("/accounts/login/?next=/patient/"))
    page.get_by_label("Email").fill("doc@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You can’t open this page")
    screenshot(page, "error-403", variants=True)


def test_theme_choice_is_remembered_across_pages(page, url):
    page.emulate_media(color_scheme="light")
    page.goto(url("/"))
    assert page.evaluate("document.documentElement.dataset.theme") is None

    page.get_by_role("button", name="Dark theme").click()
    page.goto(url("/accounts/login/"))

    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 20, 25)"
    expect(page.get_by_role("button", name="Light theme")).to_be_visible()


def test_staff_login_lands_in_admin_which_works_under_the_csp(page, url, screenshot):
    AdminFactory(email="meera@example.com", full_name="Meera Admin")
    page.goto(url("/accounts/login/"))
    page.get_by_label("Email").fill("meera@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(url("/admin/"))
    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("link", name="meera@example.com")).to_be_visible()
    page.get_by_role("link", name="meera@example.com").click()
    expect(page.get_by_label("Role")).to_have_value("ADMIN")
    screenshot(page, "admin-user")
