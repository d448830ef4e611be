"""Browser tests: a live Envoy on 127.0.0.1 with the demo registry, driven by Debian's Chromium (stack-notes §4).

The live server is session-scoped and has its own app and temporary SQLite file; it never uses the
function-scoped `app` fixture of tests/conftest.py.
"""

import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Locator, Page
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from app.cards import keyring, tokens
from app.extensions import db
from app.models import Card
from app.registry.seed import seed_demo
from tests.conftest import make_app
from tests.factories import DEFAULT_PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
OFFICER_EMAIL = "officer@browser.example.gov"
DISPATCHER_EMAIL = "dispatcher@browser.example.gov"


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr: pytest would print every static file of a failing test."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def buffered(wsgi_app: Callable) -> Callable:
    """Read and close every response before the dev server writes it.

    Werkzeug's dev server skips closing the response when Chromium drops a connection mid-write (its
    clean-up reads the dead socket first), leaking the open static file as a ResourceWarning that fails a
    random test. Buffering closes the file inside the app call, whatever the browser does next.
    """

    def middleware(environ: dict, start_response: Callable) -> list[bytes]:
        body = wsgi_app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return middleware


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, **PHONE}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    # The port goes into BASE_URL (and so into card tokens) before the app exists: take a free one first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'envoy.db'}",
        WTF_CSRF_ENABLED=True,
        BASE_URL=base_url,
    )
    app.instance_path = str(folder / "instance")
    Path(app.instance_path).mkdir()
    with app.app_context():
        db.create_all()
        seed_demo(persons=400, seed=1, instance_path=Path(app.instance_path))
        keyring.rotate(datetime.now(UTC))
        make_user("officer", email=OFFICER_EMAIL)
        make_user("dispatcher", email=DISPATCHER_EMAIL)
    app.wsgi_app = buffered(app.wsgi_app)  # type: ignore[method-assign]
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(base_url, app)
    server.shutdown()
    server.server_close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(
    page: Page,
    base_url: str,
    email: str,
    password: str = DEFAULT_PASSWORD,
    totp_secret: str | None = None,
    *,
    already_there: bool = False,
) -> None:
    """Sign in through the real login page: email, password, the banner acknowledged; then the TOTP code if given.

    `already_there`: the page is on the login page (with its `next`) already, e.g. after a "Sign in again" link.
    Each code works once per account: sign an account in at most once per 30-second step.
    """
    if already_there:
        page.wait_for_url(re.compile(r"/login"))
    else:
        page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.check("input[name=acknowledge]")
    page.click("button[type=submit]")
    if totp_secret is not None:
        page.wait_for_url(f"{base_url}/login/code")
        page.fill("input[name=code]", pyotp.TOTP(totp_secret).now())
        page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def card_url(live_server: LiveServer, card_number: str) -> str:
    """The /v/ address a fresh print of this card's QR code would hold, whatever the card's status."""
    with live_server.app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == card_number)).one()
        token = tokens.issue(card.card_number, card.expires_on, keyring.signing_ring(), datetime.now(UTC))
    return f"{live_server.url}/v/{token}"


# Each "May I…" answer whose words do not all show: running past its row or the result's border (which clips), or
# cut inside its own box. An answer cut to "Only on a" or pushed out of sight reads as no answer at all.
CLIPPED_ANSWERS = """() => [...document.querySelectorAll('#outcome .answer')].filter(row => {
  const answer = row.querySelector('dd'), box = answer.getBoundingClientRect();
  const rowBox = row.getBoundingClientRect(), result = row.closest('article').getBoundingClientRect();
  return box.width === 0 || box.right > rowBox.right + 1 || box.right > result.right
    || answer.scrollWidth > answer.clientWidth + 1;
}).map(row => row.dataset.question + ': ' + row.querySelector('dd').innerText)"""


def clipped_answers(page: Page) -> list[str]:
    return page.evaluate(CLIPPED_ANSWERS)


def spilling_buttons(container: Locator) -> list[str]:
    """The buttons in `container` whose label does not fit them, or that reach past the edges of the container or of
    a scrolling box between (a button half under a table's scroll edge is cut as far as the eye can tell)."""
    return container.evaluate(
        """box => [...box.querySelectorAll('button, .button')].filter(b => {
          if (b.scrollWidth > b.clientWidth + 1) return true;
          const r = b.getBoundingClientRect();
          for (let up = b.parentElement; up; up = up.parentElement) {
            const edge = up.getBoundingClientRect();
            const clips = up === box || getComputedStyle(up).overflowX !== 'visible';
            if (clips && (r.left < edge.left - 0.5 || r.right > edge.right + 0.5)) return true;
            if (up === box) return false;
          }
          return false;
        }).map(b => b.innerText)"""
    )


def scrolled_out_of_sight(page: Page) -> list[str]:
    """The boxes that scroll sideways (a table's scroll region) and are wider inside than they show: at desktop
    width nothing should hide past a scroll edge."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e =>
          ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
          .map(e => e.className || e.tagName)"""
    )


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def signed_in_page(page: Page, live_server: LiveServer) -> Page:
    """The phone-sized page of a signed-in officer."""
    sign_in(page, live_server.url, OFFICER_EMAIL)
    return page


@pytest.fixture
def dispatcher_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A desktop-sized page of a signed-in dispatcher."""
    context: BrowserContext = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, DISPATCHER_EMAIL)
    yield page
    context.close()
