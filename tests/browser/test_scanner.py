"""The officer's QR scanner, fed a card's QR through Chromium's fake camera (stack-notes §4).

The card journeys go through the UI end to end: an admin issues a card and downloads its PNG, the officer's
camera sees that PNG, and after the admin revokes or reprints the card the same PNG reads differently.
"""

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import qrcode
from PIL import Image, ImageOps
from playwright.sync_api import Browser, Page, Playwright, Request, expect
from sqlalchemy import exists, or_, select

from app.cards import admin, qr
from app.cards.wording import OUTCOMES
from app.extensions import db
from app.immunity.codes import Category, PersonStatus, Relationship
from app.models import Person, Vehicle
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    OFFICER_EMAIL,
    PHONE,
    LiveServer,
    screenshot,
    sign_in,
)
from tests.factories import make_user

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


def card_page(base_url: str) -> re.Pattern[str]:
    """Where a scan of a genuine-looking code lands: the card's own /v/<token> page."""
    return re.compile(re.escape(f"{base_url}/v/") + r"[A-Za-z0-9_.=-]+$")


def write_y4m(path: Path, picture: Image.Image, frames: int = 10) -> None:
    """A 640×480 C420jpeg Y4M: the picture as the Y plane, U and V flat grey (128)."""
    luma = Image.new("L", (WIDTH, HEIGHT), 255)
    picture = picture.convert("L")
    luma.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    frame = b"FRAME\n" + luma.tobytes() + chroma + chroma
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(frame)


@pytest.fixture
def camera_file(live_server: LiveServer, tmp_path: Path) -> Path:
    """The fake camera's video: the current print of ZZ000001's QR at 6 px a module."""
    with live_server.app.app_context():
        url = admin.card_url("ZZ000001", datetime.now(UTC))
    assert url.startswith(live_server.url + "/v/")
    code = qrcode.QRCode(box_size=6, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    picture = code.make_image(fill_color="black", back_color="white").get_image()
    assert picture.width <= HEIGHT, "the QR must fit the frame"
    path = tmp_path / "camera.y4m"
    write_y4m(path, picture)
    return path


def launch_with_camera(playwright: Playwright, video: Path) -> Browser:
    """A Chromium whose only camera plays `video` in a loop, allowed without asking."""
    fake_camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_camera)


@pytest.fixture
def camera_browser(playwright: Playwright, camera_file: Path) -> Iterator[Browser]:
    browser = launch_with_camera(playwright, camera_file)
    yield browser
    browser.close()


def test_scanning_a_cards_qr_opens_its_verification_with_the_full_verdict_and_nothing_leaves_the_host(
    camera_browser: Browser, live_server: LiveServer
) -> None:
    context = camera_browser.new_context(**PHONE, permissions=["camera"])
    requests: list[str] = []

    def remember(request: Request) -> None:
        requests.append(request.url)

    context.on("request", remember)
    try:
        page: Page = context.new_page()
        sign_in(page, live_server.url, OFFICER_EMAIL)
        page.goto(f"{live_server.url}/lookup")
        page.locator("[data-scan-open]").tap()
        expect(page.locator("[data-scanner]")).to_be_visible()
        expect(page.locator("[data-scan-torch]")).to_be_hidden()  # the fake camera has no torch
        page.wait_for_url(card_page(live_server.url), timeout=15_000)
        expect(page.locator("article[data-verdict-level]")).to_have_attribute("data-verdict-level", "full")
        screenshot(page, "scanner-verified-full")
        page.reload()  # the scan landed on the card's own page: reload checks again, with no re-post prompt
        expect(page.locator("[data-card-check]")).to_have_attribute("data-card-check", "valid")
    finally:
        context.close()
    assert requests
    elsewhere = [url for url in requests if not url.startswith(f"{live_server.url}/") and not url.startswith("data:")]
    assert elsewhere == []


# --- A printed card through its life: issued, scanned, revoked or reprinted, scanned again ------------------

ALL_PASSED = {"signature": "passed", "expiry": "passed", "registry": "passed"}
REGISTRY_REFUSED = {"signature": "passed", "expiry": "passed", "registry": "failed"}
CARD_PAGE = re.compile(r"/admin/cards/[A-Z]{2}[0-9]{6}$")


