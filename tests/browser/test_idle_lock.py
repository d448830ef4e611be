"""The screen locks after 30 minutes idle (AC-11(1)) and nothing personal survives a lock or a sign-out in the browser.

Playwright's clock stands in for the officer walking away: `fast_forward` is the phone lying untouched, timers
that fall due in the gap fire once, as after a lid is closed. The live server keeps the real time, so where the
server's own 30-minute timeout matters the cookies are cleared, which is what that timeout leaves behind.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import DESKTOP, DISPATCHER_EMAIL, OFFICER_EMAIL, PHONE, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

PLATE = "DWJ1204"  # DEMO_CASES["diplomat_car"]: full immunity, with a photo
NAME = "Demo-Valdrenn"  # its owner's surname
VERDICT = "#outcome article[data-verdict-level]"
LOCK = "[data-idle-lock]"
LOCKED_TEXT = "Locked after 30 minutes without activity. Sign in again."
STORAGE = "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"


@pytest.fixture
def clocked_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized page with Playwright's clock installed, not yet signed in."""
    context = browser.new_context(**PHONE)
    context.clock.install()
    page = context.new_page()
    yield page
    context.close()


def look_up(page: Page, base_url: str | None = None, query: str = PLATE) -> None:
    """Look up a plate on the lookup page: opened first with `base_url`, else the page already on screen."""
    if base_url is not None:
        page.goto(f"{base_url}/lookup")
    page.check("input[name=kind][value=plate]")
    page.fill("#q", query)
    page.get_by_role("button", name="Look up").click()


def officer_with_a_verdict(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server.url, OFFICER_EMAIL)
    look_up(page, live_server.url)
    expect(page.locator(VERDICT)).to_have_attribute("data-verdict-level", "full")
    expect(page.locator("#outcome img.photo")).to_be_visible()
    expect(page.locator("#outcome")).to_contain_text(NAME)


def expect_nothing_personal(page: Page) -> None:
    """No verdict, photo, name or plate anywhere in the document, hidden or not."""
    expect(page.locator("[data-verdict-level]")).to_have_count(0)
    expect(page.locator("img.photo")).to_have_count(0)
    html = page.content()
    assert NAME not in html and PLATE not in html


def expect_locked(page: Page) -> None:
    expect(page.locator(LOCK)).to_be_visible()
    expect(page.locator(LOCK)).to_contain_text(LOCKED_TEXT)
    expect(page.locator(f"{LOCK} a[href='tel:+18662172089']")).to_be_visible()  # the DS Command Center
    expect_nothing_personal(page)


@pytest.mark.parametrize(
    ("size", "scheme"),
    [("phone", "light"), ("phone", "dark"), ("desktop", "light"), ("desktop", "dark")],
)
def test_thirty_minutes_idle_removes_the_verdict_and_shows_the_lock_screen(
    browser: Browser, live_server: LiveServer, size: str, scheme: str
) -> None:
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), color_scheme=scheme)
    context.clock.install()
    try:
        page = context.new_page()
        if size == "phone":
            officer_with_a_verdict(page, live_server)
        else:  # the dispatch console, where a desk screen is left on
            sign_in(page, live_server.url, DISPATCHER_EMAIL)
            page.goto(f"{live_server.url}/dispatch")
            page.fill("#q", PLATE)
            page.keyboard.press("Enter")
            expect(page.locator(VERDICT)).to_have_attribute("data-verdict-level", "full")
            expect(page.locator("#outcome")).to_contain_text(NAME)
        page.clock.fast_forward("30:00")
        expect_locked(page)
        expect(page.locator("[data-signed-in]")).to_have_count(0)  # the top bar with the user's email went too
        screenshot(page, f"idle-lock-{size}-{scheme}")
    finally:
        context.close()


