"""Rate limits: lookups per user and per IP, sign-in per IP and per email, a clear 429 with Retry-After."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.api import tokens as api_tokens
from app.audit.actor import Actor
from app.extensions import db, limiter
from app.models import AuditEvent
from app.permissions import public, roles_required
from app.ratelimits import lookup_limits, signin_limits
from tests.auth_support import login_form
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

ALICE = "alice@metro.example.gov"
BOB = "bob@metro.example.gov"
OFFICE = "198.51.100.1"


@roles_required("officer")
@lookup_limits
def _lookup_probe() -> str:
    return "looked up"


@public
@signin_limits
def _signin_probe() -> str:
    return "signed in"


def _limited_app(app_with: Callable[..., Flask], **config: object) -> Flask:
    app = app_with(RATELIMIT_ENABLED=True, **config)
    app.add_url_rule("/_probe/lookup", "probe_lookup", _lookup_probe, methods=["GET", "POST"])
    app.add_url_rule("/api/_probe/lookup", "api_probe_lookup", _lookup_probe)
    app.add_url_rule("/_probe/signin", "probe_signin", _signin_probe, methods=["GET", "POST"])
    with app.app_context():
        for email in (ALICE, BOB):
            make_user("officer", email=email)
    return app


def _signed_in(app: Flask, email: str, ip: str = OFFICE) -> FlaskClient:
    """A client signed in through the real login pages, from this address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    response = sign_in(client, email)
    assert response.status_code == 302, response.status_code
    return client


def _bearer(app: Flask, email: str) -> dict[str, str]:
    """The Authorization header of a new API token of this user (the API takes no session)."""
    with app.app_context():
        return {
            "Authorization": f"Bearer {api_tokens.create_token(email, name=None, days=1, actor=Actor.cli()).secret}"
        }


LimitedApp = Callable[..., Flask]


@pytest.fixture
def limited(app_with: Callable[..., Flask]) -> LimitedApp:
    """Builds apps with rate limits on and the probe routes; app_with empties their databases afterwards."""
    return lambda **config: _limited_app(app_with, **config)


def _lookup(client: FlaskClient, htmx: bool = False) -> TestResponse:
    return client.post("/_probe/lookup", headers={"HX-Request": "true"} if htmx else {})


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- Lookups ---------------------------------------------------------------------------------


def test_a_user_over_the_lookup_limit_gets_429_with_retry_after(limited: LimitedApp) -> None:
    alice = _signed_in(limited(LOOKUP_RATE_PER_USER="3/minute", LOOKUP_RATE_PER_IP="100/minute"), ALICE)
    assert [_lookup(alice).status_code for _ in range(3)] == [200, 200, 200]
    response = _lookup(alice)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert 'href="tel:+18662172089"' in response.get_data(as_text=True)  # the call that is never rate limited


def test_another_user_at_the_same_address_keeps_their_own_allowance(limited: LimitedApp) -> None:
    app = limited(LOOKUP_RATE_PER_USER="2/minute", LOOKUP_RATE_PER_IP="100/minute")
    alice, bob = _signed_in(app, ALICE), _signed_in(app, BOB)
    assert [_lookup(alice).status_code for _ in range(3)] == [200, 200, 429]
    assert _lookup(bob).status_code == 200


def test_users_sharing_one_address_are_stopped_by_the_per_ip_limit(limited: LimitedApp) -> None:
    app = limited(LOOKUP_RATE_PER_USER="100/minute", LOOKUP_RATE_PER_IP="4/minute")
    alice, bob = _signed_in(app, ALICE), _signed_in(app, BOB)
    assert [_lookup(c).status_code for c in (alice, bob, alice, bob)] == [200, 200, 200, 200]
    assert _lookup(bob).status_code == 429
    alice.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    assert _lookup(alice).status_code == 200