@dataclass(frozen=True)
class ScanResult:
    """What the officer's result page shows, read from its data attributes (and the headline)."""

    outcome: str  # data-card-check: "valid" or the reason code
    headline: str
    card_number: str  # as the result prints it: no data attribute carries it
    checks: dict[str, str]  # data-check -> data-state
    person: str | None  # data-person of the verdict
    level: str | None  # data-verdict-level


class Scanner:
    """Each scan launches its own Chromium: the fake camera's video is fixed when the browser starts."""

    def __init__(self, playwright: Playwright, live_server: LiveServer, folder: Path) -> None:
        self.playwright = playwright
        self.live_server = live_server
        self.folder = folder
        self.count = itertools.count(1)

    def scan(self, png: bytes, screenshot_name: str) -> ScanResult:
        """Sign the officer in on a phone, open the scanner on /lookup with `png` before the camera; the result."""
        video = camera_video(png, self.folder / f"camera-{next(self.count)}.y4m")
        browser = launch_with_camera(self.playwright, video)
        try:
            page = browser.new_context(**PHONE, permissions=["camera"]).new_page()
            sign_in(page, self.live_server.url, OFFICER_EMAIL)
            page.goto(f"{self.live_server.url}/lookup")
            page.locator("[data-scan-open]").tap()
            page.wait_for_url(card_page(self.live_server.url), timeout=15_000)
            screenshot(page, screenshot_name)
            return read_result(page)
        finally:
            browser.close()


@pytest.fixture
def scanner(playwright: Playwright, live_server: LiveServer, tmp_path: Path) -> Scanner:
    return Scanner(playwright, live_server, tmp_path)


@pytest.fixture
def admin_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A desktop page of an admin signed in with password and TOTP code just now, so card actions need no re-entry.

    A new admin for each test: a TOTP code works once per account, and two tests can fall in one 30-second step.
    """
    with live_server.app.app_context():
        user = make_user("admin")
    assert user.totp_secret is not None
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, user.email, totp_secret=user.totp_secret)
    yield page
    context.close()


def card_less_diplomat_family(live_server: LiveServer, expires_on: date) -> list[str]:
    """Active members of diplomats' households (full immunity) with no card and no car, accredited past `expires_on`.

    In the demo registry these are the diplomats' children (principals all have cards). No demo journey and no
    other browser test uses them: those all go through a ZZ card or a plate.
    """
    with live_server.app.app_context():
        return list(
            db.session.scalars(
                select(Person.id)
                .where(
                    Person.category == Category.DIPLOMATIC_AGENT,
                    Person.relationship.in_((Relationship.PRINCIPAL, Relationship.SPOUSE, Relationship.CHILD)),
                    Person.status == PersonStatus.ACTIVE,
                    Person.us_national_or_lpr.is_(False),
                    or_(Person.accredited_until.is_(None), Person.accredited_until > expires_on),
                    ~Person.cards.any(),
                    ~exists().where(Vehicle.person_id == Person.id),
                )
                .order_by(Person.id)
            )
        )


def issue_card(page: Page, base_url: str, person_id: str, expires_on: date) -> str:
    """Issue a card on the person's admin page; the new card's page opens. Its number."""
    page.goto(f"{base_url}/admin/cards/person/{person_id}")
    page.fill("input[name=expires_on]", expires_on.isoformat())
    page.get_by_role("button", name="Issue card").click()
    page.wait_for_url(CARD_PAGE)
    card = page.locator("section[data-card]")
    expect(card).to_have_attribute("data-status", "valid")
    number = card.get_attribute("data-card")
    assert number is not None
    return number


def download_png(page: Page) -> bytes:
    """The card page's PNG link, downloaded as the admin's browser saves it: the QR to print."""
    number = page.locator("section[data-card]").get_attribute("data-card")
    with page.expect_download() as info:
        page.get_by_role("link", name="PNG", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"card-{number}-qr.png"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(data)).format == "PNG"
    return data


def act_on_card(page: Page, action: str, button: str, status: str) -> None:
    """Press one of the card page's action buttons (revoke, lost, reprint), going ahead when it asks first."""
    page.locator(f"form[action$='/{action}']").get_by_role("button", name=button).click()
    if action in ("revoke", "lost"):
        page.get_by_role("dialog").get_by_role("button", name=button).click()
    page.wait_for_url(CARD_PAGE)
    expect(page.locator("section[data-card]")).to_have_attribute("data-status", status)


