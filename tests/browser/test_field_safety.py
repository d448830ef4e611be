"""Issue 8 on a phone (390×844): a failed lookup never leaves an earlier verdict, the call stays in reach, the caveats
an officer must not miss are on the first screen, and near matches show what differs."""

import re

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import OFFICER_EMAIL, PHONE, LiveServer, card_url, screenshot, sign_in

pytestmark = pytest.mark.browser

VERDICT = "#outcome article[data-verdict-level]"


def look_up(page: Page, kind: str, query: str) -> None:
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#q", query)
    page.get_by_role("button", name="Look up").click()


def first_lookup(page: Page, base_url: str) -> None:
    """ZZ000002 (a US-national spouse): no immunity. Every failure below follows this answer."""
    page.goto(f"{base_url}/lookup")
    look_up(page, "card", "ZZ000002")
    expect(page.locator(VERDICT)).to_have_attribute("data-verdict-level", "none")


def expect_no_earlier_verdict(page: Page, failure: str) -> None:
    panel = page.locator("#outcome [data-lookup-failed]")
    expect(panel).to_have_attribute("data-lookup-failed", failure)
    expect(panel).to_contain_text("DWJ1204")
    expect(page.locator(VERDICT)).to_have_count(0)
    expect(page.locator("#outcome")).not_to_contain_text("NO IMMUNITY")
    expect(panel.locator('a[href="tel:+18662172089"]')).to_be_visible()


