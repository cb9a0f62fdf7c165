"""Issue 10, point 5: from the home page to a booked slot with the keyboard only,
counting the key presses. The tabs keep focus across each HTMX swap, and the
selected day always shows its own slots."""

import re
from datetime import time

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from profiles.models import Mode
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_booking_flow import log_in
from tests.factories import (
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    ClinicFactory,
    LocalityFactory,
    PatientProfileFactory,
    verified_doctor,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The page's cumulative layout shift so far (the Layout Instability API, as Lighthouse counts it).
LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
})"""

# The whole path, and the part the issue measures: the doctor page to the confirm button.
MOST_PRESSES = 60
MOST_PRESSES_DOCTOR_PAGE_TO_CONFIRM = 24


class Keyboard:
    """page.keyboard, counting every key pressed (a typed text counts its characters)."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def press(self, key, times=1):
        for _ in range(times):
            self.page.keyboard.press(key)
            self.presses += 1

    def type(self, text):
        self.page.keyboard.type(text)
        self.presses += len(text)

    def focused(self):
        return self.page.evaluate(
            "() => { const e = document.activeElement; return e ? (e.id || e.getAttribute('href') || e.name || e.tagName) : ''; }"
        )

    def tab_to(self, predicate, most=40):
        """Tab until the focused element matches (the keys a user would press)."""
        for _ in range(most):
            self.press("Tab")
            if self.page.evaluate(
                f"() => {{ const e = document.activeElement; return !!e && ({predicate}); }}"
            ):
                return
        raise AssertionError(f"{predicate} never got focus; last focused {self.focused()}")

    def skip_to_content(self):
        self.press("Tab")
        expect(self.page.get_by_role("link", name="Skip to content")).to_be_focused()
        self.press("Enter")


def doctor_with_two_clinics():
    doctor = verified_doctor(full_name="Dr. Kavya Menon", time_zone="Asia/Kolkata")
    home = doctor.clinics.first()
    other = ClinicFactory(
        doctor=doctor, name="Baner Skin Care", locality=LocalityFactory(name="Baner", city=home.city)
    )
    for weekday in range(7):
        AvailabilityRuleFactory(doctor=doctor, weekday=weekday, start=time(7), end=time(21), mode=Mode.ONLINE)
        AvailabilityRuleFactory(
            doctor=doctor, weekday=weekday, start=time(8), end=time(13), mode=Mode.IN_PERSON, clinic=home
        )
        AvailabilityRuleFactory(
            doctor=doctor, weekday=weekday, start=time(14), end=time(20), mode=Mode.IN_PERSON, clinic=other
        )
    BookingSettingsFactory(doctor=doctor, min_notice_minutes=30)
    return doctor


