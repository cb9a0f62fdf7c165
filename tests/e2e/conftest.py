"""Browser tests: pytest-playwright driving Debian's Chromium against live_server.

Playwright's sync API keeps an asyncio loop running in the test thread, so the
ORM calls these tests make would raise SynchronousOnlyOperation without this.
"""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def page(page, live_server):
    """A page whose relative URLs go to the live server and which fails the
    test on any console error (a CSP violation, a broken script)."""
    page.set_default_timeout(10_000)
    errors = []

    def on_console(msg):
        # The document's own 403/404 is the test's business; any other failed
        # resource (a missing static file, a blocked script) is an error.
        own_status = msg.text.startswith("Failed to load resource") and msg.location.get("url") == page.url
        if msg.type == "error" and not own_status:
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.base = live_server.url
    yield page
    assert errors == [], f"Browser console errors: {errors}"


@pytest.fixture
def url(live_server):
    return lambda path: f"{live_server.url}{path}"


@pytest.fixture
def screenshot():
    """`screenshot(page, name)` saves a full-page PNG; `screenshot(page, name,
    variants=True)` saves light and dark at desktop and phone width."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name, *, variants=False):
        if not variants:
            page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
            return
        original = page.viewport_size
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for width_name, size in VIEWPORTS.items():
                page.set_viewport_size(size)
                page.screenshot(path=SCREENSHOTS / f"{name}-{scheme}-{width_name}.png", full_page=True)
                # Nothing may scroll sideways, down to a 360 px phone.
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width_name} width"
        page.emulate_media(color_scheme="light")
        page.set_viewport_size(original)

    return take


@pytest.fixture
def emailed_link():
    """`emailed_link(to, path_prefix)`: the path of the link starting with
    `path_prefix` in the last email sent to `to` (the live server shares the
    test's mail.outbox; emails carry SITE_URL, not the live server's address)."""
    from django.core import mail

    def find(to, path_prefix):
        message = [m for m in mail.outbox if to in m.to][-1]
        return re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S*)", message.body).group(1)

    return find