def test_one_allowance_covers_every_lookup_view(limited: LimitedApp) -> None:
    app = limited(LOOKUP_RATE_PER_USER="2/minute", LOOKUP_RATE_PER_IP="100/minute")
    alice = _signed_in(app, ALICE)
    assert _lookup(alice).status_code == 200
    assert alice.get("/api/_probe/lookup", headers=_bearer(app, ALICE)).status_code == 200
    assert _lookup(alice).status_code == 429


def test_an_api_client_over_the_limit_gets_json_with_retry_after(limited: LimitedApp) -> None:
    app = limited(LOOKUP_RATE_PER_USER="1/minute", LOOKUP_RATE_PER_IP="100/minute")
    client, token = app.test_client(), _bearer(app, ALICE)
    client.get("/api/_probe/lookup", headers=token)
    response = client.get("/api/_probe/lookup", headers=token)
    assert response.status_code == 429
    assert response.json is not None and response.json["error"] == "rate_limited"
    assert "Try again in" in response.json["message"]
    assert int(response.headers["Retry-After"]) >= 1


def test_a_browser_over_the_limit_gets_a_page_that_says_when_to_retry_and_whom_to_call(limited: LimitedApp) -> None:
    alice = _signed_in(limited(LOOKUP_RATE_PER_USER="1/minute", LOOKUP_RATE_PER_IP="100/minute"), ALICE)
    _lookup(alice)
    response = _lookup(alice)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "<html" in page
    assert f"Try again in {response.headers['Retry-After']} seconds" in page
    assert "866-217-2089" in page


def test_an_htmx_request_over_the_limit_gets_a_fragment_with_retry_after(limited: LimitedApp) -> None:
    alice = _signed_in(limited(LOOKUP_RATE_PER_USER="1/minute", LOOKUP_RATE_PER_IP="100/minute"), ALICE)
    _lookup(alice)
    response = _lookup(alice, htmx=True)
    assert response.status_code == 429
    assert "<html" not in response.get_data(as_text=True)
    assert "Try again in" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1


def test_a_rate_limit_hit_is_audited_once_a_minute_per_user(limited: LimitedApp) -> None:
    app = limited(LOOKUP_RATE_PER_USER="1/minute", LOOKUP_RATE_PER_IP="100/minute")
    alice = _signed_in(app, ALICE)
    for _ in range(4):
        _lookup(alice)
    (event,) = _events(app, "ratelimit.exceeded")
    assert (event.outcome, event.user_email, event.client_addr) == ("denied", ALICE, OFFICE)
    assert '"scope":"lookup-user"' in event.detail


