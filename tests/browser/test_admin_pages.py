"""The admin pages on a phone and a desktop: dangerous actions ask first, no sideways scrolling, axe finds nothing."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from app.audit import alerts
from app.audit.actor import Actor
from app.cards import admin
from app.extensions import db
from app.immunity import CardStatus
from app.models import Card, User
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveServer,
    screenshot,
    scrolled_out_of_sight,
    sign_in,
    spilling_buttons,
)
from tests.browser.test_accessibility import AXE
from tests.browser.test_scanner import card_less_diplomat_family
from tests.factories import make_user

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@dataclass(frozen=True)
class IssuedCard:
    number: str
    holder: str
    person_id: str


@pytest.fixture
def admin_in(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Open a browser of the given size and colour scheme signed in as a new admin (password and TOTP just now).

    A new admin each time: a TOTP code works once per account, and two sign-ins can fall in one 30-second step.
    """
    contexts: list[BrowserContext] = []

    def open_page(size: str = "phone", scheme: str = "light", javascript: bool = True) -> Page:
        with live_server.app.app_context():
            user = make_user("admin")
        context = browser.new_context(**SIZES[size], color_scheme=scheme, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, user.email, totp_secret=user.totp_secret)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def card(live_server: LiveServer) -> IssuedCard:
    """A new valid card for a card-less person (the scanner tests take the first such person; this the last)."""
    expires_on = datetime.now(UTC).date() + timedelta(days=730)
    with live_server.app.app_context():
        person_id = card_less_diplomat_family(live_server, expires_on)[-1]
        issued = admin.issue_card(person_id, expires_on, datetime.now(UTC))
        found = IssuedCard(issued.card_number, issued.person.full_name, person_id)
        db.session.remove()
    return found


def card_status(live_server: LiveServer, number: str) -> CardStatus:
    with live_server.app.app_context():
        status = db.session.scalars(db.select(Card.status).where(Card.card_number == number)).one()
        db.session.remove()
    return status


def user_disabled(live_server: LiveServer, user_id: int) -> bool:
    with live_server.app.app_context():
        disabled = db.session.get_one(User, user_id).is_disabled
        db.session.remove()
    return disabled


def must_change_password(live_server: LiveServer, user_id: int) -> bool:
    with live_server.app.app_context():
        due = db.session.get_one(User, user_id).must_change_password
        db.session.remove()
    return due


def newest_admin_id(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        user_id = db.session.scalars(db.select(User.id).where(User.role == "admin").order_by(User.id.desc())).first()
        db.session.remove()
    assert user_id is not None
    return user_id


def search_cards(page: Page, text: str) -> None:
    """Search on the cards page as an admin does: type, press Find, wait for the results."""
    page.get_by_label("Card number, person id or name").fill(text)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("[data-results], [data-no-results]")).to_be_visible()


def test_a_card_search_shows_the_person_and_keeps_the_name_out_of_the_address(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard
) -> None:
    page = admin_in(size="desktop")
    page.goto(f"{live_server.url}/admin/cards")
    surname = card.holder.split()[-1]
    search_cards(page, surname)
    expect(page.locator(f'[data-person="{card.person_id}"]')).to_be_visible()
    assert surname not in page.url and page.url == f"{live_server.url}/admin/cards"
    page.get_by_role("link", name=card.holder).click()
    expect(page).to_have_url(f"{live_server.url}/admin/cards/person/{card.person_id}")


def action_button(page: Page, action: str) -> Locator:
    return page.locator(f"form[action$='/{action}'] button[type=submit]")


# --- Dangerous actions ask first, naming what they change --------------------------------------------------


def test_revoke_asks_first_naming_the_card_and_holder_and_cancel_leaves_the_card_valid(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard
) -> None:
    page = admin_in()
    page.goto(f"{live_server.url}/admin/cards/{card.number}")
    action_button(page, "revoke").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Revoke card {card.number} of {card.holder}?")
    expect(dialog).to_contain_text("for good")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # Enter or a stray tap does not revoke
    screenshot(page, "admin-card-revoke-dialog-phone")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.locator("section[data-card]")).to_have_attribute("data-status", "valid")
    assert card_status(live_server, card.number) is CardStatus.VALID

    action_button(page, "revoke").click()
    dialog.get_by_role("button", name="Revoke").click()
    expect(page.locator("section[data-card]")).to_have_attribute("data-status", "revoked")
    assert card_status(live_server, card.number) is CardStatus.REVOKED


def test_mark_lost_asks_first_naming_the_card_and_escape_changes_nothing(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard
) -> None:
    page = admin_in(scheme="dark")
    page.goto(f"{live_server.url}/admin/cards/{card.number}")
    action_button(page, "lost").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Mark card {card.number} of {card.holder} lost?")
    screenshot(page, "admin-card-lost-dialog-phone-dark")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert card_status(live_server, card.number) is CardStatus.VALID

    action_button(page, "lost").click()
    dialog.get_by_role("button", name="Mark lost").click()
    expect(page.locator("section[data-card]")).to_have_attribute("data-status", "lost")
    assert card_status(live_server, card.number) is CardStatus.LOST


