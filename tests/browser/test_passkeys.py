"""Passkeys in Chromium with its virtual authenticator (CDP WebAuthn domain): enrol, sign out, sign in with the
passkey after the password, the one-touch sign-in from the login page after the idle sign-out, and the one-touch
confirmation before a privileged change.

Passkeys belong to a host name, never an IP address: this module serves its own Envoy at http://localhost:PORT
(a secure context for Chromium), with the real default of a second factor for every role.
"""

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect
from sqlalchemy import update
from werkzeug.serving import make_server

from app.config import DEFAULTS
from app.extensions import db
from app.models import UserSession
from app.models.base import utcnow
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, QuietHandler, buffered, screenshot
from tests.browser.test_accessibility import serious_violations
from tests.conftest import make_app
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


@pytest.fixture(scope="module")
def passkey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("passkeys")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://localhost:{port}"
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'envoy.db'}",
        WTF_CSRF_ENABLED=True,
        BASE_URL=base_url,
        MFA_REQUIRED_ROLES=DEFAULTS["MFA_REQUIRED_ROLES"],
    )
    app.instance_path = str(folder / "instance")
    Path(app.instance_path).mkdir()
    with app.app_context():
        db.create_all()
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


def _with_authenticator(context: BrowserContext) -> tuple[Page, CDPSession, str]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})["authenticatorId"]
    return page, cdp, authenticator


def _password(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.check("input[name=acknowledge]")
    page.get_by_role("button", name="Sign in", exact=True).click()


def _sign_out(page: Page, base_url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/login?signed_out=1")


def _new_officer(server: LiveServer, email: str) -> str:
    with server.app.app_context():
        user = make_user("officer", email=email, totp=False)
        db.session.remove()
    return user.email


def test_an_officer_enrols_a_passkey_then_signs_in_with_it_and_again_with_one_touch_after_the_idle_sign_out(
    browser: Browser, passkey_server: LiveServer
) -> None:
    base = passkey_server.url
    email = _new_officer(passkey_server, "passkey.officer@browser.example.gov")
    context = browser.new_context(**PHONE)
    try:
        page, cdp, authenticator = _with_authenticator(context)
        # First sign-in: the password, then the enrolment page offers a passkey first.
        _password(page, base, email)
        expect(page).to_have_url(f"{base}/login/enrol")
        expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
        page.fill("[data-passkey-name]", "Patrol phone")
        page.get_by_role("button", name="Add a passkey and sign in").click()
        expect(page).to_have_url(f"{base}/lookup")
        [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
        assert credential["isResidentCredential"] and credential["signCount"] >= 1

        # Next sign-in: after the password, the passkey is asked for at once (the page starts it): one touch.
        _sign_out(page, base)
        _password(page, base, email)
        expect(page).to_have_url(f"{base}/lookup")

        # The idle sign-out: the session is gone; the login page's passkey button is the whole sign-in.
        with passkey_server.app.app_context():
            db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
            db.session.commit()
        page.goto(f"{base}/incidents")
        expect(page).to_have_url(f"{base}/login?next=/incidents")
        expect(page.get_by_text("You were signed out after 30 minutes")).to_be_visible()
        page.get_by_role("button", name="Agree to the notice and sign in with a passkey").click()
        expect(page).to_have_url(f"{base}/incidents")
    finally:
        context.close()


def test_a_passkey_confirms_a_privileged_change_with_one_touch_and_the_account_page_lists_it(
    browser: Browser, passkey_server: LiveServer
) -> None:
    base = passkey_server.url
    email = _new_officer(passkey_server, "confirm.officer@browser.example.gov")
    context = browser.new_context(**PHONE)
    try:
        page, _cdp, _authenticator = _with_authenticator(context)
        _password(page, base, email)
        page.get_by_role("button", name="Add a passkey and sign in").click()
        expect(page).to_have_url(f"{base}/lookup")
        page.goto(f"{base}/login/confirm?next=/account/passkeys")
        page.get_by_role("button", name="Confirm with your passkey").click()
        expect(page).to_have_url(f"{base}/account/passkeys")
        expect(page.locator("[data-passkey-row]")).to_have_count(1)
        # The only second factor stays: removing it is refused with the reason.
        page.get_by_role("button", name="Remove Passkey 1").click()
        expect(page.locator("[data-passkey-refusal]")).to_contain_text("only second factor")
        assert serious_violations(page, base) == []
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_passkey_pages(browser: Browser, passkey_server: LiveServer, size: str, scheme: str) -> None:
    base = passkey_server.url
    email = _new_officer(passkey_server, f"shots.{size}.{scheme}@browser.example.gov")
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), color_scheme=scheme)  # type: ignore[arg-type]
    try:
        page, _cdp, _authenticator = _with_authenticator(context)
        page.goto(f"{base}/login")
        expect(page.get_by_role("button", name="Agree to the notice and sign in with a passkey")).to_be_visible()
        screenshot(page, f"passkey-login-{size}-{scheme}")
        _password(page, base, email)
        expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
        screenshot(page, f"passkey-enrol-{size}-{scheme}")
        assert serious_violations(page, base) == []
        page.get_by_role("button", name="Add a passkey and sign in").click()
        expect(page).to_have_url(f"{base}/lookup")
        page.goto(f"{base}/account/passkeys")
        expect(page.locator("[data-passkey-row]")).to_have_count(1)
        screenshot(page, f"passkey-account-{size}-{scheme}")
        page.goto(f"{base}/login/confirm?next=/account/passkeys")
        expect(page.get_by_role("button", name="Confirm with your passkey")).to_be_visible()
        screenshot(page, f"passkey-confirm-{size}-{scheme}")
        # The second step after the password, caught before the page starts the passkey prompt by itself.
        _sign_out(page, base)
        context.route("**/login/passkey/options", lambda route: route.abort())
        _password(page, base, email)
        expect(page).to_have_url(f"{base}/login/passkey")
        expect(page.locator("[data-passkey-error]")).to_be_visible()
        screenshot(page, f"passkey-step-{size}-{scheme}")
    finally:
        context.close()
