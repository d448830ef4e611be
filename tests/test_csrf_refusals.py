"""A form Envoy cannot check says why in plain words: above all a phone on plain http, whose browser drops the
secure cookie; the development switch that lets it sign in; and the Referer check on HTTPS (security bar)."""

import html
import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from app.audit import service as audit_service
from app.models import User
from tests.auth_support import TEST_TOTP_KEYS, audit_events, login_form
from tests.conftest import csrf_from, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

PHONE_ON_LAN = "http://192.168.1.20:8000"
REFUSED_COOKIE = "Your browser refused Envoy's secure cookie because this page is not on HTTPS or on localhost"


@pytest.fixture
def csrf_app(app_with: Callable[..., Flask]) -> Flask:
    return app_with(WTF_CSRF_ENABLED=True)


@pytest.fixture
def officer(csrf_app: Flask) -> User:
    with csrf_app.app_context():
        return make_user("officer")


def post_without_the_cookie(app: Flask, user: User, base_url: str, **headers: str) -> tuple[int, str]:
    """Sign in as a browser does after dropping the session cookie: the form's token, no cookie to match it."""
    token = csrf_from(app.test_client().get("/login", base_url=base_url)) or ""
    cookieless = app.test_client()
    response = cookieless.post(
        "/login", base_url=base_url, data=login_form(user.email, DEFAULT_PASSWORD, csrf_token=token), headers=headers
    )
    return response.status_code, html.unescape(response.get_data(as_text=True))


def test_sign_in_over_plain_http_from_a_phone_explains_the_refused_cookie(csrf_app: Flask, officer: User) -> None:
    status, body = post_without_the_cookie(csrf_app, officer, PHONE_ON_LAN)
    assert status == 400
    assert REFUSED_COOKIE in body
    assert "Open Envoy over HTTPS" in body and "Trying Envoy from a phone" in body
    assert "CSRF" not in body.split("<main", 1)[1]


@pytest.mark.parametrize("base_url", ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"])
def test_on_localhost_the_page_does_not_blame_http(csrf_app: Flask, officer: User, base_url: str) -> None:
    status, body = post_without_the_cookie(csrf_app, officer, base_url)
    assert status == 400
    assert REFUSED_COOKIE not in body
    assert "Envoy could not find your session" in body and "Reload the page" in body


def test_over_https_a_missing_session_is_explained_as_an_ended_session(csrf_app: Flask, officer: User) -> None:
    status, body = post_without_the_cookie(
        csrf_app, officer, "https://envoy.example.gov", Referer="https://envoy.example.gov/login"
    )
    assert status == 400
    assert "Your session may have ended (30 minutes without use" in body
    assert REFUSED_COOKIE not in body


def test_with_the_development_switch_the_page_does_not_blame_the_secure_cookie(
    app_with: Callable[..., Flask],
) -> None:
    app = app_with(WTF_CSRF_ENABLED=True, INSECURE_COOKIES=True)
    with app.app_context():
        user = make_user("officer")
    status, body = post_without_the_cookie(app, user, PHONE_ON_LAN)
    assert status == 400
    assert REFUSED_COOKIE not in body and "Envoy could not find your session" in body


def test_in_production_the_page_does_not_guess_at_http(app_with: Callable[..., Flask]) -> None:
    # Behind a TLS proxy that TRUSTED_PROXIES does not name, an HTTPS page arrives looking like plain http.
    app = app_with(
        WTF_CSRF_ENABLED=True,
        ENVOY_ENV="production",
        SECRET_KEY="production-test-secret-" * 3,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        TOTP_KEYS=TEST_TOTP_KEYS,
        SERVES_TLS=True,  # as if gunicorn served https: the page still arrives as http here
    )
    with app.app_context():
        user = make_user("officer")
    status, body = post_without_the_cookie(app, user, PHONE_ON_LAN)
    assert status == 400
    assert REFUSED_COOKIE not in body and "Envoy could not find your session" in body


def test_json_callers_get_the_explanation_with_its_own_code(csrf_app: Flask, officer: User) -> None:
    token = csrf_from(csrf_app.test_client().get("/login", base_url=PHONE_ON_LAN)) or ""
    response = csrf_app.test_client().post(
        "/login",
        base_url=PHONE_ON_LAN,
        data=login_form(officer.email, DEFAULT_PASSWORD, csrf_token=token),
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf_session_missing"
    assert REFUSED_COOKIE in response.get_json()["message"]


def test_a_token_from_another_session_gets_plain_words(csrf_app: Flask, officer: User) -> None:
    token = csrf_from(csrf_app.test_client().get("/login"))
    client = csrf_app.test_client()
    client.get("/login")
    response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD, csrf_token=token or ""))
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Envoy could not check that this form came from its own page. Reload the page and try again." in body
    assert "CSRF" not in body.split("<main", 1)[1]


