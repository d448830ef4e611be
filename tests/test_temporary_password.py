"""An admin sets a temporary password for a user who forgot theirs (CJIS IA-5: a new password on recovery): it
must be changed at first use, never skips the second factor (security bar 6.4.3), ends the user's sessions, and is
shown once, to the admin only: never in the audit trail or a log."""

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.auth import passwords
from app.models import AuditEvent, User
from tests.auth_support import audit_events, login_form, reload_user, session_rows
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

LoginAs = Callable[..., User]
CONFIRMED = {"confirmed": "yes"}  # what the dialog, or the server's own question page, adds
TYPED = "copper kettle on the night train"
HERS = "a password only she will ever know"
SHOWN = re.compile(r"data-password>([^<]+)</code>")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """A TOTP code works once: a second sign-in of the same user moves on to the next 30-second step."""
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(app: Flask) -> User:
    """An officer with an authenticator app (their second factor)."""
    with app.app_context():
        return make_user("officer", email="kim.lee@metro.example.gov", totp=True)


def set_temporary(client: FlaskClient, user: User, **form: str):
    return client.post(f"/admin/users/{user.id}/password", data={**CONFIRMED, **form})


def shown_password(html: str) -> str:
    match = SHOWN.search(html)
    assert match is not None, "the page shows no password"
    return match.group(1)


def change(client: FlaskClient, current: str, new: str = HERS, **extra: str):
    form = {"current_password": current, "new_password": new, "confirm_password": new, **extra}
    return client.post("/account/password", data=form)


def every_audit_value(app: Flask) -> str:
    columns = AuditEvent.__table__.columns
    return "\n".join(str(getattr(event, column.name)) for event in audit_events(app) for column in columns)


def test_the_temporary_password_replaces_the_old_one_and_must_be_changed_after_the_second_factor(
    app: Flask, login_as: LoginAs, officer: User, clock: time_machine.Traveller
) -> None:
    their_phone, admin = app.test_client(), app.test_client()
    assert sign_in(their_phone, officer.email, DEFAULT_PASSWORD, officer.totp_secret).status_code == 302
    login_as("admin", client=admin)

    response = set_temporary(admin, officer)

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    temporary = shown_password(response.get_data(as_text=True))
    assert not passwords.problems(temporary, email=officer.email)
    assert their_phone.get("/lookup").headers["Location"].startswith("/login")  # signed out everywhere
    assert session_rows(app) == 1  # the admin's own
    stranger = app.test_client()
    assert stranger.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD)).status_code == 401

    device = app.test_client()
    step = device.post("/login", data=login_form(officer.email, temporary))
    assert step.headers["Location"] == "/login/code"  # the temporary password alone opens nothing
    assert device.get("/lookup").headers["Location"].startswith("/login/code")
    clock.shift(timedelta(seconds=30))
    assert sign_in(device, officer.email, temporary, officer.totp_secret).status_code == 302
    for path in ("/lookup", "/incidents", "/"):
        assert device.get(path).headers["Location"].startswith("/account/password"), path
    assert change(device, temporary, next="/lookup").headers["Location"] == "/lookup"
    assert device.get("/lookup").status_code == 200
    assert reload_user(app, officer.id).must_change_password is False


