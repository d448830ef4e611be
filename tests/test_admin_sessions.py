"""An admin lists a user's sessions and ends one or all of them (issue 12 item 5, ASVS 7.4.5), written as the attack:
a stolen or lost device keeps working until someone can cut it off."""

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.sessions import hash_session_id, short_user_agent
from app.extensions import db
from app.models import User
from app.models.accounts import UserSession
from tests.auth_support import audit_events, session_cookie
from tests.conftest import sign_in
from tests.factories import make_user

LoginAs = Callable[..., User]
CONFIRMED = {"confirmed": "yes"}
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _officer_on_two_devices(app: Flask) -> tuple[User, FlaskClient, FlaskClient]:
    with app.app_context():
        officer = make_user("officer", email="kim.lee@metro.example.gov")
    device_1 = app.test_client()
    device_1.environ_base.update(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="198.51.100.7")
    device_2 = app.test_client()
    device_2.environ_base.update(HTTP_USER_AGENT=LAPTOP, REMOTE_ADDR="203.0.113.9")
    for device in (device_1, device_2):
        assert sign_in(device, officer.email).headers["Location"] == "/lookup"
    return officer, device_1, device_2


def _end_token(page: str, address: str) -> str:
    """The End button's token of the row showing this client address."""
    row = next(r for r in page.split("<tr data-session=")[1:] if address in r)
    match = re.search(r'action="/admin/users/\d+/sessions/([0-9a-f]+)/end"', row)
    assert match is not None
    return match.group(1)


def test_the_user_page_lists_each_session_with_when_and_where_it_came_from(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    officer, _device_1, _device_2 = _officer_on_two_devices(app)
    login_as("admin")
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert page.count("<tr data-session=") == 2
    assert "198.51.100.7" in page and "203.0.113.9" in page
    assert "Chrome 131 on Android" in page and "Firefox 133 on Linux" in page
    assert "End all sessions" in page


def test_the_user_page_never_shows_a_session_id_or_its_hash(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    officer, device_1, device_2 = _officer_on_two_devices(app)
    login_as("admin")
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    secrets = [session_cookie(device_1), session_cookie(device_2), session_cookie(client)]
    for session_id in secrets:
        assert session_id is not None
        id_hash = hash_session_id(session_id)
        assert session_id not in page and id_hash[:12] not in page
    for token in re.findall(r"/sessions/([0-9a-f]+)/end", page):
        assert not any(hash_session_id(s).startswith(token) or s.startswith(token) for s in secrets if s)


def test_an_ended_session_is_sent_to_sign_in_and_the_other_device_still_works(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    officer, device_1, device_2 = _officer_on_two_devices(app)
    admin = login_as("admin")
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    token = _end_token(page, "198.51.100.7")
    response = client.post(f"/admin/users/{officer.id}/sessions/{token}/end", data=CONFIRMED)
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/users/{officer.id}"
    assert device_1.get("/lookup").headers["Location"].startswith("/login")
    assert device_2.get("/lookup").status_code == 200
    [event] = audit_events(app, "admin.session_end")
    assert (event.outcome, event.user_id, event.record_ids) == ("success", admin.id, f"user:{officer.id}")
    page = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    sessions = page.split("<h2>Sessions</h2>", 1)[1]  # the known devices above it keep both browsers
    assert "198.51.100.7" not in sessions and "203.0.113.9" in sessions


def test_end_posted_unconfirmed_asks_on_a_page_and_ends_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    officer, device_1, _device_2 = _officer_on_two_devices(app)
    login_as("admin")
    token = _end_token(client.get(f"/admin/users/{officer.id}").get_data(as_text=True), "198.51.100.7")
    response = client.post(f"/admin/users/{officer.id}/sessions/{token}/end")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>End this session of kim.lee@metro.example.gov?</h1>" in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html.split("data-confirm-page", 1)[1]
    assert device_1.get("/lookup").status_code == 200
    assert audit_events(app, "admin.session_end") == []


def test_ending_a_session_already_gone_says_so_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    officer, _device_1, _device_2 = _officer_on_two_devices(app)
    login_as("admin")
    url = f"/admin/users/{officer.id}/sessions/0123456789abcdef/end"
    response = client.post(url, data=CONFIRMED, follow_redirects=True)
    assert "That session has already ended." in response.get_data(as_text=True)
    assert audit_events(app, "admin.session_end") == []
    assert client.post(f"/admin/users/{officer.id}/sessions/not-a-token/end", data=CONFIRMED).status_code == 404


def test_a_token_from_another_user_ends_nothing(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    officer, device_1, _device_2 = _officer_on_two_devices(app)
    login_as("admin")
    with app.app_context():
        bystander = make_user("officer")
    token = _end_token(client.get(f"/admin/users/{officer.id}").get_data(as_text=True), "198.51.100.7")
    client.post(f"/admin/users/{bystander.id}/sessions/{token}/end", data=CONFIRMED)
    assert device_1.get("/lookup").status_code == 200


def test_end_all_sessions_sends_every_device_to_sign_in(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    officer, device_1, device_2 = _officer_on_two_devices(app)
    login_as("admin")
    response = client.post(f"/admin/users/{officer.id}/sessions/end", data=CONFIRMED, follow_redirects=True)
    assert "Ended 2 sessions of kim.lee@metro.example.gov." in response.get_data(as_text=True)
    for device in (device_1, device_2):
        assert device.get("/lookup").headers["Location"].startswith("/login")
    [event] = audit_events(app, "admin.session_end")
    assert event.record_ids == f"user:{officer.id}" and '"sessions_ended":2' in event.detail


def test_an_admin_ending_all_their_own_sessions_keeps_the_one_in_use(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    admin = login_as("admin")
    with app.app_context():
        own = db.session.scalars(select(UserSession.id_hash).where(UserSession.user_id == admin.id)).all()
    assert own == [hash_session_id(session_cookie(client) or "")]
    assert "(you, in this browser)" in client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    client.post(f"/admin/users/{admin.id}/sessions/end", data=CONFIRMED)
    assert client.get(f"/admin/users/{admin.id}").status_code == 200


def test_a_non_admin_cannot_end_a_session_and_the_attempt_is_audited(app: Flask, login_as: LoginAs) -> None:
    officer, device_1, _device_2 = _officer_on_two_devices(app)
    for role in ("officer", "dispatcher", "reviewer"):
        attacker = app.test_client()
        login_as(role, client=attacker)
        assert attacker.get(f"/admin/users/{officer.id}").status_code == 403
        assert attacker.post(f"/admin/users/{officer.id}/sessions/end", data=CONFIRMED).status_code == 403
    assert device_1.get("/lookup").status_code == 200
    assert audit_events(app, "admin.session_end") == []
    denied = [e for e in audit_events(app, "auth.denied") if "users.end_all_sessions" in (e.detail or "")]
    assert len(denied) == 3


@pytest.mark.parametrize(
    "agent, shown",
    [
        (PHONE, "Chrome 131 on Android"),
        (LAPTOP, "Firefox 133 on Linux"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
            "Edge 131 on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Safari/604.1",
            "Safari 18 on iOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("x" * 200, "x" * 39 + "…"),
        (None, None),
    ],
)
def test_a_user_agent_is_shown_as_browser_and_system(agent: str | None, shown: str | None) -> None:
    assert short_user_agent(agent) == shown