def test_disable_asks_first_naming_the_user_and_cancel_leaves_them_active(
    admin_in: Callable[..., Page], live_server: LiveServer
) -> None:
    with live_server.app.app_context():
        officer = make_user("officer", email="to.disable@browser.example.gov")
    page = admin_in()
    page.goto(f"{live_server.url}/admin/users")
    row = page.locator(f"tr[data-user='{officer.email}']")
    row.get_by_role("button", name="Disable").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Disable the account of {officer.email}?")
    screenshot(page, "admin-users-disable-dialog-phone")
    assert spilling_buttons(dialog) == []
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert not user_disabled(live_server, officer.id)

    row.get_by_role("button", name="Disable").click()
    dialog.get_by_role("button", name="Disable").click()
    expect(page.locator(f"tr[data-user='{officer.email}'] [data-disabled]")).to_be_visible()
    assert user_disabled(live_server, officer.id)


def test_issuing_a_card_that_replaces_the_current_one_asks_first_naming_the_holder_and_the_card(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard
) -> None:
    page = admin_in()
    page.goto(f"{live_server.url}/admin/cards/person/{card.person_id}")
    page.get_by_role("button", name="Issue card").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Issue a new card to {card.holder}?")
    expect(dialog).to_contain_text(f"replaces {card.number}")
    screenshot(page, "admin-person-issue-dialog-phone")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert card_status(live_server, card.number) is CardStatus.VALID

    page.get_by_role("button", name="Issue card").click()
    dialog.get_by_role("button", name="Issue card").click()
    expect(page.locator("section[data-card]")).to_have_attribute("data-status", "valid")
    assert page.locator("section[data-card]").get_attribute("data-card") != card.number
    assert card_status(live_server, card.number) is CardStatus.REVOKED


def test_without_javascript_revoke_asks_on_its_own_page_and_only_its_second_button_revokes(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard
) -> None:
    page = admin_in(javascript=False)
    page.goto(f"{live_server.url}/admin/cards/{card.number}")
    action_button(page, "revoke").click()
    expect(page.locator("h1")).to_contain_text(f"Revoke card {card.number} of {card.holder}?")
    screenshot(page, "admin-card-revoke-confirm-page-phone")
    assert card_status(live_server, card.number) is CardStatus.VALID
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("section[data-card]")).to_have_attribute("data-status", "revoked")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_revoke_is_red_and_unlike_the_blue_reprint_button(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard, scheme: str
) -> None:
    page = admin_in(scheme=scheme)
    page.goto(f"{live_server.url}/admin/cards/{card.number}")
    background = "el => getComputedStyle(el).backgroundColor"
    revoke = action_button(page, "revoke").evaluate(background)
    reprint = action_button(page, "reprint").evaluate(background)
    assert revoke != reprint
    red, green, blue = (int(part) for part in revoke.removeprefix("rgb(").removesuffix(")").split(","))
    assert red > green and red > blue, f"revoke is {revoke}, not red"
    screenshot(page, f"admin-card-actions-phone-{scheme}")


def test_end_session_asks_first_and_the_ended_device_is_sent_to_sign_in(
    admin_in: Callable[..., Page], live_server: LiveServer, browser: Browser
) -> None:
    with live_server.app.app_context():
        officer = make_user("officer", email="lost.phone@browser.example.gov")
    device = browser.new_context(**PHONE).new_page()
    sign_in(device, live_server.url, officer.email)
    page = admin_in()
    page.goto(f"{live_server.url}/admin/users/{officer.id}")
    row = page.locator("tr[data-session]")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="End session").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"End this session of {officer.email}?")
    screenshot(page, "admin-user-end-session-dialog-phone")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(1)

    row.get_by_role("button", name="End session").click()
    dialog.get_by_role("button", name="End session").click()
    expect(page.locator("[data-no-sessions]")).to_be_visible()
    device.goto(f"{live_server.url}/lookup")
    device.wait_for_url(re.compile(r"/login"))
    device.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_temporary_password_asks_first_then_shows_the_made_password_once_and_says_the_lock_stays(
    admin_in: Callable[..., Page], live_server: LiveServer, size: str
) -> None:
    with live_server.app.app_context():
        officer = make_user("officer", email=f"forgot.{size}@browser.example.gov", locked_at=datetime.now(UTC))
    page = admin_in(size=size)
    page.goto(f"{live_server.url}/admin/users/{officer.id}")
    button = page.get_by_role("button", name="Set temporary password")
    expect(button).to_be_visible()
    screenshot(page, f"admin-user-temporary-password-{size}")
    assert all_violations(page, live_server.url) == []
    button.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Set a temporary password for {officer.email}?")
    screenshot(page, f"admin-user-temporary-password-dialog-{size}")
    assert spilling_buttons(dialog) == []
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert not must_change_password(live_server, officer.id)

    button.click()
    dialog.get_by_role("button", name="Set temporary password").click()
    expect(page.locator("[data-password]")).to_have_text(re.compile(r"^[a-z2-9]{4}(-[a-z2-9]{4}){4}$"))
    expect(page.locator("[data-still-locked]")).to_contain_text("still locked")
    screenshot(page, f"admin-user-temporary-password-shown-{size}")
    assert must_change_password(live_server, officer.id)
    if size == "phone":
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert all_violations(page, live_server.url) == []