# --- The development switch: a phone on the LAN signs in over plain http ---------------------------------


def test_with_the_switch_a_phone_signs_in_over_plain_http(app_with: Callable[..., Flask]) -> None:
    app = app_with(WTF_CSRF_ENABLED=True, INSECURE_COOKIES=True)
    with app.app_context():
        user = make_user("officer")
    client = app.test_client()
    page = client.get("/login", base_url=PHONE_ON_LAN)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("envoy_session=") and "Secure" not in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    response = client.post(
        "/login", base_url=PHONE_ON_LAN, data=login_form(user.email, DEFAULT_PASSWORD, csrf_token=csrf_from(page) or "")
    )
    assert response.status_code == 302 and response.headers["Location"] == "/lookup"


def test_without_the_switch_the_cookie_stays_secure_with_the_host_prefix(client: FlaskClient) -> None:
    cookie = client.get("/login", base_url=PHONE_ON_LAN).headers["Set-Cookie"]
    assert cookie.startswith("__Host-envoy_session=") and "Secure" in cookie


# --- HTTPS: the Referer check (security bar) and the policy that lets browsers pass it -------------------


def https_sign_in(app: Flask, user: User, **headers: str) -> int:
    client = app.test_client()
    token = csrf_from(client.get("/login", base_url="https://envoy.example.gov")) or ""
    return client.post(
        "/login",
        base_url="https://envoy.example.gov",
        data=login_form(user.email, DEFAULT_PASSWORD, csrf_token=token),
        headers=headers,
    ).status_code


def test_over_https_a_same_origin_referer_signs_in(csrf_app: Flask, officer: User) -> None:
    assert https_sign_in(csrf_app, officer, Referer="https://envoy.example.gov/login") == 302


@pytest.mark.parametrize("referer", [None, "https://evil.example/login", "https://envoy.example.gov:8443/login"])
def test_over_https_a_missing_or_foreign_referer_is_refused(csrf_app: Flask, officer: User, referer: str) -> None:
    assert https_sign_in(csrf_app, officer, **({"Referer": referer} if referer else {})) == 400


def test_browsers_send_a_referer_to_envoy_itself_and_to_no_one_else(client: FlaskClient) -> None:
    # The header alone ("no-referrer") would also drop it on Envoy's own forms (and make Origin "null"): every
    # HTTPS sign-in would fail. Pages opt back in for their own origin; tests/browser/test_other_devices.py signs in.
    response = client.get("/login")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert '<meta name="referrer" content="same-origin">' in response.get_data(as_text=True)


# --- Every refusal leaves an audit event (issue 13 item 3; not throttled: alerts on them are issue 12's) ------


def csrf_events(app: Flask) -> list[tuple[str, dict[str, object], int | None]]:
    return [(e.outcome, json.loads(e.detail or "{}"), e.user_id) for e in audit_events(app, "security.csrf_refused")]


def test_a_token_from_another_session_is_audited_with_its_path_and_method(csrf_app: Flask, officer: User) -> None:
    token = csrf_from(csrf_app.test_client().get("/login"))
    client = csrf_app.test_client()
    client.get("/login")
    response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD, csrf_token=token or ""))
    assert response.status_code == 400
    assert csrf_events(csrf_app) == [("csrf_failed", {"path": "/login", "method": "POST"}, None)]


def test_a_form_without_its_session_is_audited_as_session_missing(csrf_app: Flask, officer: User) -> None:
    status, _ = post_without_the_cookie(csrf_app, officer, "http://localhost:8000")
    assert status == 400
    assert csrf_events(csrf_app) == [("csrf_session_missing", {"path": "/login", "method": "POST"}, None)]


def test_a_foreign_referer_over_https_is_audited(csrf_app: Flask, officer: User) -> None:
    assert https_sign_in(csrf_app, officer, Referer="https://evil.example/login") == 400
    assert [outcome for outcome, _, _ in csrf_events(csrf_app)] == ["csrf_failed"]


def test_a_signed_in_users_refused_form_names_the_user(csrf_app: Flask, officer: User) -> None:
    client = csrf_app.test_client()
    assert sign_in(client, officer.email, totp_secret=officer.totp_secret).status_code == 302
    assert csrf_from(client.get("/lookup"))  # the signed-in session now holds a token the forged one must match
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert csrf_events(csrf_app) == [("csrf_failed", {"path": "/logout", "method": "POST"}, officer.id)]


def test_a_refusal_the_audit_trail_cannot_record_still_gets_its_page(
    csrf_app: Flask, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))

    monkeypatch.setattr(audit_service, "record_now", broken)
    status, body = post_without_the_cookie(csrf_app, officer, "http://localhost:8000")
    assert status == 400
    assert "Envoy could not find your session" in body
    assert csrf_events(csrf_app) == []
