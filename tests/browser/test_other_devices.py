"""Trying Envoy from another device, in Chromium: over HTTPS sign-in works; over plain http at a LAN address the
browser drops the secure cookie and the page says why; the development switch lets that phone sign in."""

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserType, Page, expect
from werkzeug.serving import make_server, make_ssl_devcert

from app.extensions import db
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, QuietHandler, buffered, screenshot
from tests.conftest import make_app
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

EMAIL = "officer@devices.example.gov"
# A name other than localhost for the loopback address, as a phone on the LAN would see the laptop.
LAN_HOST = "envoy-laptop.test"


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Starts a live Envoy with CSRF on, http or https, and returns its address; all stop after the module."""
    servers = []

    def start(*, tls: bool = False, **overrides: object) -> str:
        folder = tmp_path_factory.mktemp("devices")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        scheme = "https" if tls else "http"
        host = "127.0.0.1" if tls else LAN_HOST
        app = make_app(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'envoy.db'}",
            WTF_CSRF_ENABLED=True,
            BASE_URL=f"{scheme}://{host}:{port}",
            **overrides,
        )
        app.instance_path = str(folder / "instance")
        Path(app.instance_path).mkdir()
        with app.app_context():
            db.create_all()
            make_user("officer", email=EMAIL)
            db.session.remove()
        app.wsgi_app = buffered(app.wsgi_app)  # type: ignore[method-assign]
        ssl_context = make_ssl_devcert(str(folder / "dev"), host="127.0.0.1") if tls else None
        server = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=QuietHandler, ssl_context=ssl_context
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, app))
        return f"{scheme}://{host}:{port}"

    yield start
    for server, app in servers:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def phone(browser_type: BrowserType) -> Iterator[Page]:
    """A phone-sized Chromium that resolves LAN_HOST to this machine and accepts a self-signed certificate."""
    browser = browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1"]
    )
    context = browser.new_context(ignore_https_errors=True, **PHONE)
    yield context.new_page()
    context.close()
    browser.close()


def submit_sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.check("input[name=acknowledge]")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_over_https_a_phone_signs_in(phone: Page, serve: Callable[..., str]) -> None:
    base_url = serve(tls=True)
    submit_sign_in(phone, base_url)
    expect(phone).to_have_url(f"{base_url}/lookup")


def test_over_plain_http_at_a_lan_address_the_page_says_the_cookie_was_refused(
    phone: Page, serve: Callable[..., str]
) -> None:
    base_url = serve()
    submit_sign_in(phone, base_url)
    expect(phone.locator("[data-error='400'] h1")).to_have_text("Envoy needs HTTPS here")
    expect(phone.locator("[data-error='400']")).to_contain_text("Your browser refused Envoy's secure cookie")
    screenshot(phone, "csrf-plain-http-phone")


def test_with_the_development_switch_a_phone_signs_in_over_plain_http(phone: Page, serve: Callable[..., str]) -> None:
    base_url = serve(INSECURE_COOKIES=True)
    submit_sign_in(phone, base_url)
    expect(phone).to_have_url(f"{base_url}/lookup")