def test_twenty_nine_idle_minutes_leave_the_verdict_and_activity_starts_the_thirty_again(
    clocked_page: Page, live_server: LiveServer
) -> None:
    page = clocked_page
    officer_with_a_verdict(page, live_server)
    page.clock.fast_forward("29:00")
    expect(page.locator(VERDICT)).to_have_count(1)
    page.locator("#outcome .headline").tap()  # the officer touches the result
    page.clock.fast_forward("29:00")
    expect(page.locator(VERDICT)).to_have_count(1)
    expect(page.locator(LOCK)).to_have_count(0)
    page.clock.fast_forward("01:00")
    expect_locked(page)


def test_the_lock_screens_sign_in_asks_for_the_password_and_returns_to_the_path_without_a_plate(
    clocked_page: Page, live_server: LiveServer
) -> None:
    page = clocked_page
    officer_with_a_verdict(page, live_server)
    path = page.evaluate("() => location.pathname")
    assert path.startswith("/lookup/r/")
    page.clock.fast_forward("30:00")
    expect_locked(page)
    sign_in_link = page.locator(f"{LOCK} [data-lock-sign-in]")
    expect(sign_in_link).to_have_attribute("href", f"/login?next={path.replace('/', '%2F')}")
    page.context.clear_cookies()  # the server ended the session at the same 30 minutes
    sign_in_link.click()
    sign_in(page, live_server.url, OFFICER_EMAIL, already_there=True)
    expect(page).to_have_url(f"{live_server.url}{path}")


def test_a_plate_kept_for_after_sign_in_leaves_browser_storage_when_the_screen_locks(
    clocked_page: Page, live_server: LiveServer
) -> None:
    page = clocked_page
    officer_with_a_verdict(page, live_server)
    page.context.clear_cookies()  # the session ended: the next lookup is refused and kept for after sign-in
    look_up(page)
    expect(page.locator("#outcome [data-lookup-failed]")).to_have_attribute("data-lookup-failed", "session")
    assert PLATE in page.evaluate(STORAGE)
    page.clock.fast_forward("30:00")
    expect(page.locator(LOCK)).to_be_visible()
    assert PLATE not in page.evaluate(STORAGE)


def test_after_a_lookup_answers_browser_storage_holds_no_plate_or_name(
    clocked_page: Page, live_server: LiveServer
) -> None:
    page = clocked_page
    officer_with_a_verdict(page, live_server)
    storage = page.evaluate(STORAGE)
    assert PLATE not in storage and NAME not in storage


def test_sign_out_during_a_lookup_leaves_no_plate_in_browser_storage(
    clocked_page: Page, live_server: LiveServer
) -> None:
    page = clocked_page
    sign_in(page, live_server.url, OFFICER_EMAIL)
    held: list[Route] = []
    page.route(
        f"{live_server.url}/lookup",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    look_up(page, live_server.url)
    expect(page.locator("#outcome [data-lookup-pending]")).to_contain_text(f"Looking up {PLATE}")
    assert PLATE in page.evaluate(STORAGE)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed_out=1$"))
    for route in held:
        route.abort()
    storage = page.evaluate(STORAGE)
    assert PLATE not in storage and NAME not in storage


def test_back_after_sign_out_shows_no_verdict_name_or_plate(clocked_page: Page, live_server: LiveServer) -> None:
    page = clocked_page
    officer_with_a_verdict(page, live_server)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed_out=1$"))
    for _ in range(3):  # the result, the lookup page, the page the sign-in landed on
        page.go_back()
        expect(page).to_have_url(re.compile(r"/login"))
        expect(page.locator("input[name=password]")).to_be_visible()
        expect_nothing_personal(page)
    screenshot(page, "idle-lock-back-after-sign-out")


def test_a_page_brought_back_from_the_back_forward_cache_is_emptied_and_asked_for_again(
    clocked_page: Page, live_server: LiveServer
) -> None:
    page = clocked_page
    officer_with_a_verdict(page, live_server)
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    expect_nothing_personal(page)
    page.context.clear_cookies()  # signed out meanwhile (another tab, the server's timeout)
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect_nothing_personal(page)


def test_pages_before_sign_in_have_no_idle_lock(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    expect(page.locator("#idle-lock")).to_have_count(0)
    expect(page.locator("script[src*='idle-lock']")).to_have_count(0)
