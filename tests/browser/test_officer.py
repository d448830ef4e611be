"""The officer's lookup page on a phone (390×844): type a plate or card number, read the verdict."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import OFFICER_EMAIL, PHONE, LiveServer, clipped_answers, screenshot, sign_in

pytestmark = pytest.mark.browser


def look_up(page: Page, base_url: str, kind: str, query: str) -> None:
    page.goto(f"{base_url}/lookup")
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#q", query)
    page.get_by_role("button", name="Look up").click()


@pytest.mark.parametrize(
    ("kind", "query", "level", "name"),
    [
        ("plate", "DWJ1204", "full", "officer-plate-diplomat"),
        ("card", "ZZ000007", "felony_warrant", "officer-card-consular-officer"),
        ("card", "ZZ000004", "unverified", "officer-card-revoked"),
        ("card", "ZZ000008", "none", "officer-card-consular-family"),
        ("card", "ZZ000009", "full", "officer-card-special-bilateral"),
    ],
)
def test_a_lookup_shows_the_persons_verdict_level(
    signed_in_page: Page, live_server: LiveServer, kind: str, query: str, level: str, name: str
) -> None:
    look_up(signed_in_page, live_server.url, kind, query)
    verdict = signed_in_page.locator("#outcome article[data-verdict-level]").first
    expect(verdict).to_have_attribute("data-verdict-level", level)
    screenshot(signed_in_page, name)


# Between them every answer wording there is: yes, no, only on a felony warrant, yes but not about official acts,
# yes with the court deciding official acts, call DS first.
EVERY_ANSWER = [("plate", "DWJ1204"), ("card", "ZZ000007"), ("card", "ZZ000003"), ("card", "ZZ000004")]


def test_every_answer_shows_whole_on_a_phone(signed_in_page: Page, live_server: LiveServer) -> None:
    for kind, query in EVERY_ANSWER:
        look_up(signed_in_page, live_server.url, kind, query)
        expect(signed_in_page.locator("#outcome .answer")).to_have_count(6)
        assert clipped_answers(signed_in_page) == [], query


def test_a_person_with_a_registry_photo_shows_it_and_one_without_shows_none(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "plate", "DWJ1204")
    photo = signed_in_page.locator("#outcome article[data-verdict-level] img.photo")
    expect(photo).to_be_visible()
    # The image really loaded: decode() waits for it (and fails if it cannot load), however slow the machine.
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 240
    look_up(signed_in_page, live_server.url, "card", "ZZ000008")  # the consul's spouse: no photo on record
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    expect(signed_in_page.locator("#outcome img.photo")).to_have_count(0)


def test_a_hungarian_nationals_result_flags_mandatory_consular_notification(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "card", "ZZ000009")
    expect(signed_in_page.locator("#outcome [data-consular-notification]")).to_be_visible()


def test_a_brazilian_consuls_result_has_no_mandatory_notification_flag(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "card", "ZZ000007")
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    expect(signed_in_page.locator("#outcome [data-consular-notification]")).to_have_count(0)


@pytest.mark.parametrize(
    ("query", "status", "points", "name"),
    [
        ("318WJD", "suspended", "13", "officer-plate-driving-suspended"),
        ("ZZ000003", "review", "9", "officer-card-driving-review"),
    ],
)
def test_a_person_with_points_on_the_driving_record_shows_the_driving_status(
    signed_in_page: Page, live_server: LiveServer, query: str, status: str, points: str, name: str
) -> None:
    look_up(signed_in_page, live_server.url, "plate" if query == "318WJD" else "card", query)
    driving = signed_in_page.locator("#outcome [data-driving-status]")
    expect(driving).to_have_attribute("data-driving-status", status)
    expect(driving).to_have_attribute("data-driving-points", points)
    driving.scroll_into_view_if_needed()
    screenshot(signed_in_page, name)


def test_an_official_car_with_no_person_says_so(signed_in_page: Page, live_server: LiveServer) -> None:
    look_up(signed_in_page, live_server.url, "plate", "DWJ100")
    expect(signed_in_page.locator("#outcome [data-official-car]")).to_be_visible()
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(0)
    screenshot(signed_in_page, "officer-official-car")


def test_a_misread_plate_shows_the_miss_and_offers_the_plate_it_was_probably(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "plate", "DWJ12O4")  # letter O for the digit 0
    outcome = signed_in_page.locator("#outcome")
    expect(outcome.locator("[data-miss]")).to_be_visible()
    expect(outcome.locator("[data-suggestions]")).to_contain_text("DWJ1204")
    screenshot(signed_in_page, "officer-plate-misread")


def test_an_unknown_plate_in_the_washington_layout_shows_the_miss_with_a_layout_hint(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "plate", "DWJ1299")
    outcome = signed_in_page.locator("#outcome")
    expect(outcome.locator("[data-miss]")).to_be_visible()
    expect(outcome.locator("[data-hint]")).to_contain_text("Washington layout")
    screenshot(signed_in_page, "officer-plate-miss-hint")


def test_the_swap_puts_the_result_url_in_the_address_bar_and_back_returns_to_the_form(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "plate", "DWJ1204")
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    expect(signed_in_page).to_have_url(_result_url(live_server))
    signed_in_page.go_back()
    expect(signed_in_page).to_have_url(f"{live_server.url}/lookup")
    expect(signed_in_page.locator("#q")).to_be_visible()
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(0)


def test_back_between_two_results_restores_the_first_with_the_scan_button_and_no_script_error(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    errors: list[str] = []
    signed_in_page.on("pageerror", lambda error: errors.append(str(error)))
    signed_in_page.goto(f"{live_server.url}/lookup")
    for plate in ("DWJ1204", "DWJ100"):
        signed_in_page.fill("#q", plate)
        signed_in_page.get_by_role("button", name="Look up").click()
        expect(signed_in_page.locator("#outcome [data-query]")).to_have_attribute("data-query", plate)
    signed_in_page.go_back()
    expect(signed_in_page.locator("#outcome [data-query]")).to_have_attribute("data-query", "DWJ1204")
    expect(signed_in_page.locator("[data-scan-open]")).to_be_visible()
    signed_in_page.locator("[data-scan-open]").tap()  # bound again after the restore: the panel opens
    expect(signed_in_page.locator("[data-scanner]")).to_be_visible()
    assert errors == []


def _result_url(live_server: LiveServer) -> re.Pattern[str]:
    return re.compile(re.escape(f"{live_server.url}/lookup/r/") + r"[\w-]+$")


def test_without_javascript_the_form_still_shows_the_verdict(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, OFFICER_EMAIL)
        look_up(page, live_server.url, "plate", "DWJ1204")
        expect(page).to_have_url(_result_url(live_server))
        expect(page.locator("#outcome article[data-verdict-level]")).to_have_attribute("data-verdict-level", "full")
        screenshot(page, "officer-no-js")
    finally:
        context.close()


def test_without_javascript_the_scan_button_stays_hidden(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, OFFICER_EMAIL)
        page.goto(f"{live_server.url}/lookup")
        expect(page.locator("#q")).to_be_visible()
        expect(page.locator("[data-scan-open]")).to_be_hidden()
    finally:
        context.close()


def test_the_page_with_a_result_does_not_scroll_sideways_on_a_phone(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    look_up(signed_in_page, live_server.url, "card", "ZZ000004")
    expect(signed_in_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    width = signed_in_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
