"""Changing one's own password: the current one first, the rules for the new one, other sessions ended;
a temporary (administrator-chosen) or year-old password must be replaced before anything else (CJIS IA-5 f)."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.auth.passwords import verify_password
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from tests.auth_support import audit_events, reload_user, session_cookie
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

NEW = "lantern over the harbour wall"


@pytest.fixture
def officer(app: Flask) -> User:
    with app.app_context():
        return make_user("officer")


def change(
    client: FlaskClient, current: str = DEFAULT_PASSWORD, new: str = NEW, confirm: str | None = None, **extra: str
):
    form = {"current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm}
    return client.post("/account/password", data={**form, **extra})


def set_user(app: Flask, user_id: int, **fields: object) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()


def test_the_page_asks_for_the_current_password_and_states_the_rules(client: FlaskClient, officer: User) -> None:
    sign_in(client, officer.email)
    page = client.get("/account/password")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="current_password"' in body and 'autocomplete="new-password"' in body
    assert "At least 15 characters" in body and "data-password-due" not in body


def test_a_change_replaces_the_password_rotates_this_session_and_ends_the_others(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    sign_in(client, officer.email)
    elsewhere = app.test_client()
    sign_in(elsewhere, officer.email)
    before = session_cookie(client)
    response = change(client)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert session_cookie(client) not in (None, before)
    assert client.get("/lookup").status_code == 200
    assert elsewhere.get("/lookup").status_code == 302  # the other session is over
    user = reload_user(app, officer.id)
    assert verify_password(user.password_hash, NEW) and not verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert utcnow() - user.password_changed_at < timedelta(minutes=1)
    [event] = audit_events(app, "auth.password_change")
    assert event.outcome == "success" and '"other_sessions_ended":1' in event.detail
    assert NEW not in event.detail and DEFAULT_PASSWORD not in event.detail
    assert sign_in(app.test_client(), officer.email, DEFAULT_PASSWORD).status_code == 401
    assert sign_in(app.test_client(), officer.email, NEW).status_code == 302


@pytest.mark.parametrize(
    ("new", "confirm", "status", "message"),
    [
        ("short words", None, 422, "Use at least 15 characters"),
        ("password1234567890", None, 422, "found in breaches or commonly used"),
        (DEFAULT_PASSWORD, None, 422, "different from your current one"),
        (NEW, NEW + "x", 400, "The two new passwords differ."),
    ],
)
def test_a_new_password_that_breaks_a_rule_is_refused_with_the_reason_and_nothing_changes(
    app: Flask, client: FlaskClient, officer: User, new: str, confirm: str | None, status: int, message: str
) -> None:
    sign_in(client, officer.email)
    response = change(client, new=new, confirm=confirm)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert verify_password(reload_user(app, officer.id).password_hash, DEFAULT_PASSWORD)


def test_a_wrong_current_password_is_refused_and_counts_towards_the_lockout(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    sign_in(client, officer.email)
    for _ in range(4):
        response = change(client, current="not my password at all")
        assert response.status_code == 401
        assert "The current password is wrong." in response.get_data(as_text=True)
    response = change(client, current="not my password at all")
    assert response.status_code == 401
    assert "the account is locked" in response.get_data(as_text=True)
    user = reload_user(app, officer.id)
    assert user.is_locked and verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert client.get("/lookup").status_code == 302  # signed out
    assert [e.outcome for e in audit_events(app, "auth.password_change")] == ["failure"] * 5


def test_a_temporary_password_sends_every_page_to_the_change_first_then_back(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    set_user(app, officer.id, must_change_password=True)
    sign_in(client, officer.email)
    response = client.get("/lookup")
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/password?next=/lookup"
    page = client.get("/account/password?next=/lookup")
    assert 'data-password-due="temporary"' in page.get_data(as_text=True)
    fragment = client.post("/lookup", data={"q": "DWJ1204", "kind": "plate"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 403 and fragment.headers["HX-Redirect"].startswith("/account/password")
    assert audit_events(app, "lookup.plate") == []  # nothing was looked up
    response = change(client, next="/lookup")
    assert response.status_code == 303 and response.headers["Location"] == "/lookup"
    assert client.get("/lookup").status_code == 200
    assert reload_user(app, officer.id).must_change_password is False


@pytest.mark.parametrize(("age_days", "due"), [(364, False), (365, True), (800, True)])
def test_a_password_a_year_old_must_be_replaced(
    app: Flask, client: FlaskClient, officer: User, age_days: int, due: bool
) -> None:
    set_user(app, officer.id, password_changed_at=utcnow() - timedelta(days=age_days))
    sign_in(client, officer.email)
    response = client.get("/lookup")
    assert (response.status_code == 303) is due
    if due:
        assert 'data-password-due="expired"' in client.get("/account/password").get_data(as_text=True)


def test_signing_out_stays_possible_while_a_change_is_due(app: Flask, client: FlaskClient, officer: User) -> None:
    set_user(app, officer.id, must_change_password=True)
    sign_in(client, officer.email)
    assert client.post("/logout").status_code == 302
    assert client.get("/account/password").status_code == 302  # to the sign-in page


def test_an_administrators_new_user_must_choose_their_own_password(app: Flask, client: FlaskClient, login_as) -> None:
    login_as("admin")
    form = {"email": "new.officer@test.example.gov", "role": "officer", "agency": "Test PD", "password": NEW}
    assert client.post("/admin/users", data=form).status_code == 302
    with app.app_context():
        user = db.session.query(User).filter_by(email="new.officer@test.example.gov").one()
        assert user.must_change_password is True


@pytest.mark.parametrize(("flags", "temporary"), [([], False), (["--temporary"], True)])
def test_the_cli_marks_a_password_temporary_only_when_asked(
    app: Flask, runner: FlaskCliRunner, flags: list[str], temporary: bool
) -> None:
    email = "cli.officer@test.example.gov"
    args = ["users", "create", email, "--role", "officer", "--agency", "Test PD", *flags]
    result = runner.invoke(args=args, input=NEW + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(User).filter_by(email=email).one().must_change_password is temporary
