"""What the browser tests share: Chromium, a page that reports CSP violations, logging in, and two checks.

A pytest plugin of tests/conftest.py, so every browser test module has the
fixtures without importing them. `assert_accessible` runs axe-core (from the
pinned axe-playwright-python wheel, which bundles axe.min.js) inside the page;
`assert_no_sideways_scroll` measures the page as the issue states it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

# The browser tests' marks: a module sets `pytestmark = BROWSER`.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium not found at /usr/bin/chromium: install it with `sudo apt-get install -y chromium` (Debian) to run the browser test",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; each test has its own context (cookies, storage, downloads)."""
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an event loop in this thread; without this the
        # ORM calls made here raise SynchronousOnlyOperation.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


# The Content-Security-Policy (config/settings.py) must block nothing the pages do: any
# violation is logged as a console error, which every test here refuses.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`));
"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # en-US: the language the pages write dates in when a test reads them (Accept-Language decides it).
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True, locale="en-US")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    yield context.new_page()
    context.close()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} at {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def log_in(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Report runs")).to_be_visible()


# axe-core's engine, read once. It is evaluated through the DevTools protocol (page.evaluate),
# which the page's Content-Security-Policy does not govern, so the pages keep their real CSP
# and the CSP check above still sees every violation of their own.
AXE = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation on the page as it is now, with every rule axe enables by default."""
    results = AXE.run(page).response
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}" for node in violation["nodes"])
        for violation in results["violations"]
    ]
    if problems:
        pytest.fail(f"axe-core on {page.url}:\n" + "\n".join(problems))


# Which elements reach past the viewport's right edge, outside any box that scrolls sideways itself.
WIDE_ELEMENTS = """
() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const wide = [...document.body.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > width + 0.5);
  const outside = wide.filter((el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) if (scrolls(up)) return false;
    return true;
  });
  // An absolutely positioned element escapes a scrolling box that is not its containing block: name it too.
  return (outside.length ? outside : wide).slice(0, 12).map((el) => `${name(el)} (right ${Math.round(el.getBoundingClientRect().right)})`);
}
"""


def assert_no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the viewport; a failure names what sticks out."""
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll_width > client_width:
        wide = page.evaluate(WIDE_ELEMENTS)
        pytest.fail(f"{page.url} scrolls sideways: {scroll_width} px wide in {client_width} px; too wide: {wide}")


def assert_fits(page: Page, selector: str) -> None:
    """The element (a table's scrolling box) has nothing to scroll sideways: its content fits it."""
    box = page.locator(selector)
    expect(box).to_be_visible()
    scroll_width, client_width = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    if scroll_width > client_width:
        pytest.fail(f"{selector} on {page.url} scrolls sideways: {scroll_width} px of content in {client_width} px")
