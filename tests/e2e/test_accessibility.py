"""axe-core on the pages patients and doctors use most, in both themes.

axe-core comes from the npm registry (tests/e2e/vendor, version in the file
name, MPL-2.0 licence beside it). Playwright's add_script_tag inlines a file,
which the site's CSP (script-src 'self') blocks; a page.evaluate runs outside
the page's CSP, so the source is evaluated that way.
"""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from core.uploads import square_thumbnail
from medconsult import demo_data
from profiles.models import Mode
from profiles.services import doctor_photo_set
from tests.factories import (
    PASSWORD,
    AppointmentFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    PatientProfileFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
BLOCKING = {"serious", "critical"}
# Issue 10's points 16 and 18, checked whatever impact axe gives them.
NAMED_RULES = {"label-content-name-mismatch", "landmark-unique"}


def axe_problems(page, where):
    """The serious and critical violations (and those of NAMED_RULES) on the
    page as shown now, one readable line per failing element."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING or violation["id"] in NAMED_RULES:
            for node in violation["nodes"]:
                problems.append(
                    f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}\n"
                    f"    at {node['target']}: {node['failureSummary']}"
                )
    return problems


def audit(page, path, problems, ready=None):
    """Load `path` in each theme, wait for `ready` (a locator) if given, and audit it.

    Each theme gets its own load, as a visitor gets it: switched on a loaded
    page, colours would still be mid-transition when axe measures them."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(page.base + path)
        if ready is not None:
            expect(ready(page)).to_be_visible()
        problems += axe_problems(page, f"{path} [{scheme}]")
    page.emulate_media(color_scheme="light")


def log_in(page, email):
    # Leave the last page first: a fragment it requests after the cookies are gone would get
    # the login page and a new CSRF cookie, and the login form below would then fail its check.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def midday_zone():
    """A fixed-offset zone where it is about noon now, so today has free slots left."""
    offset = max(-12, min(12 - datetime.now(UTC).hour, 14))
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset < 0 else "")


def doctor_with_photo_and_hours(zone):
    doctor = verified_doctor(full_name="Dr. Asha Rao", time_zone=zone)
    portrait = demo_data.portrait_png(demo_data.PHOTO_COLOURS[0])
    photo = SimpleUploadedFile("me.png", portrait, content_type="image/png")
    doctor_photo_set(profile=doctor, photo_file=square_thumbnail(photo))
    for weekday in range(7):
        for mode, clinic in ((Mode.IN_PERSON, doctor.clinics.first()), (Mode.ONLINE, None)):
            AvailabilityRuleFactory(
                doctor=doctor, weekday=weekday, start=time(0, 0), end=time(23, 30), mode=mode, clinic=clinic
            )
    BookingSettingsFactory(doctor=doctor, min_notice_minutes=30)
    return doctor


def test_main_pages_have_no_serious_axe_violations_in_either_theme(page, screenshot):
    zone = midday_zone()
    doctor = doctor_with_photo_and_hours(zone)
    patient = PatientProfileFactory(user__full_name="Priya Nair", time_zone=zone).user
    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(
        doctor=doctor, patient=patient, mode=Mode.IN_PERSON, clinic=doctor.clinics.first(), start=start
    )
    assert appointment.status == Appointment.Status.CONFIRMED
    problems = []

    audit(page, "/", problems)
    log_in(page, patient.email)
    audit(page, "/", problems)
    audit(
        page,
        "/doctors/?q=dermatologist",
        problems,
        ready=lambda p: p.get_by_role("link", name="Dr. Asha Rao", exact=True),
    )
    audit(page, f"/doctors/{doctor.slug}/", problems, ready=lambda p: p.locator("#slot-picker a.slot").first)
    audit(page, "/patient/", problems)
    audit(page, f"/appointments/{appointment.pk}/", problems)

    log_in(page, doctor.user.email)
    audit(page, "/doctor/", problems)
    audit(page, f"/appointments/{appointment.pk}/", problems)
    audit(page, "/doctor/availability/", problems)
    audit(page, "/doctor/profile/", problems)

    assert problems == [], "axe-core found:\n" + "\n".join(problems)
    page.goto(page.base + f"/doctors/{doctor.slug}/")
    expect(page.locator("#slot-picker a.slot").first).to_be_visible()
    screenshot(page, "a11y-doctor-page", variants=True)
