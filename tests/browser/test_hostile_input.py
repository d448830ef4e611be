"""A hostile narrative in a real browser (security bar I3): the reviewer's page shows it as text, no tag it holds
becomes an element, no dialog opens and no script runs (not even one the CSP would have to stop)."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, expect

from app.extensions import db
from app.offices import Office
from tests.browser.conftest import DESKTOP, LiveServer, screenshot, sign_in
from tests.factories import make_incident, make_mission, make_person, make_user, make_vehicle

pytestmark = pytest.mark.browser

TAG = '"><img src=x onerror=alert(1)>'
SCRIPT = "<script>alert(2)</script>"
NARRATIVE = f"Driver wrote {TAG} and {SCRIPT} on the form, then said {{{{7*7}}}} and ' OR 1=1--."
PLACE = f"{TAG} Wisconsin Ave NW"


@pytest.fixture
def reviewer_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    with live_server.app.app_context():
        user = make_user("reviewer", office=Office.HEADQUARTERS)
    context: BrowserContext = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, user.email, totp_secret=user.totp_secret)
    yield page
    context.close()


def hostile_incident(live_server: LiveServer) -> str:
    with live_server.app.app_context():
        mission = make_mission(id="MXS0001", name="Embassy of Xsland", country="Xsland")
        person = make_person(mission, id="PXS0001", full_name="Ines Xsander")
        vehicle = make_vehicle(person=person, plate="XSS0001")
        db.session.commit()
        incident = make_incident(plate=vehicle.plate, place=PLACE, narrative=NARRATIVE)
        db.session.commit()
        reference = incident.reference
        db.session.remove()
    return reference


def test_a_narrative_full_of_markup_is_shown_as_text_and_runs_nothing(
    reviewer_page: Page, live_server: LiveServer
) -> None:
    page = reviewer_page
    dialogs: list[str] = []
    blocked: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    reference = hostile_incident(live_server)

    page.goto(f"{live_server.url}/review/{reference}")

    expect(page.locator("[data-narrative]")).to_have_text(NARRATIVE)
    expect(page.get_by_text(PLACE)).to_be_visible()
    assert page.locator("img[src='x']").count() == 0  # the tag stayed text: no element, so nothing to fire
    assert page.evaluate("[...document.scripts].filter(s => !s.src).length") == 0
    page.wait_for_timeout(500)  # an image error or a script would have had its turn by now
    screenshot(page, "review-hostile-narrative")
    assert dialogs == []
    assert blocked == []  # not even a tag the CSP had to stop
