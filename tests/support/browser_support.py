"""What the browser tests (``test_browser*.py``) share: headless Debian Chromium driven
by Playwright, and the app served by werkzeug on 127.0.0.1 (a free port) in a thread.

Playwright never downloads a browser here: it launches /usr/bin/chromium
(``apt-get install chromium``).  Without that browser a module importing this one is
skipped, except under CI, where it must run.  Import the fixtures into a test module::

    from support import browser_support
    from support.browser_support import expect, new_context, sign_in_page

    chromium = browser_support.chromium
    server = browser_support.server
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from support import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
if not os.environ.get("CI"):
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(app):
    """The test's ``app`` served on 127.0.0.1; its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


#: Viewport widths the page tests run at: a desktop and a phone.
DESKTOP = 1280
PHONE = 390


def new_context(chromium, locale: str = "en-US", width: int = DESKTOP, **options):
    """A browser context; ``width=PHONE`` for a phone (touch, taller than wide)."""
    if width <= PHONE:
        options.setdefault("has_touch", True)
        options.setdefault("is_mobile", True)
    height = 844 if width <= PHONE else 900
    context = chromium.new_context(
        locale=locale, viewport={"width": width, "height": height}, **options
    )
    context.set_default_timeout(15_000)
    return context


def sign_in_page(page, server: str, username: str, password: str = PASSWORD) -> None:
    """Sign ``page`` in through the sign-in form and wait for the home page."""
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_url(f"{server}/")


__all__ = ["DESKTOP", "PHONE", "chromium", "expect", "new_context", "server", "sign_in_page"]


@contextmanager
def rebuilt(page):
    """Waits until htmx has swapped in and set up its answer to what the block does (a
    condition builder's step, say): the next action then finds the new elements."""
    page.evaluate(
        "document.body.dataset.ffSettled = 'no'; document.body.addEventListener("
        "'htmx:afterSettle', () => { document.body.dataset.ffSettled = 'yes'; }, {once: true})"
    )
    yield
    expect(page.locator("body")).to_have_attribute("data-ff-settled", "yes")
