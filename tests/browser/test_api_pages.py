"""The API's pages in Chromium: an admin makes and revokes a token on a phone; the reference reads on any screen and
loads nothing from another site."""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, screenshot, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def context_of(browser: Browser) -> Iterator[object]:
    contexts: list[BrowserContext] = []

    def open_context(size: str) -> BrowserContext:
        contexts.append(browser.new_context(**SIZES[size]))
        return contexts[-1]

    yield open_context
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_api_reference_reads_on_any_screen_and_loads_nothing_from_elsewhere(
    context_of: object, live_server: LiveServer, size: str
) -> None:
    page: Page = context_of(size).new_page()  # type: ignore[operator]
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator("[data-operation='GET /api/v1/plates/{plate}']")).to_be_visible()
    expect(page.get_by_role("heading", name="Getting a token")).to_be_visible()
    assert origins == {urlsplit(live_server.url).netloc}
    assert not problems, problems
    width = 390 if size == "phone" else 1280
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    screenshot(page, f"api-docs-{size}")


def test_an_admin_makes_a_token_sees_it_once_and_revokes_it_after_a_question(
    context_of: object, live_server: LiveServer
) -> None:
    with live_server.app.app_context():
        admin = make_user("admin")
        make_user("dispatcher", email="cad-browser@pd.example")
    page: Page = context_of("phone").new_page()  # type: ignore[operator]
    sign_in(page, live_server.url, admin.email, totp_secret=admin.totp_secret)
    page.goto(f"{live_server.url}/admin/api-tokens")
    page.select_option("select[name=email]", "cad-browser@pd.example")
    page.fill("input[name=name]", "County CAD")
    page.get_by_role("button", name="Make token").click()
    token = page.locator("[data-token]")
    expect(token).to_have_text(re.compile(r"^envoy_[A-Za-z0-9_-]{43}$"))
    screenshot(page, "api-tokens-made-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/admin/api-tokens")
    expect(page.locator("[data-token]")).to_have_count(0)
    row = page.locator("tr", has_text="County CAD")
    row.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("County CAD")
    screenshot(page, "api-tokens-revoke-dialog-phone")
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.locator("tr", has_text="County CAD").locator("[data-state]")).to_have_text("revoked")
