"""Issue 10 on a phone (390×844): an officer files an incident from a plate, a card, a miss and a card scan, with an
attachment, and through a dropped connection and a Retry that leaves exactly one incident."""

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Incident, IncidentAttachment
from tests.browser.conftest import OFFICER_EMAIL, PHONE, LiveServer, card_url, screenshot, sign_in
from tests.browser.test_accessibility import all_violations

pytestmark = pytest.mark.browser

FILED = "#filing [data-incident-reference]"


def look_up(page: Page, base_url: str, kind: str, query: str) -> None:
    page.goto(f"{base_url}/lookup")
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#q", query)
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#outcome [data-result]")).to_have_count(1)


def fill_form(page: Page, narrative: str, type_: str = "traffic") -> None:
    """What an officer types, one-handed: a type, the place, what happened, one action; the rest stays as offered."""
    expect(page.locator("[data-filing-form]")).to_be_visible()
    page.check(f"input[name=type][value={type_}]")
    page.fill("#state", "DC")
    page.fill("#place", "Massachusetts Ave NW & 34th St")
    page.fill("#narrative", narrative)
    page.check("input[name=actions_taken][value=released]")


def filling_on_the_tests_clock(page: Page, base_url: str, narrative: str) -> None:
    """The filing form of the demo car, filled in, with the page's timers on the test's clock (Playwright's
    clock): the form's automatic resend waits until the test moves time on."""
    page.clock.install()
    look_up(page, base_url, "plate", "DWJ1204")
    page.locator("[data-action=file-incident]").click()
    fill_form(page, narrative)


def stored(live_server: LiveServer, narrative: str) -> list[Incident]:
    with live_server.app.app_context():
        found = db.session.scalars(select(Incident).where(Incident.narrative == narrative)).all()
        for incident in found:
            db.session.expunge(incident)
        return list(found)


def reference_shown(page: Page) -> str:
    filed = page.locator(FILED)
    expect(filed).to_be_visible()
    reference = filed.get_attribute("data-incident-reference") or ""
    assert reference.startswith(f"INC-{datetime.now(UTC).year}-")
    return reference


def test_an_officer_files_from_a_plate_result_in_a_few_taps(signed_in_page: Page, live_server: LiveServer) -> None:
    page = signed_in_page
    look_up(page, live_server.url, "plate", "DWJ1204")
    page.locator("[data-action=file-incident]").click()
    expect(page).to_have_url(re.compile(r"/incidents/new\?lookup=[A-Za-z0-9_-]{12}$"))
    expect(page.locator("[data-shown]")).to_contain_text("Full immunity")
    screenshot(page, "incident-form-phone")
    narrative = "Plate result: ran a red light at speed, stopped and cited, released."
    fill_form(page, narrative)
    page.get_by_role("button", name="File incident").click()
    reference = reference_shown(page)
    screenshot(page, "incident-filed-phone")
    [incident] = stored(live_server, narrative)
    assert incident.reference == reference and incident.snapshot["source"] == "plate"
    assert incident.snapshot["persons"][0]["verdict"]["level"] == "full"
    # Nothing the officer typed, and nothing about the person, went to browser storage.
    storage = page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "red light" not in storage and "Demo" not in storage and "DWJ1204" not in storage


