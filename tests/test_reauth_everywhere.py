"""Every privileged action asks for a recent sign-in (security bar Z6, CJIS IA-11): a session signed in longer ago
than REAUTH_MINUTES is sent to /login/confirm and nothing changes; after confirming, the same post does its work.

Adding a view with @recent_sign_in_required? Add its case to CASES: the first test fails until you do.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.access import recent_sign_in_required
from app.auth.sessions import row_token
from app.cards import keyring
from app.extensions import db
from app.models import ApiToken, Card, KnownDevice, Passkey, User
from app.models.accounts import UserSession
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_api_token, make_card, make_person, make_user

NEW_EMAIL = "new.officer@test.example.gov"
# The wrapper recent_sign_in_required puts around a view: its code object names every view it guards.
GUARD_CODE = recent_sign_in_required(lambda: None).__code__


@dataclass
class Targets:
    """What the actions act on, made before the admin's session goes stale."""

    officer: User  # signed in on a device of their own, with a TOTP secret and an API token
    disabled: User
    locked: User
    token_id: int
    person_id: str
    card_number: str


@dataclass(frozen=True)
class Case:
    url: Callable[[Targets], str]
    form: Callable[[Targets], dict[str, str]]
    state: Callable[[Targets], Any]  # what the action changes, read from the database


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _sessions(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)) or 0


def _card(number: str) -> tuple[object, object]:
    card = db.session.scalars(select(Card).where(Card.card_number == number)).one()
    return card.status, card.min_valid_iat


def _session_token(user_id: int) -> str:
    return row_token(db.session.scalars(select(UserSession.id_hash).where(UserSession.user_id == user_id)).one())


def _devices(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(KnownDevice).where(KnownDevice.user_id == user_id)) or 0


def _admins_passkey() -> int:
    """A passkey on the signed-in admin's own account (the newest admin), made on first ask; its id."""
    admin = db.session.scalars(select(User).where(User.role == "admin").order_by(User.id.desc())).first()
    assert admin is not None and admin.has_totp  # so this passkey is not their last second factor
    if not admin.passkeys:
        admin.passkeys.append(Passkey(credential_id=b"admin-key", public_key=b"-", sign_count=0, name="Desk key"))
        db.session.commit()
    return admin.passkeys[0].id


def _passkeys() -> int:
    return db.session.scalar(select(func.count()).select_from(Passkey)) or 0


CONFIRMED = {"confirmed": "yes"}
CASES: dict[str, Case] = {
    "users.create_user": Case(
        lambda t: "/admin/users",
        lambda t: {
            "email": NEW_EMAIL,
            "role": "officer",
            "agency": "Test Police Department",
            "office": "",
            "password": "Quartz lanterns drift past Ulm 1987",
        },
        lambda t: db.session.scalar(select(func.count()).select_from(User).where(User.email == NEW_EMAIL)),
    ),
    "users.disable_user": Case(
        lambda t: f"/admin/users/{t.officer.id}/disable", lambda t: CONFIRMED, lambda t: _user(t.officer.id).is_disabled
    ),
    "users.enable_user": Case(
        lambda t: f"/admin/users/{t.disabled.id}/enable", lambda t: {}, lambda t: _user(t.disabled.id).is_disabled
    ),
    "users.unlock_user": Case(
        lambda t: f"/admin/users/{t.locked.id}/unlock", lambda t: {}, lambda t: _user(t.locked.id).locked_at
    ),
    "users.reset_second_factor": Case(
        lambda t: f"/admin/users/{t.officer.id}/mfa-reset",
        lambda t: {},
        lambda t: _user(t.officer.id).totp_secret is None,
    ),
    "users.set_temporary_password": Case(
        lambda t: f"/admin/users/{t.officer.id}/password",
        lambda t: CONFIRMED,
        lambda t: _user(t.officer.id).password_hash,
    ),
    "users.end_session": Case(
        lambda t: f"/admin/users/{t.officer.id}/sessions/{_session_token(t.officer.id)}/end",
        lambda t: CONFIRMED,
        lambda t: _sessions(t.officer.id),
    ),
    "users.forget_devices": Case(
        lambda t: f"/admin/users/{t.officer.id}/devices/forget", lambda t: CONFIRMED, lambda t: _devices(t.officer.id)
    ),
    "auth.remove_passkey": Case(
        lambda t: f"/account/passkeys/{_admins_passkey()}/remove", lambda t: {}, lambda t: _passkeys()
    ),
    "users.end_all_sessions": Case(
        lambda t: f"/admin/users/{t.officer.id}/sessions/end", lambda t: CONFIRMED, lambda t: _sessions(t.officer.id)
    ),
    "api_tokens.create": Case(
        lambda t: "/admin/api-tokens",
        lambda t: {"email": t.officer.email, "name": "Second CAD", "days": ""},
        lambda t: db.session.scalar(select(func.count()).select_from(ApiToken)),
    ),
    "api_tokens.revoke": Case(
        lambda t: f"/admin/api-tokens/{t.token_id}/revoke",
        lambda t: CONFIRMED,
        lambda t: db.session.get(ApiToken, t.token_id).revoked_at,  # type: ignore[union-attr]
    ),
    "cards.admin_issue": Case(
        lambda t: f"/admin/cards/person/{t.person_id}",
        lambda t: {"expires_on": (date.today() + timedelta(days=365)).isoformat(), **CONFIRMED},
        lambda t: db.session.scalar(select(func.count()).select_from(Card).where(Card.person_id == t.person_id)),
    ),
    "cards.admin_revoke": Case(
        lambda t: f"/admin/cards/{t.card_number}/revoke", lambda t: CONFIRMED, lambda t: _card(t.card_number)
    ),
    "cards.admin_lost": Case(
        lambda t: f"/admin/cards/{t.card_number}/lost", lambda t: CONFIRMED, lambda t: _card(t.card_number)
    ),
    "cards.admin_reprint": Case(
        lambda t: f"/admin/cards/{t.card_number}/reprint", lambda t: CONFIRMED, lambda t: _card(t.card_number)
    ),
}


