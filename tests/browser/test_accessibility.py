"""axe-core (vendored) finds nothing serious or critical on the officer's result or the dispatcher's console."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, card_url, screenshot

pytestmark = pytest.mark.browser

# Served by the app itself: the strict CSP (script-src 'self') refuses an inline copy, as it should.
AXE = "/static/vendor/axe-core-4.14.1.min.js"


def serious_violations(page: Page, base_url: str) -> list[dict]:
    page.add_script_tag(url=base_url + AXE)
    results = page.evaluate("async () => await axe.run(document)")
    assert results["passes"], "axe ran no checks"
    found = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    for violation in found:
        targets = [node["target"] for node in violation["nodes"]]
        print(f"{violation['impact']}: {violation['id']} — {violation['help']} — {targets}")
    return found


def test_the_officers_page_with_a_result_has_no_serious_accessibility_violations(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    signed_in_page.check("input[name=kind][value=card]")
    signed_in_page.fill("#q", "ZZ000004")
    signed_in_page.get_by_role("button", name="Look up").click()
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    assert serious_violations(signed_in_page, live_server.url) == []


def test_the_officers_miss_page_in_dark_mode_has_no_serious_accessibility_violations(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    signed_in_page.emulate_media(color_scheme="dark")
    signed_in_page.goto(f"{live_server.url}/lookup")
    signed_in_page.fill("#q", "DWJ1299")
    signed_in_page.get_by_role("button", name="Look up").click()
    expect(signed_in_page.locator("#outcome [data-miss]")).to_be_visible()
    screenshot(signed_in_page, "officer-plate-miss-dark")
    assert serious_violations(signed_in_page, live_server.url) == []


def test_the_dispatch_console_has_no_serious_accessibility_violations(
    dispatcher_page: Page, live_server: LiveServer
) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    dispatcher_page.fill("#q", "DWJ1204")
    dispatcher_page.keyboard.press("Enter")
    expect(dispatcher_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    assert serious_violations(dispatcher_page, live_server.url) == []


def test_a_verdict_with_a_suspended_driving_record_in_dark_mode_has_no_serious_accessibility_violations(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    signed_in_page.emulate_media(color_scheme="dark")
    signed_in_page.goto(f"{live_server.url}/lookup")
    signed_in_page.fill("#q", "318WJD")
    signed_in_page.get_by_role("button", name="Look up").click()
    driving = signed_in_page.locator("#outcome [data-driving-status]")
    expect(driving).to_have_attribute("data-driving-status", "suspended")
    screenshot(signed_in_page, "officer-plate-driving-suspended-dark")
    assert serious_violations(signed_in_page, live_server.url) == []


def all_violations(page: Page, base_url: str) -> list[str]:
    """Every axe violation, whatever its impact (issue 8: axe finds nothing on the field pages)."""
    page.add_script_tag(url=base_url + AXE)
    results = page.evaluate("async () => await axe.run(document)")
    assert results["passes"], "axe ran no checks"
    return [f"{v['impact']}: {v['id']} {[n['target'] for n in v['nodes']]}" for v in results["violations"]]


def _officer_result(page: Page, base_url: str, kind: str, query: str) -> None:
    page.goto(f"{base_url}/lookup")
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#q", query)
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#outcome [data-result]")).to_have_count(1)


FIELD_PAGES = {
    "officer-full": lambda page, url: _officer_result(page, url, "plate", "DWJ1204"),
    "officer-revoked": lambda page, url: _officer_result(page, url, "card", "ZZ000004"),
    "officer-suspended": lambda page, url: _officer_result(page, url, "plate", "318WJD"),
    "officer-near-match": lambda page, url: _officer_result(page, url, "plate", "DWJ12O4"),
    "offline-page": lambda page, url: page.goto(f"{url}/offline"),
}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(FIELD_PAGES))
def test_the_officers_pages_have_no_accessibility_violations_in_either_theme(
    signed_in_page: Page, live_server: LiveServer, name: str, theme: str
) -> None:
    signed_in_page.emulate_media(color_scheme=theme)
    FIELD_PAGES[name](signed_in_page, live_server.url)
    assert all_violations(signed_in_page, live_server.url) == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_failure_panel_has_no_accessibility_violations(
    signed_in_page: Page, live_server: LiveServer, theme: str
) -> None:
    signed_in_page.emulate_media(color_scheme=theme)
    signed_in_page.goto(f"{live_server.url}/lookup")
    signed_in_page.context.set_offline(True)
    try:
        signed_in_page.fill("#q", "DWJ1204")
        signed_in_page.get_by_role("button", name="Look up").click()
        expect(signed_in_page.locator("#outcome [data-lookup-failed]")).to_be_visible()
    finally:
        signed_in_page.context.set_offline(False)
    assert all_violations(signed_in_page, live_server.url) == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_dispatch_console_and_a_card_check_have_no_accessibility_violations(
    dispatcher_page: Page, live_server: LiveServer, theme: str
) -> None:
    dispatcher_page.emulate_media(color_scheme=theme)
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    dispatcher_page.fill("#q", "318WJD")
    dispatcher_page.keyboard.press("Enter")
    expect(dispatcher_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    assert all_violations(dispatcher_page, live_server.url) == []
    dispatcher_page.goto(card_url(live_server, "ZZ000004"))
    expect(dispatcher_page.locator("[data-card-check]")).to_be_visible()
    assert all_violations(dispatcher_page, live_server.url) == []
