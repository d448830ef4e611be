"""Sign-in with a password: the logon banner, lockout, no account enumeration, safe redirects, CSRF."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from argon2 import PasswordHasher
from flask import Flask, session
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from flask_wtf.csrf import generate_csrf

from app.auth import passwords
from app.auth.redirects import safe_next
from app.models import User
from app.permissions import public, roles_required
from tests.auth_support import audit_events, login_form, reload_user
from tests.conftest import csrf_from, sign_in
from tests.factories import DEFAULT_PASSWORD, make_api_token, make_user

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def officer(app: Flask) -> User:
    with app.app_context():
        return make_user("officer", email="kim.lee@metro.example.gov")


def test_an_officer_signs_in_with_email_and_password_and_reaches_the_home_page(
    client: FlaskClient, officer: User
) -> None:
    response = sign_in(client, officer.email)
    assert response.status_code == 302 and response.headers["Location"] == "/lookup"
    home = client.get("/")
    assert home.status_code == 200
    assert "kim.lee@metro.example.gov" in home.get_data(as_text=True)


def test_the_login_page_shows_the_logon_banner_and_asks_for_consent(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "restricted to authorized" in page
    assert "monitored, recorded and audited" in page
    assert "penalties" in page
    assert "you consent to this monitoring" in page
    assert 'type="checkbox"' in page and 'name="acknowledge"' in page


def test_signing_in_without_acknowledging_the_banner_is_refused_and_counts_no_failure(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    response = client.post("/login", data={"email": officer.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "Tick the box" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert reload_user(app, officer.id).recent_failures == []
    assert audit_events(app, "auth.login") == []


def test_email_is_matched_whatever_its_case_and_surrounding_spaces(client: FlaskClient, officer: User) -> None:
    response = sign_in(client, "  Kim.Lee@METRO.example.gov ")
    assert response.headers["Location"] == "/lookup"


def test_unknown_email_and_wrong_password_get_the_same_status_and_body(client: FlaskClient, officer: User) -> None:
    unknown = client.post("/login", data=login_form("nobody@metro.example.gov", "whatever it may be"))
    wrong = client.post("/login", data=login_form(officer.email, "whatever it may be"))
    assert unknown.status_code == wrong.status_code == 401

    def comparable(body: str, local_part: str) -> str:  # the typed email and the timed CSRF token differ
        return re.sub(r'name="csrf-token" content="[^"]*"', "", body).replace(local_part, "X@")

    assert comparable(unknown.get_data(as_text=True), "nobody@") == comparable(wrong.get_data(as_text=True), "kim.lee@")


def test_an_unknown_email_still_costs_one_password_verification(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    client.post("/login", data=login_form("nobody@metro.example.gov", "whatever it may be"))
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("officer", is_disabled=True)
    response = client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD))
    assert response.status_code == 401
    assert "email address or password is wrong" in response.get_data(as_text=True)
    assert [e.outcome for e in audit_events(app, "auth.login")] == ["failure"]


def _fail(client: FlaskClient, email: str, times: int) -> None:
    for _ in range(times):
        assert client.post("/login", data=login_form(email, "not the password at all")).status_code == 401


def test_five_wrong_passwords_within_fifteen_minutes_lock_the_account_even_for_the_right_password(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    # A browser the officer never signed in on: the lock is the account's for unknown devices (the CJIS "node").
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            _fail(client, officer.email, 1)
            clock.shift(timedelta(minutes=3))
        response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD))
    assert response.status_code == 401
    assert reload_user(app, officer.id).unknown_devices_locked_at is not None
    assert client.get("/").status_code == 302
    outcomes = [e.outcome for e in audit_events(app, "auth.login")]
    assert outcomes == ["failure"] * 4 + ["locked", "locked"]


def test_four_wrong_passwords_every_quarter_hour_cannot_go_on_forever(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    """IA-5(1)(a)(14): at most five failed attempts per account, however slowly they come (the stricter of it and
    AC-7's "within 15 minutes"): a patient guesser gets five guesses, not 384 a day."""
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(4):
            _fail(client, officer.email, 1)
            clock.shift(timedelta(minutes=16))
        assert not reload_user(app, officer.id).is_locked_for_unknown_devices
        clock.shift(timedelta(days=2))
        _fail(client, officer.email, 1)
        response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD))
    assert response.status_code == 401
    assert reload_user(app, officer.id).is_locked_for_unknown_devices
    (lock,) = [json.loads(e.detail) for e in audit_events(app, "alert.auth.lockout")]
    assert (lock["failures"], lock["first_failure_at"][:16]) == (5, START.isoformat()[:16])


def test_a_locked_account_stays_locked_until_an_admin_unlocks_it(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        _fail(client, officer.email, 5)
        clock.shift(timedelta(days=3))
        response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD))
    assert response.status_code == 401
    assert reload_user(app, officer.id).is_locked_for_unknown_devices


