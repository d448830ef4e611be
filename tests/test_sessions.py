"""Server-side sessions: new id at sign-in, dead after logout or disabling, idle and absolute timeouts."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from app.auth.sessions import ServerSessionInterface
from app.extensions import db
from app.models import User, UserSession
from tests.auth_support import audit_events, cookie_name, session_cookie, session_rows, set_session_cookie
from tests.conftest import sign_in
from tests.factories import make_user

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def officer(app: Flask) -> User:
    with app.app_context():
        return make_user("officer")


def test_anonymous_pages_write_no_session_row(app: Flask, client: FlaskClient) -> None:
    client.get("/login")
    client.get("/healthz")
    client.get("/")
    client.get("/login")
    assert session_rows(app) == 0


def test_the_session_id_changes_at_sign_in_and_the_old_cookie_is_dead(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    client.get("/login")
    before = session_cookie(client)
    sign_in(client, officer.email)
    after = session_cookie(client)
    assert before and after and before != after
    stranger = app.test_client()
    set_session_cookie(stranger, before)
    assert stranger.get("/").status_code == 302


def test_a_planted_session_id_is_never_adopted_at_sign_in(app: Flask, client: FlaskClient, officer: User) -> None:
    planted = "A" * 43
    set_session_cookie(client, planted)
    sign_in(client, officer.email)
    assert session_cookie(client) != planted
    attacker = app.test_client()
    set_session_cookie(attacker, planted)
    assert attacker.get("/").status_code == 302


def test_the_table_holds_only_a_hash_of_the_session_id(app: Flask, client: FlaskClient, officer: User) -> None:
    sign_in(client, officer.email)
    cookie = session_cookie(client)
    assert cookie is not None and len(cookie) >= 43  # 256 random bits, base64url
    with app.app_context():
        row = db.session.scalars(select(UserSession)).one()
        assert row.id_hash == hashlib.sha256(cookie.encode()).hexdigest()
        assert row.user_id == officer.id
        assert cookie not in row.data


def test_the_session_cookie_is_secure_httponly_lax_and_has_no_expiry(client: FlaskClient, officer: User) -> None:
    response = sign_in(client, officer.email)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(cookie_name(client) + "="))
    attributes = [a.strip().lower() for a in header.split(";")[1:]]
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert not any(a.startswith(("expires", "max-age", "domain")) for a in attributes)


def test_the_session_cookie_carries_the_host_prefix_so_no_subdomain_can_set_it(
    client: FlaskClient, officer: User
) -> None:
    response = sign_in(client, officer.email)
    assert any(h.startswith("__Host-") for h in response.headers.getlist("Set-Cookie"))


def test_signing_out_deletes_the_session_and_the_cookie_replayed_afterwards_is_refused(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    sign_in(client, officer.email)
    cookie = session_cookie(client)
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?signed_out=1"
    assert '"cache"' in response.headers["Clear-Site-Data"]
    assert session_rows(app) == 0
    replay = app.test_client()
    set_session_cookie(replay, cookie or "")
    assert replay.get("/").status_code == 302
    assert [e.outcome for e in audit_events(app, "auth.logout")] == ["success"]


def test_the_page_after_signing_out_says_so(client: FlaskClient, officer: User) -> None:
    sign_in(client, officer.email)
    response = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in response.get_data(as_text=True)


def test_thirty_minutes_idle_ends_the_session(app: Flask, client: FlaskClient, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.email)
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert session_rows(app) == 0
    timeouts = audit_events(app, "auth.logout")
    assert [(e.outcome, e.user_email, e.detail) for e in timeouts] == [
        ("timeout", officer.email, '{"duration_minutes":0,"reason":"idle"}')
    ]


def test_a_session_nobody_comes_back_to_is_audited_when_the_sweep_removes_it(app: Flask, officer: User) -> None:
    """Security bar E3: an abandoned session's timeout is recorded even though its cookie never returns."""
    with time_machine.travel(START, tick=False) as clock:
        phone = app.test_client()
        phone.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        sign_in(phone, officer.email)
        clock.shift(timedelta(minutes=20))
        assert phone.get("/").status_code == 200  # in use for 20 minutes, then left
        clock.shift(timedelta(minutes=45))
        with app.app_context():
            someone_else = make_user("dispatcher")
        sign_in(app.test_client(), someone_else.email)  # a new session sweeps the dead ones
    with app.app_context():
        left = db.session.scalars(select(UserSession.user_id)).all()
    assert left == [someone_else.id]
    (timeout,) = [e for e in audit_events(app, "auth.logout") if e.outcome == "timeout"]
    assert (timeout.user_email, timeout.client_addr) == (officer.email, "203.0.113.7")
    assert timeout.detail == '{"duration_minutes":20,"reason":"idle","swept":true}'
    set_session_cookie(phone, session_cookie(phone) or "")
    assert phone.get("/").status_code == 302  # the cookie comes back after all: no second event
    assert len([e for e in audit_events(app, "auth.logout") if e.outcome == "timeout"]) == 1


