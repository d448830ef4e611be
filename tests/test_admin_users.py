"""Admin pages for users: list, create, disable, unlock, reset the second factor; re-authentication first."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, User
from tests.auth_support import audit_events, login_form, reload_user, session_cookie
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

LoginAs = Callable[..., User]
NEW_PASSWORD = "harbour lights over the quay"
CONFIRMED = {"confirmed": "yes"}  # what the dialog, or the server's own question page, adds to a Disable


def _new_user_form(**overrides: str) -> dict[str, str]:
    return {
        "email": "Dana.Cruz@County.example.gov",
        "role": "dispatcher",
        "agency": "County Sheriff",
        "password": NEW_PASSWORD,
        **overrides,
    }


def test_the_users_page_lists_every_account_with_its_state(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    with app.app_context():
        make_user("officer", email="locked@metro.example.gov", locked_at=datetime.now(UTC))
        make_user("dispatcher", email="gone@metro.example.gov", is_disabled=True)
    login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "locked@metro.example.gov" in page and "gone@metro.example.gov" in page
    assert ">locked<" in page and ">disabled<" in page
    assert "Unlock" in page


def test_an_admin_creates_a_user_and_the_agency_if_new(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    login_as("admin")
    response = client.post("/admin/users", data=_new_user_form())
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "dana.cruz@county.example.gov")).one()
        assert user.role == "dispatcher" and user.agency.name == "County Sheriff"
        assert user.password_hash.startswith("$argon2id$") and NEW_PASSWORD not in user.password_hash
    created = audit_events(app, "admin.user_create")
    assert len(created) == 1 and NEW_PASSWORD not in created[0].detail
    assert sign_in(app.test_client(), "dana.cruz@county.example.gov", NEW_PASSWORD).headers["Location"] == "/dispatch"


def test_a_new_user_joins_an_existing_agency_whatever_the_case_of_its_name(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin", agency="County Sheriff")
    client.post("/admin/users", data=_new_user_form(agency="county  sheriff"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Agency)) == 1


def test_a_weak_initial_password_is_refused_with_the_reason_and_nothing_is_created(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin")
    response = client.post("/admin/users", data=_new_user_form(password="Password1!"))
    assert response.status_code == 400
    assert "at least 15 characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert db.session.scalar(select(func.count()).select_from(Agency)) == 1
    assert audit_events(app, "admin.user_create") == []


def test_a_duplicate_email_or_a_bad_role_is_refused(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    admin = login_as("admin")
    assert client.post("/admin/users", data=_new_user_form(email=admin.email.upper())).status_code == 400
    assert client.post("/admin/users", data=_new_user_form(role="superuser")).status_code == 400
    assert client.post("/admin/users", data=_new_user_form(email="not-an-email")).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_the_new_user_form_shows_every_problem_at_once_each_next_to_its_field(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin")
    form = _new_user_form(email="not-an-email", role="superuser", agency=" ", password="short")
    response = client.post("/admin/users", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "4 fields need fixing" in html
    for field, problem in [
        ("email", "Enter an email address like"),
        ("role", "Choose a role"),
        ("agency", "Enter the agency&#39;s name"),
        ("password", "Use at least 15 characters"),
    ]:
        assert problem in html.split(f'<div id="{field}-errors">', 1)[1].split("</div>", 1)[0], field
        before, after = html.split(f'id="{field}"', 1)
        tag = before.rsplit("<", 1)[1] + after.split(">", 1)[0]
        assert 'aria-invalid="true"' in tag and f"{field}-errors" in tag, field
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_taken_email_and_a_weak_password_are_reported_together(client: FlaskClient, login_as: LoginAs) -> None:
    admin = login_as("admin")
    html = client.post("/admin/users", data=_new_user_form(email=admin.email, password="password")).get_data(
        as_text=True
    )
    assert "already exists" in html.split('<div id="email-errors">', 1)[1].split("</div>", 1)[0]
    assert "commonly used" in html.split('<div id="password-errors">', 1)[1].split("</div>", 1)[0]


def test_the_new_user_form_keeps_what_was_typed_including_the_temporary_password_and_says_so(
    client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin")
    html = client.post("/admin/users", data=_new_user_form(agency="")).get_data(as_text=True)
    assert 'value="dana.cruz@county.example.gov"' in html.lower()
    assert f'value="{NEW_PASSWORD}"' in html
    assert "the password you typed stays in this field" in html
    assert client.get("/admin/users/new").headers["Cache-Control"] == "no-store"


def test_disable_posted_unconfirmed_asks_on_a_page_naming_the_user_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin")
    with app.app_context():
        officer = make_user("officer", email="kim.lee@metro.example.gov")
    response = client.post(f"/admin/users/{officer.id}/disable")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Disable the account of kim.lee@metro.example.gov?</h1>" in html
    form = html.split("data-confirm-page", 1)[1]
    assert f'action="/admin/users/{officer.id}/disable"' in form
    assert '<input type="hidden" name="confirmed" value="yes">' in form
    assert 'href="/admin/users">Cancel</a>' in form
    assert not reload_user(app, officer.id).is_disabled
    assert audit_events(app, "admin.user_disable") == []


def test_every_action_on_the_users_page_comes_back_to_it_after_confirming_identity(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin")
    with app.app_context():
        make_user("officer", locked_at=datetime.now(UTC))
        make_user("dispatcher", is_disabled=True)
    html = client.get("/admin/users").get_data(as_text=True)
    forms = [form for form in html.split("<form")[1:] if 'action="/admin/users/' in form]
    assert len(forms) == 3  # unlock and disable the officer, enable the dispatcher
    for form in forms:
        # One `back` only: with two, the empty one came first and the re-authentication page sent the admin home.
        assert re.findall(r'name="back"[^>]*', form) == ['name="back" value="/admin/users"']


def test_the_users_page_asks_before_disabling_naming_the_user(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    login_as("admin")
    with app.app_context():
        make_user("officer", email="kim.lee@metro.example.gov")
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'data-confirm="Disable the account of kim.lee@metro.example.gov?"' in html
    assert "js/confirm.js" in html


def test_disabling_a_user_is_audited_and_cannot_target_yourself(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    admin = login_as("admin")
    with app.app_context():
        officer = make_user("officer")
    assert client.post(f"/admin/users/{officer.id}/disable", data=CONFIRMED).status_code == 303
    assert reload_user(app, officer.id).is_disabled
    response = client.post(f"/admin/users/{admin.id}/disable", data=CONFIRMED, follow_redirects=True)
    assert "cannot disable your own account" in response.get_data(as_text=True)
    assert not reload_user(app, admin.id).is_disabled
    assert [e.record_ids for e in audit_events(app, "admin.user_disable")] == [str(officer.id)]


def test_an_admin_unlocks_a_locked_account_and_its_owner_can_sign_in(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    with app.app_context():
        officer = make_user("officer")
    other = app.test_client()
    for _ in range(5):
        other.post("/login", data=login_form(officer.email, "not the password at all"))
    assert reload_user(app, officer.id).is_locked_for_unknown_devices
    login_as("admin")
    assert client.post(f"/admin/users/{officer.id}/unlock").status_code == 303
    assert sign_in(other, officer.email).headers["Location"] == "/lookup"
    assert len(audit_events(app, "admin.user_unlock")) == 1


def test_resetting_the_second_factor_sends_the_user_to_enrol_and_ends_their_sessions(
    app: Flask, login_as: LoginAs
) -> None:
    reviewer_client, admin_client = app.test_client(), app.test_client()
    reviewer = login_as("reviewer", client=reviewer_client)
    login_as("admin", client=admin_client)
    assert admin_client.post(f"/admin/users/{reviewer.id}/mfa-reset").status_code == 303
    assert reload_user(app, reviewer.id).totp_secret is None
    assert reviewer_client.get("/").status_code == 302
    response = reviewer_client.post("/login", data=login_form(reviewer.email, DEFAULT_PASSWORD))
    assert response.headers["Location"] == "/login/enrol"
    assert len(audit_events(app, "admin.mfa_reset")) == 1


def test_an_unknown_user_id_is_404(client: FlaskClient, login_as: LoginAs) -> None:
    login_as("admin")
    assert client.post("/admin/users/9999/disable").status_code == 404


def test_an_admin_action_long_after_sign_in_asks_for_the_password_and_code_again(
    app: Flask, client: FlaskClient, login_as: LoginAs
) -> None:
    start = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        admin = login_as("admin")
        with app.app_context():
            officer = make_user("officer")
        clock.shift(timedelta(minutes=14))
        client.get("/admin/users")
        clock.shift(timedelta(minutes=14))
        response = client.post(f"/admin/users/{officer.id}/disable", data={"back": "/admin/users"})
        assert response.status_code == 302
        assert response.headers["Location"] == "/login/confirm?next=/admin/users"
        assert not reload_user(app, officer.id).is_disabled
        clock.shift(timedelta(seconds=30))
        code = pyotp.TOTP(admin.totp_secret).now()
        wrong = client.post("/login/confirm", data={"password": "wrong password entirely", "code": code})
        assert wrong.status_code == 401
        clock.shift(timedelta(seconds=30))
        code = pyotp.TOTP(admin.totp_secret).now()
        form = {"password": DEFAULT_PASSWORD, "code": code, "next": "/admin/users"}
        confirmed = client.post("/login/confirm", data=form)
        assert confirmed.headers["Location"] == "/admin/users"
        assert client.post(f"/admin/users/{officer.id}/disable", data=CONFIRMED).status_code == 303
    assert reload_user(app, officer.id).is_disabled
    assert [e.outcome for e in audit_events(app, "auth.reauth")] == ["failure", "success"]


def test_re_authentication_gives_a_new_session_id(app: Flask, client: FlaskClient, login_as: LoginAs) -> None:
    start = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        admin = login_as("admin")
        before = session_cookie(client)
        clock.shift(timedelta(seconds=30))
        client.post("/login/confirm", data={"password": DEFAULT_PASSWORD, "code": pyotp.TOTP(admin.totp_secret).now()})
        after = session_cookie(client)
    assert before is not None and after is not None and before != after