def test_patient_books_from_the_home_page_with_the_keyboard_only(page, url, screenshot):
    doctor = doctor_with_two_clinics()
    patient = PatientProfileFactory(user__full_name="Ravi Kumar", time_zone="Europe/London").user
    log_in(page, url, patient.email)
    # Point 19: on a phone the doctor page does not move once shown (the picker
    # comes with the page instead of replacing a placeholder above the About column).
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(url(f"/doctors/{doctor.slug}/"))
    page.wait_for_load_state("networkidle")
    assert page.evaluate(LAYOUT_SHIFT) < 0.05
    page.set_viewport_size(VIEWPORTS["desktop"])

    page.goto(url("/"))
    keys = Keyboard(page)

    # Home page: search for the doctor by name.
    keys.skip_to_content()
    keys.tab_to("e.id === 'home-q'")
    keys.type("Kavya")
    keys.press("Enter")
    expect(page.locator("#search-results")).to_contain_text("Dr. Kavya Menon")

    # Results: to the doctor's name.
    keys.skip_to_content()
    keys.tab_to(f"e.getAttribute('href') === '/doctors/{doctor.slug}/'", most=60)
    keys.press("Enter")
    expect(page).to_have_url(url(f"/doctors/{doctor.slug}/"))
    on_doctor_page = keys.presses

    # The picker came with the page: its mode tabs are a tab list.
    keys.skip_to_content()
    keys.tab_to("e.getAttribute('role') === 'tab'")
    in_clinic = page.get_by_role("tab", name=re.compile("In-clinic"))
    video = page.get_by_role("tab", name=re.compile("Video consult"))
    expect(in_clinic).to_be_focused()
    expect(in_clinic).to_have_attribute("aria-selected", "true")

    # Arrow to "Video consult", Enter: the picker is swapped and focus stays on the tab.
    keys.press("ArrowRight")
    expect(video).to_be_focused()
    keys.press("Enter")
    expect(video).to_have_attribute("aria-selected", "true")
    expect(video).to_be_focused()
    expect(page.locator("#slot-picker .zone-note")).to_contain_text("Times are in your time zone")
    # And back to a clinic visit: Home, Enter.
    keys.press("Home")
    keys.press("Enter")
    expect(in_clinic).to_have_attribute("aria-selected", "true")
    expect(in_clinic).to_be_focused()

    # Past the clinic filter, the day strip: Tab reaches only its selected tab;
    # the arrow keys move along it.
    expect(page.get_by_role("group", name="Clinic").get_by_role("link")).to_have_count(3)
    keys.tab_to("e.getAttribute('role') === 'tab'")
    days = page.get_by_role("tablist", name="Days")
    expect(days.locator("[aria-selected='true']")).to_be_focused()
    tomorrow = days.get_by_role("tab", name=re.compile("^Tomorrow"))
    while not tomorrow.evaluate("e => e === document.activeElement"):
        keys.press("ArrowRight")
    keys.press("Enter")
    expect(tomorrow).to_have_attribute("aria-selected", "true")
    expect(tomorrow).to_be_focused()
    panel = page.locator("#day-panel")
    expect(panel).to_have_attribute("aria-labelledby", tomorrow.get_attribute("id"))
    # Every in-clinic slot group names its clinic; the times are the clinic's.
    expect(panel.get_by_text("Baner Skin Care, Baner").first).to_be_visible()
    expect(page.locator("#slot-picker .zone-note")).to_contain_text(
        "Times are the clinic's local time (Asia/Kolkata)"
    )
    expect(panel.locator(".slot").first).to_have_text(re.compile(r"^8:00 AM, your time \d+:\d\d [AP]M$"))
    screenshot(page, "keyboard-doctor-page-tomorrow", variants=True)

    # On to the first slot, and the confirm page.
    keys.tab_to("e.classList.contains('slot')")
    chosen = page.evaluate("() => document.activeElement.textContent")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    expect(page.locator(".booking-summary")).to_contain_text("At ")
    keys.skip_to_content()
    keys.tab_to("e.name === 'reason'")
    reason_typed = keys.presses
    keys.type("Rash")
    typed = keys.presses - reason_typed
    keys.press("Tab")
    expect(page.get_by_role("button", name="Confirm booking")).to_be_focused()
    doctor_page_to_confirm = keys.presses - on_doctor_page - typed
    screenshot(page, "keyboard-confirm", variants=True)
    keys.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Your appointment is booked.")
    appointment = Appointment.objects.get()
    assert (appointment.status, appointment.mode, appointment.reason) == (
        Appointment.Status.CONFIRMED,
        Mode.IN_PERSON,
        "Rash",
    )
    assert chosen.split()[0] in page.locator("main").inner_text()
    print(
        f"keyboard: {keys.presses} key presses in all, {doctor_page_to_confirm} from the doctor page to the confirm button"
    )
    assert doctor_page_to_confirm <= MOST_PRESSES_DOCTOR_PAGE_TO_CONFIRM
    assert keys.presses <= MOST_PRESSES


def test_a_refused_time_goes_back_to_the_picker_on_its_day_with_the_reason(page, url, screenshot):
    from datetime import datetime, timedelta
    from urllib.parse import urlencode
    from zoneinfo import ZoneInfo

    doctor = doctor_with_two_clinics()
    patient = PatientProfileFactory(user__full_name="Ravi Kumar", time_zone="Europe/London").user
    kolkata = ZoneInfo("Asia/Kolkata")
    day = datetime.now(kolkata).date() + timedelta(days=2)
    off_grid = datetime.combine(day, time(14, 5), kolkata)  # the grid is every 30 minutes
    log_in(page, url, patient.email)

    page.goto(
        url(f"/doctors/{doctor.slug}/book/?{urlencode({'start': off_grid.isoformat(), 'mode': 'IN_PERSON'})}")
    )

    expect(page).to_have_url(
        re.compile(rf"/doctors/{doctor.slug}/slots/\?day={day.isoformat()}&mode=IN_PERSON$")
    )
    expect(page.get_by_role("status").first).to_contain_text(
        "That time is not one of the doctor's free slots."
    )
    expect(page.locator(f"#day-tab-{day.isoformat()}")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#day-panel").get_by_text("Baner Skin Care, Baner").first).to_be_visible()
    screenshot(page, "booking-refused-back-to-picker", variants=True)