def test_activity_keeps_the_session_alive_past_thirty_minutes(client: FlaskClient, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.email)
        for _ in range(4):
            clock.shift(timedelta(minutes=25))
            assert client.get("/").status_code == 200


def test_twelve_hours_after_sign_in_the_session_ends_however_active(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.email)
        for _ in range(28):  # every 25 minutes: 11 h 40 min
            clock.shift(timedelta(minutes=25))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=25))
        assert client.get("/").status_code == 302
    assert [e.detail for e in audit_events(app, "auth.logout")] == ['{"duration_minutes":700,"reason":"absolute"}']


def test_the_timeouts_come_from_configuration(officer: User, app: Flask) -> None:
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.email)
        clock.shift(timedelta(minutes=6))
        assert client.get("/").status_code == 302


def test_disabling_a_user_ends_all_their_sessions_at_once(app: Flask, officer: User) -> None:
    phone, desk = app.test_client(), app.test_client()
    sign_in(phone, officer.email)
    sign_in(desk, officer.email)
    with app.app_context():
        admin = make_user("admin")
    admin_client = app.test_client()
    sign_in(admin_client, admin.email, totp_secret=admin.totp_secret)
    assert admin_client.post(f"/admin/users/{officer.id}/disable", data={"confirmed": "yes"}).status_code == 303
    assert phone.get("/").status_code == 302
    assert desk.get("/").status_code == 302
    assert session_rows(app) == 1  # the admin's own


def test_a_user_disabled_behind_the_apps_back_is_signed_out_on_the_next_request(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    sign_in(client, officer.email)
    with app.app_context():
        user = db.session.get(User, officer.id)
        assert user is not None
        user.is_disabled = True
        db.session.commit()
    assert client.get("/").status_code == 302
    assert session_rows(app) == 0


def test_a_tampered_anonymous_cookie_is_ignored(client: FlaskClient) -> None:
    client.get("/login")
    cookie = session_cookie(client) or ""
    set_session_cookie(client, cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert client.get("/login").status_code == 200
    assert client.get("/").status_code == 302


def test_an_anonymous_cookie_cannot_carry_a_signed_in_user(app: Flask, client: FlaskClient, officer: User) -> None:
    """Even someone holding SECRET_KEY cannot sign in by writing the user id into the cookie-only session."""
    interface = app.session_interface
    assert isinstance(interface, ServerSessionInterface)
    serializer: URLSafeTimedSerializer = interface._anonymous_serializer(app)
    set_session_cookie(client, serializer.dumps({"_user_id": str(officer.id), "_fresh": True}))
    assert client.get("/").status_code == 302


def test_password_accepted_but_code_pending_opens_nothing_else(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        admin = make_user("admin")
    response = client.post(
        "/login", data={"email": admin.email, "password": "lantern orbit cobalt meadow", "acknowledge": "y"}
    )
    assert response.headers["Location"] == "/login/code"
    for path in ("/", "/admin/users", "/login/confirm"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"] == "/login/code", path
    assert client.post("/admin/users", data={"email": "x@example.gov"}).status_code == 302


def test_static_files_get_no_session_cookie(app: Flask, client: FlaskClient, officer: User) -> None:
    sign_in(client, officer.email)
    with client.get("/static/css/envoy.css") as response:
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