def test_offline_the_earlier_verdict_goes_and_try_again_answers_once_back_online(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    first_lookup(signed_in_page, live_server.url)
    signed_in_page.context.set_offline(True)
    try:
        look_up(signed_in_page, "plate", "DWJ1204")
        expect_no_earlier_verdict(signed_in_page, "offline")
        expect(signed_in_page.locator("#q")).to_have_value("DWJ1204")
        screenshot(signed_in_page, "safety-offline")
    finally:
        signed_in_page.context.set_offline(False)
    signed_in_page.get_by_role("button", name="Try again").click()
    expect(signed_in_page.locator(VERDICT)).to_have_attribute("data-verdict-level", "full")
    expect(signed_in_page.locator("#outcome [data-lookup-failed]")).to_have_count(0)


def test_a_server_error_clears_the_earlier_verdict_and_offers_the_call(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    first_lookup(signed_in_page, live_server.url)

    def broken(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=500, body="Internal Server Error", content_type="text/plain")
        else:
            route.continue_()

    signed_in_page.route(f"{live_server.url}/lookup", broken)
    look_up(signed_in_page, "plate", "DWJ1204")
    expect_no_earlier_verdict(signed_in_page, "server")
    expect(signed_in_page.locator("#outcome [data-failed-status]")).to_have_text("500")
    screenshot(signed_in_page, "safety-server-error")


def test_a_lookup_that_never_answers_is_not_shown_beside_the_earlier_verdict(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    first_lookup(signed_in_page, live_server.url)
    held: list[Route] = []
    signed_in_page.route(f"{live_server.url}/lookup", lambda route: held.append(route))
    look_up(signed_in_page, "plate", "DWJ1204")
    expect(signed_in_page.locator("#outcome [data-lookup-pending]")).to_contain_text("Looking up DWJ1204")
    expect(signed_in_page.locator(VERDICT)).to_have_count(0)
    for route in held:
        route.abort()
    expect_no_earlier_verdict(signed_in_page, "network")


def test_an_ended_session_says_so_and_after_signing_in_again_answers_the_same_query(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, OFFICER_EMAIL)
        first_lookup(page, live_server.url)
        context.clear_cookies()  # what a 30-minute idle timeout or a sign-out in another tab leaves behind
        look_up(page, "plate", "DWJ1204")
        expect_no_earlier_verdict(page, "session")
        expect(page.locator(".topbar [data-sign-out]")).to_be_hidden()  # the header no longer says signed in
        expect(page.locator(".topbar [data-signed-in]")).to_be_hidden()
        screenshot(page, "safety-session-ended")
        page.locator("#outcome [data-sign-in]").click()
        sign_in(page, live_server.url, OFFICER_EMAIL, already_there=True)
        expect(page).to_have_url(re.compile(r"/lookup(/r/[\w-]+)?$"))
        expect(page.locator(VERDICT)).to_have_attribute("data-verdict-level", "full")
        expect(page.locator("#outcome [data-query]")).to_have_attribute("data-query", "DWJ1204")
    finally:
        context.close()


def test_back_to_an_earlier_result_while_offline_does_not_show_the_later_one(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    first_lookup(signed_in_page, live_server.url)
    look_up(signed_in_page, "plate", "DWJ1204")
    expect(signed_in_page.locator(VERDICT)).to_have_attribute("data-verdict-level", "full")
    signed_in_page.context.set_offline(True)
    try:
        signed_in_page.go_back()
        expect(signed_in_page.locator("#outcome article[data-verdict-level=full]")).to_have_count(0)
    finally:
        signed_in_page.context.set_offline(False)


def test_the_dispatch_console_clears_the_earlier_verdict_when_a_search_fails(
    dispatcher_page: Page, live_server: LiveServer
) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    dispatcher_page.fill("#q", "ZZ000002")
    dispatcher_page.keyboard.press("Enter")
    expect(dispatcher_page.locator(VERDICT)).to_have_attribute("data-verdict-level", "none")
    dispatcher_page.context.set_offline(True)
    try:
        dispatcher_page.fill("#q", "DWJ1204")
        dispatcher_page.keyboard.press("Enter")
        expect_no_earlier_verdict(dispatcher_page, "offline")
        screenshot(dispatcher_page, "safety-dispatch-offline")
    finally:
        dispatcher_page.context.set_offline(False)


@pytest.mark.parametrize(
    ("kind", "query", "level"),
    [
        ("plate", "DWJ1204", "full"),
        ("card", "ZZ000007", "felony_warrant"),
        ("card", "ZZ000003", "official_acts"),
        ("card", "ZZ000002", "none"),
        ("card", "ZZ000004", "unverified"),
    ],
)
def test_the_call_button_stays_in_reach_while_scrolling_any_verdict(
    signed_in_page: Page, live_server: LiveServer, kind: str, query: str, level: str
) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, kind, query)
    expect(signed_in_page.locator(VERDICT).first).to_have_attribute("data-verdict-level", level)
    signed_in_page.locator("#q").blur()
    bar = signed_in_page.locator("#outcome [data-call-bar] a[href^='tel:']")
    height = signed_in_page.evaluate("() => document.documentElement.scrollHeight")
    for y in (0, height // 3, 2 * height // 3, height):
        signed_in_page.evaluate(f"window.scrollTo(0, {y})")
        box = bar.bounding_box()
        assert box is not None
        assert 0 <= box["y"] and box["y"] + box["height"] <= 844, f"call button off screen at scroll {y}: {box}"
    screenshot(signed_in_page, f"safety-call-bar-{level}")


def test_the_call_bar_steps_aside_while_the_officer_types(signed_in_page: Page, live_server: LiveServer) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, "plate", "DWJ1204")
    expect(signed_in_page.locator(VERDICT)).to_have_count(1)
    signed_in_page.locator("#q").focus()
    expect(signed_in_page.locator("#outcome [data-call-bar]")).to_be_hidden()


def test_the_plate_caveat_is_on_the_first_screen_beside_the_headline(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, "plate", "DWJ1204")
    caveat = signed_in_page.locator("#outcome [data-caveat=plate]")
    expect(caveat).to_contain_text("not proof of immunity")
    signed_in_page.evaluate("window.scrollTo(0, 0)")
    box = caveat.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    headline = signed_in_page.locator("#outcome .headline").bounding_box()
    assert headline is not None and headline["y"] + headline["height"] <= 844  # the verdict's headline too


def test_every_disclosure_looks_like_one(signed_in_page: Page, live_server: LiveServer) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, "plate", "DWJ1204")
    summary = signed_in_page.locator("#outcome details summary").first
    border = summary.evaluate("el => getComputedStyle(el).borderTopWidth")
    chevron = summary.evaluate("el => getComputedStyle(el, '::before').borderRightWidth")
    assert border != "0px" and chevron != "0px"


def test_a_near_match_is_monospace_and_marks_the_character_that_differs(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, "plate", "DWJ12O4")
    suggestion = signed_in_page.locator("#outcome [data-suggestion=DWJ1204]")
    expect(suggestion.locator("mark")).to_have_text("0")
    heading = signed_in_page.locator("#outcome [data-miss-query]")
    for element in (suggestion, heading):
        font = element.evaluate("el => getComputedStyle(el).fontFamily")
        assert "mono" in font.lower(), font
    tag = signed_in_page.locator("#outcome [data-suggestions] .tag")
    line_height = tag.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || el.offsetHeight")
    assert tag.bounding_box()["height"] <= line_height * 1.5  # type: ignore[index]  # on one line
    screenshot(signed_in_page, "safety-near-match")


def test_a_suspended_driver_gets_guidance_with_the_verdict(signed_in_page: Page, live_server: LiveServer) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, "plate", "318WJD")
    guidance = signed_in_page.locator("#outcome [data-driving-guidance]")
    expect(guidance).to_contain_text("Immunity is unchanged")
    expect(guidance.locator("[data-not-confirmed]")).to_contain_text("DS Command Center")
    signed_in_page.evaluate("window.scrollTo(0, 0)")
    box = signed_in_page.locator("#outcome [data-driving-status]").bounding_box()
    answers = signed_in_page.locator("#outcome .answers").bounding_box()
    assert box is not None and answers is not None and box["y"] < answers["y"]
    screenshot(signed_in_page, "safety-driving-suspended")


def test_the_officer_sees_recent_lookups_under_the_form(signed_in_page: Page, live_server: LiveServer) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    look_up(signed_in_page, "plate", "DWJ1204")
    expect(signed_in_page.locator(VERDICT)).to_have_count(1)
    look_up(signed_in_page, "card", "ZZ000002")
    expect(signed_in_page.locator(VERDICT)).to_have_attribute("data-verdict-level", "none")
    recent = signed_in_page.locator("[data-recent]")
    recent.locator("summary").click()
    expect(recent.locator("li").first).to_contain_text("ZZ000002")
    recent.get_by_text("DWJ1204").click()
    expect(signed_in_page.locator(VERDICT)).to_have_attribute("data-verdict-level", "full")


def test_a_revoked_card_scanned_says_what_to_do_once(signed_in_page: Page, live_server: LiveServer) -> None:
    signed_in_page.goto(card_url(live_server, "ZZ000004"))
    expect(signed_in_page.locator("[data-card-check]")).to_have_attribute("data-card-check", "revoked")
    expect(signed_in_page.locator("[data-card-check]")).to_be_visible()
    expect(signed_in_page.locator("a[data-call-in]")).to_have_count(1)
    expect(signed_in_page.locator("[role=alert]")).to_have_count(0)
    expect(signed_in_page.locator(".unverified-box")).not_to_contain_text("before you act")
    screenshot(signed_in_page, "safety-scan-revoked")


def test_offline_a_page_load_shows_the_offline_page_with_the_calls_and_nothing_personal_is_cached(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, OFFICER_EMAIL)
        page.goto(f"{live_server.url}/lookup")
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.reload()  # the worker controls the page from its next load
        assert page.evaluate("() => !!navigator.serviceWorker.controller")
        look_up(page, "plate", "DWJ1204")
        expect(page.locator(VERDICT)).to_have_count(1)
        cached = page.evaluate(
            "async () => { const keys = []; for (const name of await caches.keys()) {"
            " for (const r of await (await caches.open(name)).keys()) keys.push(new URL(r.url).pathname); }"
            " return keys; }"
        )
        assert "/offline" in cached
        assert all(path == "/offline" or path.startswith("/static/") for path in cached), cached
        context.set_offline(True)
        page.goto(f"{live_server.url}/lookup")
        offline = page.locator("[data-offline]")
        expect(offline).to_be_visible()
        expect(offline.locator('a[href="tel:+18662172089"]')).to_be_visible()
        expect(page.locator("[data-signed-in]")).to_have_count(0)  # the cached page names no one
        screenshot(page, "safety-offline-page")
    finally:
        context.set_offline(False)
        context.close()


def test_the_page_links_a_manifest_with_icons(signed_in_page: Page, live_server: LiveServer) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    href = signed_in_page.locator("link[rel=manifest]").get_attribute("href")
    manifest = signed_in_page.request.get(f"{live_server.url}{href}").json()
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert signed_in_page.request.get(f"{live_server.url}{icon['src']}").ok