def test_a_successful_sign_in_starts_the_failure_count_again(app: Flask, officer: User) -> None:
    first, second = app.test_client(), app.test_client()
    _fail(first, officer.email, 4)
    assert sign_in(second, officer.email).headers["Location"] == "/lookup"
    _fail(first, officer.email, 4)
    assert not reload_user(app, officer.id).is_locked_for_unknown_devices


def test_no_password_reaches_the_audit_trail_even_typed_into_the_email_field(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    client.post("/login", data=login_form(officer.email, "my secret horse battery"))
    client.post("/login", data=login_form("hunter2 secret words here", "whatever"))
    client.post("/login", data=login_form("stranger@example.gov", "another secret phrase"))
    events = audit_events(app, "auth.login")
    assert len(events) == 3
    stored = json.dumps([[e.user_email, e.detail, e.query] for e in events])
    assert "secret" not in stored and "hunter2" not in stored
    assert events[2].user_email == "stranger@example.gov"


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Password1!", "at least 15 characters"),
        ("short12", "at least 15 characters"),
        ("passwordpassword", "found in breaches"),
        ("Password12345678!", "found in breaches"),
        ("qwertyuiopasdfgh", "found in breaches"),
        ("aaaaaaaaaaaaaaaaaaaa", "too few different characters"),
        ("kim.lee has a long password", "email address"),
        ("x" * 120 + "abcdefghij", "at most 128"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, reason: str) -> None:
    found = passwords.problems(password, email="kim.lee@metro.example.gov")
    assert any(reason in problem for problem in found), found


def test_a_64_character_passphrase_with_spaces_is_accepted() -> None:
    passphrase = "the night shift on river road ends when the amber lamps go out!!"
    assert len(passphrase) == 64
    assert passwords.problems(passphrase, email="kim.lee@metro.example.gov") == []


def test_a_long_password_is_never_truncated(app: Flask, client: FlaskClient) -> None:
    passphrase = "the night shift on river road ends when the amber lamps go out!" * 2
    with app.app_context():
        user = make_user("officer", password=passphrase)
    assert client.post("/login", data=login_form(user.email, passphrase[:-1] + "?")).status_code == 401
    assert sign_in(client, user.email, passphrase).headers["Location"] == "/lookup"


def test_passwords_are_hashed_with_argon2id_at_the_rfc_9106_cost_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", passwords.DEFAULT_HASHER)
    stored = passwords.hash_password(DEFAULT_PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert DEFAULT_PASSWORD not in stored
    assert passwords.verify_password(stored, DEFAULT_PASSWORD)


def test_a_hash_made_at_a_lower_cost_is_upgraded_at_the_next_sign_in(
    app: Flask, client: FlaskClient, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = reload_user(app, officer.id).password_hash
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    sign_in(client, officer.email)
    after = reload_user(app, officer.id).password_hash
    assert "m=1024,t=1" in before and "m=2048,t=2" in after


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http:///evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/\\/evil.example",
        "\nhttps://evil.example",
        "/\x08/evil.example",
        "http://testserver\\@evil.example",
        "ftp:9999999999",
        " /lookup",
    ],
)
def test_unsafe_next_targets_are_ignored_after_sign_in(client: FlaskClient, officer: User, target: str) -> None:
    assert safe_next(target) is None
    response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD, next=target))
    assert response.headers["Location"] == "/lookup"


def test_a_next_path_on_this_site_is_followed_after_sign_in(client: FlaskClient, officer: User) -> None:
    response = client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD, next="/lookup?kind=plate"))
    assert response.headers["Location"] == "/lookup?kind=plate"