def test_each_setting_is_one_audit_event_and_neither_it_nor_the_logs_hold_the_password(
    app: Flask,
    client: FlaskClient,
    login_as: LoginAs,
    officer: User,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(app.logger, "disabled", False)  # Alembic's fileConfig in other tests disables it
    login_as("admin")

    assert shown_password(set_temporary(client, officer, password=TYPED).get_data(as_text=True)) == TYPED
    (typed,) = audit_events(app, "admin.password_reset")
    generated = shown_password(set_temporary(client, officer).get_data(as_text=True))
    _, made = audit_events(app, "admin.password_reset")

    assert (typed.record_ids, typed.outcome, json.loads(typed.detail)) == (
        str(officer.id),
        "success",
        {"generated": False, "sessions_ended": 0, "via": "web"},
    )
    assert json.loads(made.detail)["generated"] is True
    for secret in (TYPED, generated):
        assert secret not in every_audit_value(app)
        assert secret not in caplog.text


def test_a_typed_password_that_breaks_the_rules_is_refused_with_the_reason_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs, officer: User
) -> None:
    login_as("admin")
    before = reload_user(app, officer.id).password_hash
    response = set_temporary(client, officer, password="Password1!")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/users/{officer.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No temporary password was set. Use at least 15 characters" in page
    assert "Password1!" not in page
    user = reload_user(app, officer.id)
    assert user.password_hash == before and not user.must_change_password
    assert audit_events(app, "admin.password_reset") == []


def test_a_locked_account_stays_locked_and_keeps_its_second_factor(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.app_context():
        locked = make_user("officer", totp=True, locked_at=datetime.now(UTC))
    before = reload_user(app, locked.id)
    login_as("admin")
    html = set_temporary(client, locked).get_data(as_text=True)
    assert "still locked: setting a password does not unlock it" in html
    assert f'action="/admin/users/{locked.id}/unlock"' in html
    after = reload_user(app, locked.id)
    assert after.locked_at == before.locked_at and after.totp_secret == before.totp_secret
    assert audit_events(app, "admin.user_unlock") == [] and audit_events(app, "admin.mfa_reset") == []


@pytest.mark.parametrize("role", ["officer", "dispatcher", "reviewer"])
def test_only_an_admin_may_set_one(
    app: Flask, client: FlaskClient, login_as: LoginAs, officer: User, role: str
) -> None:
    login_as(role)
    assert set_temporary(client, officer, password=TYPED).status_code == 403
    assert not reload_user(app, officer.id).must_change_password
    assert audit_events(app, "admin.password_reset") == []


def test_a_get_changes_nothing(app: Flask, client: FlaskClient, login_as: LoginAs, officer: User) -> None:
    login_as("admin")
    assert client.get(f"/admin/users/{officer.id}/password").status_code == 405
    assert not reload_user(app, officer.id).must_change_password
    assert audit_events(app, "admin.password_reset") == []


def test_an_admin_cannot_set_one_on_their_own_account(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    admin = login_as("admin")
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "data-own-password" in page and f"/admin/users/{admin.id}/password" not in page
    response = set_temporary(client, admin, password=TYPED)
    assert response.status_code == 303
    assert "cannot set a temporary password on your own account" in client.get(f"/admin/users/{admin.id}").get_data(
        as_text=True
    )
    assert passwords.verify_password(reload_user(app, admin.id).password_hash, DEFAULT_PASSWORD)
    assert audit_events(app, "admin.password_reset") == []


def test_an_unknown_user_is_404_and_nothing_changes(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    login_as("admin")
    assert client.post("/admin/users/9999/password", data=CONFIRMED).status_code == 404
    assert client.post("/admin/users/9999/password").status_code == 404
    assert audit_events(app, "admin.password_reset") == []


def test_the_user_page_offers_it_and_asks_first_naming_the_user(
    client: FlaskClient, login_as: LoginAs, officer: User
) -> None:
    login_as("admin")
    html = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    form = html.split(f'action="/admin/users/{officer.id}/password"', 1)[1].split("</form>", 1)[0]
    assert f'data-confirm="Set a temporary password for {officer.email}?"' in form
    assert 'name="password" type="password"' in form and "Set temporary password" in form
    assert "It does not unlock the account" in form


def test_without_javascript_the_server_asks_first_keeping_the_typed_password_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs, officer: User
) -> None:
    login_as("admin")
    response = client.post(f"/admin/users/{officer.id}/password", data={"password": TYPED})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>Set a temporary password for {officer.email}?</h1>" in html
    form = html.split("data-confirm-page", 1)[1]
    assert '<input type="hidden" name="confirmed" value="yes">' in form
    assert f'<input type="hidden" name="password" value="{TYPED}">' in form
    assert not reload_user(app, officer.id).must_change_password
    assert audit_events(app, "admin.password_reset") == []


def test_a_made_password_is_long_random_and_easy_to_read_out() -> None:
    made = {passwords.temporary_password(email="kim.lee@metro.example.gov") for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert re.fullmatch(r"[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){4}", password), password
        assert passwords.problems(password) == []