def camera_video(png: bytes, path: Path) -> Path:
    """The admin's PNG as the fake camera's video: as many whole pixels a module as fit, quiet zone and all.

    The PNG has 4 dots a module (300 dpi print geometry); nearest-neighbour keeps every module square and sharp.
    """
    picture = Image.open(io.BytesIO(png)).convert("L")
    modules, rest = divmod(picture.width, qr.DOTS_PER_MODULE)
    assert picture.width == picture.height and rest == 0
    pixels = HEIGHT // modules
    assert pixels >= 4, f"{modules} modules do not fit the frame at 4 pixels a module"
    picture = picture.resize((modules * pixels, modules * pixels), Image.Resampling.NEAREST)
    quiet = qr.QUIET_ZONE * pixels
    code = picture.crop((quiet, quiet, picture.width - quiet, picture.height - quiet))
    assert ImageOps.expand(code, quiet, fill=255).tobytes() == picture.tobytes(), "the quiet zone must stay white"
    write_y4m(path, picture)
    return path


def read_result(page: Page) -> ScanResult:
    verdict = page.locator("article[data-verdict-level]")
    has_verdict = verdict.count() == 1
    return ScanResult(
        outcome=page.locator("[data-card-check]").get_attribute("data-card-check") or "",
        headline=page.locator("#card-check-head").inner_text(),
        card_number=page.locator("[data-card-check]").get_attribute("data-card-number") or "",
        checks={
            check.get_attribute("data-check") or "": check.get_attribute("data-state") or ""
            for check in page.locator("[data-checks] [data-check]").all()
        },
        person=verdict.get_attribute("data-person") if has_verdict else None,
        level=verdict.get_attribute("data-verdict-level") if has_verdict else None,
    )


def verified(card_number: str, person_id: str) -> ScanResult:
    """Green: every check passed, and the holder's full-immunity verdict."""
    return ScanResult("valid", OUTCOMES["valid"][0], card_number, ALL_PASSED, person_id, "full")


def refused(reason: str, card_number: str, person_id: str) -> ScanResult:
    """Red with its own reason: the token is genuine, the registry refuses it, and the verdict is unverified."""
    return ScanResult(reason, OUTCOMES[reason][0], card_number, REGISTRY_REFUSED, person_id, "unverified")


def test_a_printed_card_scans_as_verified_until_the_admin_revokes_it(
    admin_page: Page, scanner: Scanner, live_server: LiveServer
) -> None:
    expires_on = datetime.now(UTC).date() + timedelta(days=730)
    person_id = card_less_diplomat_family(live_server, expires_on)[0]

    number = issue_card(admin_page, live_server.url, person_id, expires_on)
    png = download_png(admin_page)
    assert scanner.scan(png, "scanner-issued-card-verified") == verified(number, person_id)

    act_on_card(admin_page, "revoke", "Revoke", "revoked")
    expect(admin_page.locator("[data-no-qr]")).to_be_visible()  # a revoked card offers nothing to print
    assert scanner.scan(png, "scanner-revoked-card") == refused("revoked", number, person_id)


def test_after_a_reprint_the_old_print_scans_as_superseded_and_the_new_one_verifies(
    admin_page: Page, scanner: Scanner, live_server: LiveServer
) -> None:
    expires_on = datetime.now(UTC).date() + timedelta(days=730)
    person_id = card_less_diplomat_family(live_server, expires_on)[0]

    number = issue_card(admin_page, live_server.url, person_id, expires_on)
    old_png = download_png(admin_page)
    act_on_card(admin_page, "reprint", "Reprint", "valid")
    new_png = download_png(admin_page)
    assert new_png != old_png

    assert scanner.scan(old_png, "scanner-reprinted-card-old-print") == refused("superseded", number, person_id)
    assert scanner.scan(new_png, "scanner-reprinted-card-new-print") == verified(number, person_id)


def test_without_a_camera_the_scanner_offers_the_photo_as_the_main_button_and_no_empty_video(
    signed_in_page: Page, live_server: LiveServer
) -> None:
    signed_in_page.goto(f"{live_server.url}/lookup")
    signed_in_page.locator("[data-scan-open]").tap()
    expect(signed_in_page.locator("[data-scan-status]")).to_contain_text("Take a photo of the card instead")
    expect(signed_in_page.locator("[data-scanner] video")).to_be_hidden()
    expect(signed_in_page.locator("label.scan-photo")).not_to_have_class(re.compile(r"\bsecondary\b"))
    screenshot(signed_in_page, "scanner-no-camera")