def test_an_anonymous_visit_is_sent_to_sign_in_and_comes_back_afterwards(client: FlaskClient, officer: User) -> None:
    response = client.get("/admin/users?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users?page%3D2"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users?page=2"' in page


def test_a_signed_in_user_opening_the_login_page_is_sent_on(client: FlaskClient, officer: User) -> None:
    sign_in(client, officer.email)
    assert client.get("/login").headers["Location"] == "/lookup"


def test_signing_out_needs_a_post(client: FlaskClient) -> None:
    assert client.get("/logout").status_code == 405


def test_a_remember_me_cookie_never_signs_anyone_in(app: Flask, client: FlaskClient, officer: User) -> None:
    with app.test_request_context():
        forged = encode_cookie(str(officer.id))
    client.set_cookie("remember_token", forged)
    assert client.get("/").status_code == 302


def test_an_htmx_request_without_a_session_gets_401_and_a_redirect_header(client: FlaskClient) -> None:
    response = client.get("/admin/users", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


@pytest.fixture
def probe_app(app_with: Callable[..., Flask]) -> Callable[[], Flask]:
    """An app with extra routes: an API view, a view nobody marked, and a public one."""

    def build() -> Flask:
        app = app_with()

        @roles_required("dispatcher")
        def api_probe() -> dict[str, str]:
            return {"name": "Ana Testova"}

        def unmarked() -> str:
            return "unmarked"

        app.add_url_rule("/api/v1/_probe", "api_probe", api_probe)
        app.add_url_rule("/_unmarked", "unmarked", unmarked)
        app.add_url_rule("/_open", "open_probe", public(lambda: "open"))
        return app

    return build


def test_an_anonymous_api_call_gets_401_json_without_data(probe_app: Callable[[], Flask]) -> None:
    response = probe_app().test_client().get("/api/v1/_probe")
    assert response.status_code == 401
    assert response.json == {"error": "unauthorized", "message": "Sign in, or send a valid bearer token."}
    assert "Ana" not in response.get_data(as_text=True)


def test_a_route_nobody_marked_is_refused_even_to_an_admin(probe_app: Callable[[], Flask]) -> None:
    app = probe_app()
    client = app.test_client()
    assert client.get("/_unmarked").status_code == 403
    with app.app_context():
        admin = make_user("admin")
    sign_in(client, admin.email, totp_secret=admin.totp_secret)
    assert client.get("/_unmarked").status_code == 403
    assert client.get("/_open").status_code == 200


def test_a_wrong_role_is_refused_and_the_refusal_is_audited(probe_app: Callable[[], Flask]) -> None:
    app = probe_app()
    client = app.test_client()
    with app.app_context():
        officer = make_user("officer")
        secret = make_api_token(officer)  # the API takes bearer tokens only, never the session
    response = client.get("/api/v1/_probe", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert response.json is not None and response.json["error"] == "forbidden"
    denied = audit_events(app, "auth.denied")
    assert [(e.user_email, e.outcome) for e in denied] == [(officer.email, "forbidden")]


def test_roles_required_refuses_an_unknown_role_when_the_module_loads() -> None:
    with pytest.raises(ValueError):
        roles_required("superuser")


# --- CSRF (security-bar: headers and cookies) -------------------------------------------------


@pytest.fixture
def csrf_app(app_with: Callable[..., Flask]) -> Flask:
    return app_with(WTF_CSRF_ENABLED=True)


def test_a_sign_in_post_without_a_csrf_token_is_refused_and_changes_nothing(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    with csrf_app.app_context():
        user = make_user("officer")
    response = client.post("/login", data=login_form(user.email, "not the password at all"))
    assert response.status_code == 400
    assert reload_user(csrf_app, user.id).recent_failures == []
    assert audit_events(csrf_app, "auth.login") == []


def test_a_csrf_token_from_another_session_is_refused(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        user = make_user("officer")
    other = csrf_app.test_client()
    token = csrf_from(other.get("/login"))
    client = csrf_app.test_client()
    client.get("/login")
    response = client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD, csrf_token=token or ""))
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_the_csrf_secret_behind_every_token_is_256_random_bits(csrf_app: Flask) -> None:
    secrets_seen = set()
    for _ in range(3):
        with csrf_app.test_request_context("/login"):
            token = generate_csrf()
            secret = session["csrf_token"]
            secrets_seen.add(secret)
            assert re.fullmatch(r"[0-9a-f]{64}", secret), secret
            assert generate_csrf() == token  # the same secret signs every form of the session
    assert len(secrets_seen) == 3


def test_sign_in_works_with_the_token_from_the_form(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        user = make_user("admin")
    response = sign_in(csrf_app.test_client(), user.email, totp_secret=user.totp_secret)
    assert response.headers["Location"] == "/"


def test_an_admin_action_without_a_csrf_token_is_refused_and_changes_nothing(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    with csrf_app.app_context():
        admin = make_user("admin")
        target = make_user("officer")
    sign_in(client, admin.email, totp_secret=admin.totp_secret)
    response = client.post(f"/admin/users/{target.id}/disable")
    assert response.status_code == 400
    assert not reload_user(csrf_app, target.id).is_disabled


def test_htmx_sends_the_csrf_token_in_a_header(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    with csrf_app.app_context():
        admin = make_user("admin")
        target = make_user("officer")
    sign_in(client, admin.email, totp_secret=admin.totp_secret)
    page = client.get("/admin/users").get_data(as_text=True)
    token = page.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/admin/users/{target.id}/disable",
        data={"confirmed": "yes"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 303
    assert reload_user(csrf_app, target.id).is_disabled


def test_sign_out_without_a_csrf_token_is_refused_and_the_session_stays(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    with csrf_app.app_context():
        user = make_user("officer")
    sign_in(client, user.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
