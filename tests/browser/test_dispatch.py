"""The dispatcher's console on a desktop (1280×800): keyboard first, with the session's history beside it."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, clipped_answers, screenshot
from tests.browser.test_officer import EVERY_ANSWER

pytestmark = pytest.mark.browser


def test_the_console_opens_with_the_focus_in_the_query_field(dispatcher_page: Page, live_server: LiveServer) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    expect(dispatcher_page.locator("#q")).to_be_focused()


def test_typing_a_plate_and_pressing_enter_shows_the_verdict(dispatcher_page: Page, live_server: LiveServer) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    expect(dispatcher_page.locator("#q")).to_be_focused()  # autofocus lands once the page has loaded
    dispatcher_page.keyboard.type("DWJ1204")
    dispatcher_page.keyboard.press("Enter")
    expect(dispatcher_page.locator("#outcome article[data-verdict-level]")).to_have_attribute(
        "data-verdict-level", "full"
    )
    screenshot(dispatcher_page, "dispatch-plate-hit")


def test_every_answer_shows_whole_in_the_consoles_three_columns(dispatcher_page: Page, live_server: LiveServer) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    for _kind, query in EVERY_ANSWER:
        dispatcher_page.fill("#q", query)
        dispatcher_page.keyboard.press("Enter")
        expect(dispatcher_page.locator("#outcome .answer")).to_have_count(6)
        expect(dispatcher_page.locator("#q")).to_have_value(query)
        expect(dispatcher_page.locator("#history a").first).to_contain_text(query)
        assert clipped_answers(dispatcher_page) == [], query


def test_escape_clears_the_query_field_and_keeps_the_focus(dispatcher_page: Page, live_server: LiveServer) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    expect(dispatcher_page.locator("#q")).to_be_focused()  # autofocus lands once the page has loaded
    dispatcher_page.keyboard.type("ZZ000001")
    expect(dispatcher_page.locator("#q")).to_have_value("ZZ000001")
    dispatcher_page.keyboard.press("Escape")
    expect(dispatcher_page.locator("#q")).to_have_value("")
    expect(dispatcher_page.locator("#q")).to_be_focused()


def test_the_history_lists_a_lookup_and_clicking_it_shows_the_result_again(
    dispatcher_page: Page, live_server: LiveServer
) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    dispatcher_page.fill("#q", "ZZ000003")
    dispatcher_page.keyboard.press("Enter")
    outcome = dispatcher_page.locator("#outcome")
    expect(outcome.locator("article[data-verdict-level]")).to_have_attribute("data-verdict-level", "official_acts")
    entry = dispatcher_page.locator("#history a", has_text="ZZ000003")
    expect(entry).to_have_count(1)

    dispatcher_page.fill("#q", "DWJ100")
    dispatcher_page.keyboard.press("Enter")
    expect(outcome.locator("[data-official-car]")).to_be_visible()
    expect(outcome.locator("article[data-verdict-level]")).to_have_count(0)

    entry.click()
    expect(outcome.locator("article[data-verdict-level]")).to_have_attribute("data-verdict-level", "official_acts")
    expect(dispatcher_page.locator("#q")).to_have_value("ZZ000003")  # the field says what the result is for
    expect(dispatcher_page.locator("#q")).to_be_focused()
    expect(dispatcher_page).to_have_url(re.compile(re.escape(f"{live_server.url}/dispatch/r/") + r"[\w-]+$"))
    screenshot(dispatcher_page, "dispatch-history-replay")
    dispatcher_page.keyboard.type("DWJ1204")  # the replayed query is selected: typing replaces it
    expect(dispatcher_page.locator("#q")).to_have_value("DWJ1204")


def test_alt_h_goes_to_the_newest_recent_lookup(dispatcher_page: Page, live_server: LiveServer) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    expect(dispatcher_page.locator("#q")).to_be_focused()
    dispatcher_page.keyboard.type("DWJ1204")
    dispatcher_page.keyboard.press("Enter")
    expect(dispatcher_page.locator("#outcome article[data-verdict-level]")).to_have_count(1)
    dispatcher_page.keyboard.press("Alt+KeyH")
    expect(dispatcher_page.locator(".console-history #history a").first).to_be_focused()


def test_the_answers_start_on_the_first_screen_at_1280_by_800(dispatcher_page: Page, live_server: LiveServer) -> None:
    dispatcher_page.goto(f"{live_server.url}/dispatch")
    dispatcher_page.fill("#q", "DWJ1204")
    dispatcher_page.keyboard.press("Enter")
    answers = dispatcher_page.locator("#outcome .answers")
    expect(answers).to_be_visible()
    dispatcher_page.evaluate("window.scrollTo(0, 0)")
    box = answers.bounding_box()
    first_row = dispatcher_page.locator("#outcome .answer").nth(0).bounding_box()  # a row holds three answers
    dispatcher_page.locator("#q").blur()  # while the field has focus the call bar steps aside; then it is pinned
    bar = dispatcher_page.locator("#outcome [data-call-bar]").bounding_box()
    assert box is not None and first_row is not None and bar is not None
    assert first_row["y"] + first_row["height"] <= bar["y"] <= 800, (first_row, bar)