def test_a_rate_limit_hit_is_logged_as_a_warning(
    limited: LimitedApp, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = limited(LOOKUP_RATE_PER_USER="1/minute", LOOKUP_RATE_PER_IP="100/minute")
    # Alembic's fileConfig (the migration tests) disables loggers that already exist; this one must log.
    monkeypatch.setattr(app.logger, "disabled", False)
    alice = _signed_in(app, ALICE)
    _lookup(alice)
    _lookup(alice)
    assert any(r.levelname == "WARNING" and "rate limit exceeded" in r.getMessage() for r in caplog.records)


def test_no_limit_applies_when_rate_limiting_is_off(app: Flask, login_as: Callable[..., object]) -> None:
    app.add_url_rule("/_probe/lookup", "probe_lookup", _lookup_probe, methods=["GET", "POST"])
    client = app.test_client()
    login_as("officer", client=client)
    assert {_lookup(client).status_code for _ in range(130)} == {200}


# --- Sign-in ---------------------------------------------------------------------------------


def _attempt(client: FlaskClient, email: str, ip: str = "203.0.113.5", path: str = "/_probe/signin") -> TestResponse:
    return client.post(path, data=login_form(email, "not the password"), environ_base={"REMOTE_ADDR": ip})


def test_sign_in_attempts_over_the_per_ip_limit_get_429_whatever_the_email(limited: LimitedApp) -> None:
    client = limited(SIGNIN_RATE_PER_IP="3/minute", SIGNIN_RATE_PER_EMAIL="100/minute").test_client()
    statuses = [_attempt(client, f"user{n}@metro.example.gov").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert _attempt(client, "user9@metro.example.gov", ip="203.0.113.6").status_code == 200


def test_sign_in_attempts_for_one_email_from_many_addresses_are_limited(limited: LimitedApp) -> None:
    client = limited(SIGNIN_RATE_PER_IP="100/minute", SIGNIN_RATE_PER_EMAIL="2/minute").test_client()
    statuses = [_attempt(client, "Target@Metro.example.gov", ip=f"203.0.113.{n}").status_code for n in range(1, 4)]
    assert statuses == [200, 200, 429]
    assert _attempt(client, "other@metro.example.gov", ip="203.0.113.9").status_code == 200


def test_showing_the_sign_in_form_is_never_counted(limited: LimitedApp) -> None:
    client = limited(SIGNIN_RATE_PER_IP="1/minute", SIGNIN_RATE_PER_EMAIL="1/minute").test_client()
    assert {client.get("/_probe/signin").status_code for _ in range(5)} == {200}
    assert _attempt(client, "a@metro.example.gov").status_code == 200


def test_the_rate_limit_store_never_holds_the_email_typed_in(limited: LimitedApp) -> None:
    client = limited(SIGNIN_RATE_PER_IP="100/minute", SIGNIN_RATE_PER_EMAIL="100/minute").test_client()
    _attempt(client, "secret.agent@metro.example.gov")
    keys = " ".join(str(k) for k in limiter.storage.storage)  # type: ignore[attr-defined]
    assert "signin-email" in keys
    assert "secret.agent" not in keys


def test_a_sign_in_limit_hit_is_audited_with_the_email_typed_in(limited: LimitedApp) -> None:
    app = limited(SIGNIN_RATE_PER_IP="100/minute", SIGNIN_RATE_PER_EMAIL="1/minute")
    client = app.test_client()
    _attempt(client, "target@metro.example.gov")
    _attempt(client, "target@metro.example.gov")
    (event,) = _events(app, "ratelimit.exceeded")
    assert (event.user_email, event.user_role) == ("target@metro.example.gov", "anonymous")
    assert '"scope":"signin-email"' in event.detail


# --- The real sign-in pages ------------------------------------------------------------------


def test_the_login_form_is_limited_per_address(limited: LimitedApp) -> None:
    client = limited(SIGNIN_RATE_PER_IP="3/minute", SIGNIN_RATE_PER_EMAIL="100/minute").test_client()
    statuses = [_attempt(client, f"nobody{n}@metro.example.gov", path="/login").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    right_password = client.post(
        "/login", data=login_form(ALICE, DEFAULT_PASSWORD), environ_base={"REMOTE_ADDR": "203.0.113.5"}
    )
    assert right_password.status_code == 429
    assert int(right_password.headers["Retry-After"]) >= 1


def test_the_login_form_is_limited_per_email_before_the_account_lock(limited: LimitedApp) -> None:
    app = limited(SIGNIN_RATE_PER_IP="100/minute", SIGNIN_RATE_PER_EMAIL="2/minute")
    client = app.test_client()
    statuses = [_attempt(client, ALICE, ip=f"203.0.113.{n}", path="/login").status_code for n in range(1, 4)]
    assert statuses == [401, 401, 429]
    assert _attempt(client, BOB, path="/login").status_code == 401


def test_the_second_factor_step_is_limited_per_address(limited: LimitedApp) -> None:
    app = limited(SIGNIN_RATE_PER_IP="3/minute", SIGNIN_RATE_PER_EMAIL="100/minute")
    with app.app_context():
        reviewer = make_user("reviewer")
    client = app.test_client()
    statuses = []
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, 30, tzinfo=UTC), tick=False) as clock:
        assert client.post("/login", data=login_form(reviewer.email, DEFAULT_PASSWORD)).status_code == 302
        for _ in range(3):
            clock.shift(5)  # past the growing delay after each wrong code (app/auth/throttle.py), within the minute
            statuses.append(client.post("/login/code", data={"code": "000000"}).status_code)
    assert statuses[-1] == 429
    assert 429 not in statuses[:-1]
