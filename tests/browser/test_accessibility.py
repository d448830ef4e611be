"""axe-core (vendored) finds nothing serious or critical on the officer's result or the dispatcher's console."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot

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