def test_an_officer_files_from_a_card_result_with_a_photo_of_the_citation(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    page = signed_in_page
    look_up(page, live_server.url, "card", "ZZ000002")
    page.locator("[data-action=file-incident]").click()
    narrative = "Card result: parked across a hydrant; ticket attached."
    fill_form(page, narrative, "parking")
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 240, 200)).save(photo, "JPEG")
    page.set_input_files(
        "#attachments", files=[{"name": "ticket.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}]
    )
    page.get_by_role("button", name="File incident").click()
    reference_shown(page)
    [incident] = stored(live_server, narrative)
    with live_server.app.app_context():
        [attachment] = db.session.scalars(
            select(IncidentAttachment).where(IncidentAttachment.incident_id == incident.id)
        ).all()
        assert attachment.filename == "ticket.jpg" and attachment.media_type == "image/jpeg"
        assert attachment.content == photo.getvalue()
    assert incident.snapshot["source"] == "card" and incident.snapshot["query"] == "ZZ000002"


def test_an_officer_files_a_plate_as_seen_from_a_miss(signed_in_page: Page, live_server: LiveServer) -> None:
    page = signed_in_page
    look_up(page, live_server.url, "plate", "DWJ12O4")
    page.locator("[data-action=file-incident]").click()
    expect(page.locator("[data-shown]")).to_contain_text("no record")
    narrative = "Miss: plate DWJ12O4 looked diplomatic but is not on record; suspect a false plate."
    fill_form(page, narrative, "suspected_fraud")
    page.get_by_role("button", name="File incident").click()
    reference_shown(page)
    [incident] = stored(live_server, narrative)
    assert incident.snapshot["found"] is False and incident.snapshot["query"] == "DWJ12O4"


def test_an_officer_files_from_a_scanned_card(signed_in_page: Page, live_server: LiveServer) -> None:
    page = signed_in_page
    page.goto(card_url(live_server, "ZZ000001"))
    page.locator("[data-action=file-incident]").click()
    narrative = "Scan: driver showed the card after a minor collision; no injuries."
    fill_form(page, narrative, "accident")
    page.get_by_role("button", name="File incident").click()
    reference_shown(page)
    [incident] = stored(live_server, narrative)
    assert incident.snapshot["source"] == "scan" and incident.snapshot["check"]["outcome"] == "valid"
    assert incident.snapshot["query"] == "ZZ000001"


def test_a_dropped_answer_keeps_the_form_and_retry_files_exactly_once(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    page = signed_in_page
    narrative = "Retry: the connection dropped after sending; the report must exist once."
    filling_on_the_tests_clock(page, live_server.url, narrative)  # Retry is pressed by hand here

    def store_then_drop(route: Route) -> None:
        route.fetch()  # the server stores the incident...
        route.abort("connectionreset")  # ...and the answer never reaches the phone

    page.route("**/incidents", store_then_drop)
    page.get_by_role("button", name="File incident").click()
    failed = page.locator("[data-filing-failed]")
    expect(failed).to_be_visible()
    expect(failed).to_contain_text("Not filed yet")
    expect(failed.locator("[data-retry-note]")).to_contain_text("sends it again by itself in 5 seconds")
    expect(page.locator("#narrative")).to_have_value(narrative)
    expect(page.locator("#place")).to_have_value("Massachusetts Ave NW & 34th St")
    screenshot(page, "incident-retry-phone")
    assert len(stored(live_server, narrative)) == 1
    page.unroute("**/incidents")
    failed.get_by_role("button", name="Retry").click()
    expect(page.locator(FILED)).to_have_attribute("data-filed", "again")
    expect(page.locator("#filing")).to_contain_text("Already filed")
    assert len(stored(live_server, narrative)) == 1


def test_offline_nothing_is_lost_and_retry_files_once_back_online(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    page = signed_in_page
    look_up(page, live_server.url, "plate", "DWJ1204")
    page.locator("[data-action=file-incident]").click()
    narrative = "Offline: no signal at the stop; filed when the signal came back."
    fill_form(page, narrative)
    page.context.set_offline(True)
    try:
        page.get_by_role("button", name="File incident").click()
        expect(page.locator("[data-filing-failed]")).to_be_visible()
        expect(page.locator("#narrative")).to_have_value(narrative)
    finally:
        page.context.set_offline(False)
    # Back online, the form sends itself (security bar D4): nobody has to notice the signal came back.
    expect(page.locator(FILED)).to_have_attribute("data-filed", "new")
    assert len(stored(live_server, narrative)) == 1


def test_while_envoy_is_busy_the_form_sends_itself_again_with_backoff_and_files_once(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    """503 twice (the database busy, say), then the server answers: the officer presses nothing."""
    page = signed_in_page
    narrative = "Busy: Envoy answered 503 twice; the form sent itself again and filed once."
    filling_on_the_tests_clock(page, live_server.url, narrative)
    sent = []

    def busy_twice(route: Route) -> None:
        sent.append(route.request.post_data or "")
        if len(sent) <= 2:
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")
        else:
            route.continue_()

    page.route("**/incidents", busy_twice)
    page.get_by_role("button", name="File incident").click()
    note = page.locator("[data-filing-failed] [data-retry-note]")
    expect(note).to_contain_text("in 5 seconds (try 1 of 6)")
    page.clock.run_for(5_000)
    expect(note).to_contain_text("in 10 seconds (try 2 of 6)")
    page.clock.run_for(10_000)
    expect(page.locator(FILED)).to_have_attribute("data-filed", "new")
    keys = {re.search(r'name="idempotency_key"\r\n\r\n([^\r]+)', body).group(1) for body in sent}  # type: ignore[union-attr]
    assert len(sent) == 3 and len(keys) == 1  # the same report, under the same idempotency key, each time
    assert len(stored(live_server, narrative)) == 1


def test_an_answer_that_waiting_cannot_cure_is_not_sent_again_by_itself(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    page = signed_in_page
    narrative = "A 500: something is wrong on the server; sending it again by itself would not help."
    filling_on_the_tests_clock(page, live_server.url, narrative)
    sent = []
    page.route("**/incidents", lambda route: (sent.append(1), route.fulfill(status=500, body="broken")))
    page.get_by_role("button", name="File incident").click()
    expect(page.locator("[data-filing-failed]")).to_contain_text("error 500")
    page.clock.run_for(120_000)
    assert len(sent) == 1
    expect(page.locator("[data-filing-failed] [data-retry-note]")).to_have_text("")


def test_without_javascript_the_form_files_and_shows_the_reference(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, OFFICER_EMAIL)
        page.goto(f"{live_server.url}/lookup")
        page.check("input[name=kind][value=plate]")
        page.fill("#q", "DWJ1204")
        page.get_by_role("button", name="Look up").click()
        page.locator("[data-action=file-incident]").click()
        narrative = "No script: the form works as a plain HTML form too."
        fill_form(page, narrative, "other")
        page.get_by_role("button", name="File incident").click()
        expect(page.locator("[data-incident-reference]")).to_have_attribute("data-filed", "new")
        assert len(stored(live_server, narrative)) == 1
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_filing_form_has_no_accessibility_violations(
    signed_in_page: Page, live_server: LiveServer, scheme: str
) -> None:
    page = signed_in_page
    page.emulate_media(color_scheme=scheme)
    look_up(page, live_server.url, "plate", "DWJ1204")
    page.locator("[data-action=file-incident]").click()
    page.check("input[name=type][value=dui]")
    page.get_by_role("button", name="File incident").click()  # refused: every problem marked
    expect(page.locator("[data-form-problems]")).to_be_visible()
    screenshot(page, f"incident-form-errors-{scheme}")
    assert all_violations(page, live_server.url) == []
    # State and Place share a row on a phone: with both refused, their boxes still line up (a narrow State column
    # wrapped its "is required" to two lines and pushed its box below Place's).
    state, place = page.locator("#state").bounding_box(), page.locator("#place").bounding_box()
    assert state and place and abs(state["y"] - place["y"]) < 1 and abs(state["height"] - place["height"]) < 1
    lines = "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length; }"
    assert page.locator("#state-error").evaluate(lines) == 1
