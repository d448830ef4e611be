"""The officer's QR scanner, fed a card's QR through Chromium's fake camera (stack-notes §4)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, Request, expect

from app.cards import admin
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, OFFICER_EMAIL, PHONE, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


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


@pytest.fixture
def camera_browser(playwright: Playwright, camera_file: Path) -> Iterator[Browser]:
    fake_camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_file}",
    ]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_camera)
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
        page.wait_for_url(f"{live_server.url}/v", timeout=15_000)
        expect(page.locator("article[data-verdict-level]")).to_have_attribute("data-verdict-level", "full")
        screenshot(page, "scanner-verified-full")
    finally:
        context.close()
    assert requests
    elsewhere = [url for url in requests if not url.startswith(f"{live_server.url}/") and not url.startswith("data:")]
    assert elsewhere == []