# --- Narrow screens -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_admin_person_page_never_scrolls_sideways_on_a_phone(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard, scheme: str
) -> None:
    page = admin_in(scheme=scheme)
    page.goto(f"{live_server.url}/admin/cards/person/{card.person_id}")
    expect(page.locator(f"[data-card='{card.number}']")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, f"admin-person-phone-{scheme}")


def test_a_table_wider_than_a_phone_fades_the_side_where_columns_are_out_of_sight(
    admin_in: Callable[..., Page], live_server: LiveServer
) -> None:
    page = admin_in()
    page.goto(f"{live_server.url}/admin/audit")
    box = page.locator(".audit-scroll").first
    expect(box).to_have_attribute("data-more-right", "")  # the first columns show; more to the right
    assert box.get_attribute("data-more-left") is None
    fade = box.evaluate("e => getComputedStyle(e).maskImage || getComputedStyle(e).webkitMaskImage")
    assert "linear-gradient" in fade
    screenshot(page, "admin-audit-phone-scroll-cue")
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    expect(box).to_have_attribute("data-more-left", "")
    expect(box).not_to_have_attribute("data-more-right", "")
    page.set_viewport_size({"width": 1280, "height": 800})  # the table fits: no fade
    expect(box).not_to_have_attribute("data-more-left", "")
    expect(box).not_to_have_attribute("data-more-right", "")
    assert box.evaluate("e => getComputedStyle(e).maskImage || getComputedStyle(e).webkitMaskImage") == "none"


# --- The new-user form --------------------------------------------------------------------------------------


def test_the_new_user_form_shows_every_problem_at_once_next_to_its_field_and_keeps_the_password(
    admin_in: Callable[..., Page], live_server: LiveServer
) -> None:
    page = admin_in()
    page.goto(f"{live_server.url}/admin/users/new")
    page.fill("input[name=email]", "not-an-email")
    page.fill("input[name=password]", "short")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#email-errors")).to_contain_text("Enter an email address like")
    expect(page.locator("#agency-errors")).to_contain_text("Enter the agency")
    expect(page.locator("#password-errors")).to_contain_text("at least 15 characters")
    expect(page.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=password]")).to_have_value("short")
    screenshot(page, "admin-user-new-errors-phone")


# --- axe, light and dark, phone and desktop -----------------------------------------------------------------


def all_violations(page: Page, base_url: str) -> list[str]:
    """Every axe violation, whatever its impact, as readable lines."""
    page.add_script_tag(url=base_url + AXE)
    results = page.evaluate("async () => await axe.run(document)")
    assert results["passes"], "axe ran no checks"
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[node['target'] for node in v['nodes']]}"
        for v in results["violations"]
    ]


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_admin_pages(
    admin_in: Callable[..., Page], live_server: LiveServer, card: IssuedCard, scheme: str, size: str
) -> None:
    page = admin_in(size=size, scheme=scheme)
    with live_server.app.app_context():  # so the alerts page shows both of its tables
        alerts.raise_alert(
            "auth.lockout", detail={"user_id": 1, "failures": 5}, actor=Actor(user_id=1, email="a@x.gov")
        )
        db.session.remove()
    pages = {
        "users": "/admin/users",
        "user-new": "/admin/users/new",
        "user": f"/admin/users/{newest_admin_id(live_server)}",  # the admin's own page: lists their session
        "cards": "/admin/cards",  # searched below: the search is a form post (no name in the address)
        "person": f"/admin/cards/person/{card.person_id}",
        "card": f"/admin/cards/{card.number}",
        "audit": "/admin/audit",
        "alerts": "/admin/alerts",
    }
    found = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        if name == "cards":
            search_cards(page, card.holder.split()[-1])
        screenshot(page, f"admin-{name}-{size}-{scheme}")
        assert spilling_buttons(page.locator("main")) == [], path
        if size == "desktop":
            assert scrolled_out_of_sight(page) == [], path
        if size == "phone":
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
        violations = all_violations(page, live_server.url)
        if violations:
            found[path] = violations
    assert found == {}
