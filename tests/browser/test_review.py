"""The OFM review desk in a browser: a reviewer takes an incident from submitted to closed, confirms points, and the
next lookup of that person shows the new driving status; the queue and incident page at phone and desktop size."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update

from app.extensions import db
from app.incident_codes import IncidentType
from app.models import Incident
from app.offices import Office
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, screenshot, scrolled_out_of_sight, sign_in
from tests.browser.test_accessibility import serious_violations
from tests.factories import (
    JPEG_BYTES,
    AttachmentFile,
    make_incident,
    make_mission,
    make_person,
    make_user,
    make_vehicle,
)

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}
# Each screenshot test files its own incident, against a person of its own (plate RVW<tag>).
SCREEN_TAGS = {("phone", "light"): "2001", ("phone", "dark"): "2002", ("desktop", "light"): "2003",
               ("desktop", "dark"): "2004"}  # fmt: skip


@dataclass(frozen=True)
class Filed:
    reference: str
    plate: str


@pytest.fixture
def reviewer_in(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """A browser of the given size and colour scheme signed in as a new reviewer (one TOTP sign-in per account)."""
    contexts: list[BrowserContext] = []

    def open_page(size: str = "desktop", scheme: str = "light") -> Page:
        with live_server.app.app_context():
            user = make_user("reviewer", office=Office.HEADQUARTERS)
        context = browser.new_context(**SIZES[size], color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, user.email, totp_secret=user.totp_secret)
        return page

    yield open_page
    for context in contexts:
        context.close()


def filed_incident(live_server: LiveServer, tag: str) -> Filed:
    """A diplomat of a mission of our own (no other test looks them up), their car, and an incident filed from a
    lookup of its plate, as the filing service would store it."""
    with live_server.app.app_context():
        mission = make_mission(id=f"MRV{tag}", name=f"Embassy of Revland {tag}", country="Revland")
        person = make_person(mission, id=f"PRV{tag}", full_name=f"Tomas Reviewski {tag}", title="First Secretary")
        vehicle = make_vehicle(person=person, plate=f"RVW{tag}")
        db.session.commit()
        incident = make_incident(
            plate=vehicle.plate,
            incident_type=IncidentType.TRAFFIC,
            place="Massachusetts Ave NW & 34th St NW",
            narrative="Ran the red light at 34th Street at about 40 mph; stopped; produced a State Department card.",
            attachments=[AttachmentFile("citation.jpg", "image/jpeg", JPEG_BYTES)],
        )
        db.session.commit()
        found = Filed(incident.reference, vehicle.plate)
        db.session.remove()
    return found


def test_a_reviewer_closes_an_incident_confirms_points_and_the_next_lookup_shows_the_suspension(
    reviewer_in: Callable[..., Page], live_server: LiveServer
) -> None:
    filed = filed_incident(live_server, "1001")
    page = reviewer_in("desktop")
    page.goto(f"{live_server.url}/review")
    page.get_by_label("Mission").fill("Revland 1001")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/review\?.*mission=Revland%201001"))  # htmx pushed the filter's address
    expect(page.locator("[data-queue-total]")).to_contain_text("1 incident matches")
    row = page.locator(f'tr[data-incident="{filed.reference}"]')
    expect(row).to_contain_text("Tomas Reviewski")
    expect(row).to_contain_text("Submitted")
    row.get_by_role("link", name=filed.reference).click()
    expect(page.locator("[data-incident-reference]")).to_have_text(filed.reference)

    page.locator('form[data-action="assign"]').get_by_role("button", name="Assign").click()
    expect(page.locator("[data-assignee]")).to_contain_text("Assigned to reviewer")
    for target in ("In review", "Referred to mission", "Closed"):
        status_form = page.locator('form[data-action="status"]')
        status_form.get_by_label("Move to").select_option(label=target)
        status_form.get_by_role("button", name="Move").click()
        expect(page.locator(".incident-head [data-status]")).to_have_text(target)

    points_form = page.locator('form[data-action="points"]')
    points_form.get_by_label("Points (1–12)").fill("12")
    points_form.get_by_role("button", name="Confirm points").click()
    expect(page.locator("[data-record-driving]")).to_have_attribute("data-record-driving", "suspended")
    timeline = page.locator("[data-timeline] li")
    expect(timeline).to_have_count(6)
    expect(timeline.last).to_contain_text("12 points confirmed")

    page.goto(f"{live_server.url}/dispatch")
    page.fill("#q", filed.plate)
    page.keyboard.press("Enter")
    expect(page.locator("#outcome [data-driving-status]")).to_have_attribute("data-driving-status", "suspended")


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_queue_and_an_incident_page_fit_the_screen_and_axe_finds_nothing_serious(
    reviewer_in: Callable[..., Page], live_server: LiveServer, size: str, scheme: str
) -> None:
    filed = filed_incident(live_server, SCREEN_TAGS[size, scheme])
    with live_server.app.app_context():  # a long address in the Assignee column must not push the row out of sight
        long_named = make_user("reviewer", email=f"a.rather.long.address.{size}.{scheme}@ofm-hq.example.gov")
        db.session.execute(
            update(Incident).where(Incident.reference == filed.reference).values(assignee_id=long_named.id)
        )
        db.session.commit()
    page = reviewer_in(size, scheme)
    page.goto(f"{live_server.url}/review?office=")
    expect(page.locator(f'tr[data-incident="{filed.reference}"]')).to_be_visible()
    screenshot(page, f"review-queue-{size}-{scheme}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if size == "desktop":
        assert scrolled_out_of_sight(page) == []
    assert serious_violations(page, live_server.url) == []

    page.goto(f"{live_server.url}/review/{filed.reference}")
    expect(page.locator('[data-side="live"]')).to_be_visible()
    screenshot(page, f"review-incident-{size}-{scheme}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_violations(page, live_server.url) == []