def guarded_endpoints(app: Flask) -> set[str]:
    """Every endpoint whose view is wrapped, at any depth, by recent_sign_in_required."""
    found = set()
    for endpoint, view in app.view_functions.items():
        layer: Any = view
        while layer is not None:
            if getattr(layer, "__code__", None) is GUARD_CODE:
                found.add(endpoint)
            layer = getattr(layer, "__wrapped__", None)
    return found


# Pages that show what only a recently signed-in user may see, before any change (GET).
READ_CASES = {"auth.account_passkeys": "/account/passkeys"}


def test_every_view_that_needs_a_recent_sign_in_has_a_case(app: Flask) -> None:
    assert guarded_endpoints(app) == set(CASES) | set(READ_CASES)


def test_the_finder_sees_the_guard_under_other_decorators(app: Flask) -> None:
    assert "users.disable_user" in guarded_endpoints(app)  # under roles_required
    assert "users.index" not in guarded_endpoints(app)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime.now(UTC).replace(microsecond=0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def targets(app: Flask, clock: time_machine.Traveller) -> Targets:
    with app.app_context():
        officer = make_user("officer", totp=True)
        disabled = make_user("officer", is_disabled=True, disabled_reason="admin")
        locked = make_user("officer", locked_at=datetime.now(UTC))
        make_api_token(officer)
        token_id = db.session.scalars(select(ApiToken.id)).one()
        person = make_person()
        card = make_card(make_person())
        db.session.commit()
        keyring.rotate(datetime.now(UTC) - timedelta(days=1))
        made = Targets(officer, disabled, locked, token_id, person.id, card.card_number)
    device = app.test_client()
    assert sign_in(device, officer.email, DEFAULT_PASSWORD, officer.totp_secret).status_code == 302
    return made


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_stale_session_is_sent_to_confirm_and_changes_nothing_until_it_does(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[..., User],
    clock: time_machine.Traveller,
    targets: Targets,
    endpoint: str,
) -> None:
    case = CASES[endpoint]
    admin = login_as("admin")
    clock.shift(timedelta(minutes=20))  # past REAUTH_MINUTES (15), inside the 30 idle minutes
    with app.app_context():
        url, form, before = case.url(targets), case.form(targets), case.state(targets)

    stale = client.post(url, data={**form, "back": "/admin/users"})

    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login/confirm")
    with app.app_context():
        assert case.state(targets) == before, f"{endpoint} acted on a stale session"

    code = pyotp.TOTP(admin.totp_secret).now()
    confirmed = client.post("/login/confirm", data={"password": DEFAULT_PASSWORD, "code": code})
    assert confirmed.status_code == 302 and not confirmed.headers["Location"].startswith("/login")
    done = client.post(url, data=form)
    assert done.status_code in (200, 302, 303), f"{endpoint} answered {done.status_code} after confirming"
    with app.app_context():
        assert case.state(targets) != before, f"{endpoint} changed nothing even after confirming: the case is wrong"


@pytest.mark.parametrize("endpoint", sorted(READ_CASES))
def test_a_stale_session_is_sent_to_confirm_before_a_guarded_page(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], clock: time_machine.Traveller, endpoint: str
) -> None:
    url = READ_CASES[endpoint]
    admin = login_as("admin")
    assert client.get(url).status_code == 200
    clock.shift(timedelta(minutes=20))
    stale = client.get(url)
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login/confirm")
    code = pyotp.TOTP(admin.totp_secret).now()
    assert client.post("/login/confirm", data={"password": DEFAULT_PASSWORD, "code": code}).status_code == 302
    assert client.get(url).status_code == 200
