"""Passkeys (WebAuthn) as the first second factor, and a second factor for every role by default (issue 12 item 1).

The passkey answers come from tests/webauthn_support.SoftPasskey: real ES256 signatures over real authenticator
data, so the server's checks (challenge, origin, RP id, user verification, counter) run as they do for a phone.
"""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.audit.actor import Actor
from app.auth import accounts
from app.config import DEFAULTS, ConfigError
from app.extensions import db
from app.models import AuditEvent, Passkey, User
from tests.auth_support import TEST_TOTP_KEYS, audit_events, login_form, reload_user, session_rows
from tests.conftest import build_app, close_app
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.webauthn_support import SoftPasskey, b64url

ROLES = ("officer", "dispatcher", "reviewer", "admin")
PRODUCTION = {
    "ENVOY_ENV": "production",
    "SECRET_KEY": "production-test-secret-" * 3,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "TOTP_KEYS": TEST_TOTP_KEYS,
    "TRUSTED_PROXIES": 1,
    "BASE_URL": "https://envoy.example.gov",
}
START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def app() -> Iterator[Flask]:
    """The real default: every role must have a second factor (not the tests' relaxed list)."""
    app = build_app(MFA_REQUIRED_ROLES=DEFAULTS["MFA_REQUIRED_ROLES"])
    yield app
    close_app(app)


def _password(client: FlaskClient, user: User) -> str:
    response = client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD))
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def _options(client: FlaskClient, url: str) -> dict:
    response = client.post(url, json={})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["options"]


def _enrol(client: FlaskClient, user: User, name: str = "Work phone") -> SoftPasskey:
    """Sign in with the password and enrol a passkey on the enrolment page; the client ends signed in."""
    assert _password(client, user) == "/login/enrol"
    passkey = SoftPasskey()
    answer = passkey.create(_options(client, "/login/enrol/passkey/options"))
    response = client.post("/login/enrol/passkey", json={"credential": answer, "name": name})
    assert response.status_code == 200, response.get_data(as_text=True)
    return passkey


def _user_with_passkey(app: Flask, role: str = "officer", **fields: object) -> tuple[User, SoftPasskey]:
    with app.app_context():
        user = make_user(role, totp=False, **fields)  # type: ignore[arg-type]
    client = app.test_client()
    passkey = _enrol(client, user)
    client.post("/logout")
    return user, passkey


def _second_step(client: FlaskClient, passkey: SoftPasskey, **answer: object) -> tuple[int, dict]:
    response = client.post(
        "/login/passkey", json={"credential": passkey.get(_options(client, "/login/passkey/options"), **answer)}
    )  # type: ignore[arg-type]
    return response.status_code, response.get_json()


def _detail(event: AuditEvent) -> dict:
    return json.loads(event.detail)


def _passkeys(app: Flask, user_id: int) -> list[Passkey]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


# --- A second factor for every role ---------------------------------------------------------------------------


@pytest.mark.parametrize("left_out", ROLES)
def test_production_refuses_to_start_when_any_role_may_sign_in_with_a_password_alone(left_out: str) -> None:
    roles = tuple(role for role in ROLES if role != left_out)
    with pytest.raises(ConfigError, match=f"MFA_REQUIRED_ROLES leaves out {left_out}"):
        create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": "sqlite://", "MFA_REQUIRED_ROLES": roles})


def test_production_starts_with_the_default_every_role() -> None:
    assert DEFAULTS["MFA_REQUIRED_ROLES"] == ROLES
    app = create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["MFA_REQUIRED_ROLES"] == ROLES


def test_outside_production_the_configuration_may_relax_it_for_officers_and_dispatchers(
    app_with: Callable[..., Flask],
) -> None:
    relaxed = app_with(MFA_REQUIRED_ROLES=("reviewer", "admin"))
    with relaxed.app_context():
        officer = make_user("officer", totp=False)
    assert _password(relaxed.test_client(), officer) == "/lookup"


@pytest.mark.parametrize("role", ROLES)
def test_in_production_no_role_gets_past_the_password_without_a_second_factor(
    app_with: Callable[..., Flask], role: str
) -> None:
    app = app_with(**PRODUCTION)
    with app.app_context():
        bare = make_user(role, totp=False)
        with_app = make_user(role, totp=True)
    for user, step in ((bare, "/login/enrol"), (with_app, "/login/code")):
        client = app.test_client()
        assert _password(client, user) == step
        for path in ("/", "/lookup", "/account/password", "/account/passkeys"):
            assert client.get(path).headers["Location"].startswith("/login"), (role, path)
    assert [e.outcome for e in audit_events(app, "auth.login")] == ["mfa_required", "mfa_required"]


# --- Enrolment ----------------------------------------------------------------------------------------------------


def test_the_enrolment_page_offers_a_passkey_first_and_the_authenticator_app_as_the_fallback(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        user = make_user("officer", totp=False)
    _password(client, user)
    page = client.get("/login/enrol").get_data(as_text=True)
    assert page.index("Add a passkey") < page.index("Or use an authenticator app") < page.index("data-totp-key")
    assert "<script>" not in page and "style=" not in page


def test_enrolling_a_passkey_signs_the_user_in_and_keeps_it_named(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("dispatcher", totp=False)
    passkey = _enrol(client, user, name="  Night   shift phone ")
    assert client.get("/dispatch").status_code == 200
    [row] = _passkeys(app, user.id)
    assert row.credential_id == passkey.credential_id and row.name == "Night shift phone"
    assert row.transports == ["internal", "hybrid"] and row.last_used_at is not None
    assert [_detail(e)["method"] for e in audit_events(app, "auth.mfa")] == ["passkey"]
    assert [e.outcome for e in audit_events(app, "auth.passkey_add")] == ["success"]


def test_a_passkey_made_without_user_verification_is_not_kept(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("officer", totp=False)
    _password(client, user)
    answer = SoftPasskey().create(_options(client, "/login/enrol/passkey/options"), user_verified=False)
    response = client.post("/login/enrol/passkey", json={"credential": answer})
    assert response.status_code == 400 and "fingerprint, face or PIN" in response.get_json()["message"]
    assert _passkeys(app, user.id) == []
    assert client.get("/").status_code == 302


# --- Sign-in with the passkey as the second step -----------------------------------------------------------------


def test_after_the_password_a_passkey_user_is_asked_for_the_passkey_and_one_touch_signs_in(app: Flask) -> None:
    user, passkey = _user_with_passkey(app)
    client = app.test_client()
    assert _password(client, user) == "/login/passkey"
    page = client.get("/login/passkey").get_data(as_text=True)
    assert "Use passkey" in page and "Use a code instead" not in page  # no authenticator app on this account
    status, body = _second_step(client, passkey)
    assert (status, body) == (200, {"redirect": "/lookup"})
    assert client.get("/lookup").status_code == 200
    assert [_detail(e).get("method") for e in audit_events(app, "auth.login") if e.outcome == "success"] == [
        "passkey",
        "passkey",
    ]


def test_a_user_with_a_passkey_and_an_app_may_use_a_code_instead(app: Flask) -> None:
    user, _passkey = _user_with_passkey(app)
    secret = pyotp.random_base32()
    with app.app_context():
        db.session.get(User, user.id).totp_secret = secret  # type: ignore[union-attr]
        db.session.commit()
    client = app.test_client()
    assert _password(client, user) == "/login/passkey"
    assert "Use a code instead" in client.get("/login/passkey").get_data(as_text=True)
    assert "Use your passkey instead" in client.get("/login/code").get_data(as_text=True)
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and client.get("/lookup").status_code == 200
    assert [_detail(e)["method"] for e in audit_events(app, "auth.mfa")][-1] == "totp"


def test_an_answer_to_a_challenge_works_once(app: Flask) -> None:
    user, passkey = _user_with_passkey(app)
    first, second = app.test_client(), app.test_client()
    _password(first, user)
    options = _options(first, "/login/passkey/options")
    answer = passkey.get(options)
    assert first.post("/login/passkey", json={"credential": answer}).status_code == 200
    _password(second, user)  # the same answer replayed in another half-signed-in session
    _options(second, "/login/passkey/options")
    assert second.post("/login/passkey", json={"credential": answer}).status_code == 401
    assert second.get("/lookup").status_code == 302
    third = app.test_client()
    _password(third, user)  # or with no challenge kept at all
    assert third.post("/login/passkey", json={"credential": answer}).status_code == 400


def test_a_challenge_dies_after_three_minutes(app: Flask) -> None:
    user, passkey = _user_with_passkey(app)
    client = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        _password(client, user)
        answer = passkey.get(_options(client, "/login/passkey/options"))
        clock.shift(timedelta(minutes=3, seconds=1))
        response = client.post("/login/passkey", json={"credential": answer})
    assert response.status_code == 400 and "too long" in response.get_json()["message"]


@pytest.mark.parametrize(
    "answer, reason",
    [
        ({"user_verified": False}, "verification_failed"),
        ({"origin": "https://envoy.example.gov.evil.test"}, "verification_failed"),
        ({"count_step": 0}, "sign_count_not_increased"),
        ({"user_handle": b"envoy-user-999"}, "user_handle_mismatch"),
    ],
)
def test_a_bad_passkey_answer_is_refused_audited_and_counted_towards_the_lockout(
    app: Flask, answer: dict, reason: str
) -> None:
    user, passkey = _user_with_passkey(app)
    used = app.test_client()  # one good sign-in first: the server has seen the counter at 1
    _password(used, user)
    assert _second_step(used, passkey)[0] == 200
    client = app.test_client()
    _password(client, user)
    status, _body = _second_step(client, passkey, **answer)
    assert status == 401 and client.get("/lookup").status_code == 302
    failures = [e for e in audit_events(app, "auth.mfa") if e.outcome == "failure"]
    assert [(_detail(e)["method"], _detail(e)["reason"]) for e in failures] == [("passkey", reason)]
    assert len(reload_user(app, user.id).recent_failures) == 1
    clone_alerts = audit_events(app, "alert.auth.passkey_clone")
    assert len(clone_alerts) == (1 if reason == "sign_count_not_increased" else 0)


def test_a_wrong_passkey_counts_against_the_account_signing_in_not_the_passkeys_owner(app: Flask) -> None:
    victim, _ = _user_with_passkey(app)
    owner, owners_key = _user_with_passkey(app)
    client = app.test_client()
    _password(client, victim)
    assert _second_step(client, owners_key)[0] == 401
    assert len(reload_user(app, victim.id).recent_failures) == 1
    assert reload_user(app, owner.id).recent_failures == []


def _phone_with_passkey(app: Flask) -> tuple[User, SoftPasskey, FlaskClient]:
    """The officer's phone: it enrolled the passkey (so it holds a device cookie), then signed out."""
    with app.app_context():
        user = make_user("officer", totp=False)
    phone = app.test_client()
    passkey = _enrol(phone, user)
    phone.post("/logout")
    return user, passkey, phone


def test_five_bad_passkey_answers_from_a_new_browser_lock_it_out_but_not_the_officers_phone(app: Flask) -> None:
    user, passkey, phone = _phone_with_passkey(app)
    stranger = app.test_client()
    _password(stranger, user)
    statuses = [_second_step(stranger, passkey, user_verified=False) for _ in range(5)]
    assert [s for s, _ in statuses] == [401] * 5
    assert statuses[-1][1]["error"] == "locked"
    locked = reload_user(app, user.id)
    assert locked.is_locked_for_unknown_devices and not locked.is_locked
    assert app.test_client().post("/login", data=login_form(user.email, DEFAULT_PASSWORD)).status_code == 401
    _password(phone, user)  # the phone it signed in on before still signs in, passkey and all
    assert _second_step(phone, passkey)[0] == 200
    assert phone.get("/lookup").status_code == 200


def test_five_bad_passkey_answers_on_the_officers_own_phone_lock_the_whole_account(app: Flask) -> None:
    user, passkey, phone = _phone_with_passkey(app)
    _password(phone, user)
    statuses = [_second_step(phone, passkey, user_verified=False) for _ in range(5)]
    assert [s for s, _ in statuses] == [401] * 5 and statuses[-1][1]["error"] == "locked"
    assert reload_user(app, user.id).is_locked
    assert phone.post("/login", data=login_form(user.email, DEFAULT_PASSWORD)).status_code == 401
    (lock,) = [_detail(event) for event in audit_events(app, "alert.auth.lockout")]
    assert lock["lock"] == "account"


def test_another_users_passkey_does_not_finish_this_users_sign_in(app: Flask) -> None:
    victim, _ = _user_with_passkey(app)
    _attacker, attackers_key = _user_with_passkey(app)
    client = app.test_client()
    _password(client, victim)
    status, _body = _second_step(client, attackers_key)
    assert status == 401 and client.get("/lookup").status_code == 302
    assert _detail(audit_events(app, "auth.mfa")[-1])["reason"] == "not_this_users_passkey"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        '{"credential": "x"}',
        '{"credential": {"id": 1}}',
        '{"credential": {"id": "AA", "rawId": "AA", "type": "public-key", "response": {}}}',
        '{"credential": {"id": "!!", "rawId": "!!", "type": "public-key", "response": {"clientDataJSON": "!!",'
        ' "authenticatorData": "%%", "signature": "", "userHandle": 5}}}',
        '{"credential": {"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": "e30",'
        ' "authenticatorData": "AAAA", "signature": "AAAA"}}}',
        '{"credential": {"id": "' + "A" * 100_000 + '"}}',
    ],
)
def test_garbage_answers_get_a_clear_error_never_a_500(app: Flask, body: str) -> None:
    user, _passkey = _user_with_passkey(app)
    for options_url, verify_url in (
        ("/login/passkey/options", "/login/passkey"),
        ("/login/discover/options", "/login/discover"),
    ):
        client = app.test_client()
        if verify_url == "/login/passkey":
            _password(client, user)
        _options(client, options_url)
        response = client.post(
            verify_url,
            data=_acknowledged(body) if verify_url == "/login/discover" else body,
            content_type="application/json",
        )
        assert response.status_code in (400, 401), (verify_url, response.status_code)
        assert response.get_json()["message"]
        assert client.get("/lookup").status_code == 302
    enrolling = make_enrolling_client(app)
    _options(enrolling, "/login/enrol/passkey/options")
    response = enrolling.post("/login/enrol/passkey", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["message"]


def _acknowledged(body: str) -> str:
    """The same body with the notice acknowledged, when it is a JSON object: the credential is what is tested."""
    return body[:-1] + ', "acknowledge": true}' if body.startswith("{") else body


def make_enrolling_client(app: Flask) -> FlaskClient:
    with app.app_context():
        user = make_user("officer", totp=False)
    client = app.test_client()
    _password(client, user)
    return client


def test_the_passkey_steps_need_the_password_first(app: Flask, client: FlaskClient) -> None:
    assert client.get("/login/passkey").headers["Location"] == "/login"
    for url in ("/login/passkey/options", "/login/passkey", "/login/enrol/passkey/options", "/login/enrol/passkey"):
        response = client.post(url, json={})
        assert response.status_code == 409 and response.get_json()["redirect"] == "/login", url


# --- The login page's passkey button: the one-touch re-sign-in ----------------------------------------------------


def _discover(client: FlaskClient, passkey: SoftPasskey, **body: object) -> tuple[int, dict]:
    answer = passkey.get(_options(client, "/login/discover/options"))
    response = client.post("/login/discover", json={"credential": answer, "acknowledge": True, **body})
    return response.status_code, response.get_json()


def test_a_passkey_alone_signs_in_from_the_login_page_with_no_email_or_password(app: Flask) -> None:
    user, passkey = _user_with_passkey(app)
    client = app.test_client()
    status, body = _discover(client, passkey, next="/incidents")
    assert (status, body) == (200, {"redirect": "/incidents"})
    assert client.get("/incidents").status_code == 200
    login = [e for e in audit_events(app, "auth.login") if e.outcome == "success"][-1]
    assert _detail(login) == {"second_factor": True, "method": "passkey", "banner_acknowledged": True}
    assert _detail(audit_events(app, "auth.mfa")[-1])["purpose"] == "sign_in"
    assert reload_user(app, user.id).last_login_at is not None


def test_the_login_page_passkey_needs_the_notice_acknowledged(app: Flask) -> None:
    _user, passkey = _user_with_passkey(app)
    client = app.test_client()
    status, body = _discover(client, passkey, acknowledge=False)
    assert status == 400 and "notice" in body["message"]
    assert client.get("/lookup").status_code == 302


def test_the_login_page_passkey_opens_no_disabled_or_locked_account(app: Flask) -> None:
    user, passkey = _user_with_passkey(app)
    with app.app_context():
        accounts.disable_user(user.id, actor=Actor.cli())
    client = app.test_client()
    assert _discover(client, passkey)[0] == 401
    with app.app_context():
        accounts.enable_user(user.id, actor=Actor.cli())
        db.session.get(User, user.id).locked_at = datetime.now(UTC)  # type: ignore[union-attr]
        db.session.commit()
    status, body = _discover(client, passkey)
    assert status == 401 and body["error"] == "locked"
    assert client.get("/lookup").status_code == 302


def test_an_unknown_passkey_is_refused_without_locking_anyone(app: Flask) -> None:
    _user_with_passkey(app)
    stranger = SoftPasskey()
    stranger.user_handle = b"envoy-user-1"
    status, _ = _discover(app.test_client(), stranger)
    assert status == 401
    assert _detail(audit_events(app, "auth.mfa")[-1])["reason"] == "unknown_passkey"


# --- Re-authentication before privileged actions --------------------------------------------------------------------


def test_a_passkey_user_confirms_a_privileged_action_with_the_passkey_alone(app: Flask) -> None:
    admin, passkey = _user_with_passkey(app, "admin")
    client = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        _password(client, admin)
        _second_step(client, passkey)
        clock.shift(timedelta(minutes=16))  # past REAUTH_MINUTES, within the idle timeout
        assert client.get("/account/passkeys").headers["Location"].startswith("/login/confirm")
        page = client.get("/login/confirm?next=/account/passkeys").get_data(as_text=True)
        assert "Confirm with your passkey" in page and 'name="password"' not in page
        answer = passkey.get(_options(client, "/login/confirm/passkey/options"))
        response = client.post("/login/confirm/passkey", json={"credential": answer, "next": "/account/passkeys"})
        assert response.get_json() == {"redirect": "/account/passkeys"}
        assert client.get("/account/passkeys").status_code == 200
    assert [e.outcome for e in audit_events(app, "auth.reauth")] == ["success"]


def test_a_passkey_only_user_cannot_confirm_with_the_password_alone(app: Flask) -> None:
    admin, passkey = _user_with_passkey(app, "admin")
    client = app.test_client()
    _password(client, admin)
    _second_step(client, passkey)
    response = client.post("/login/confirm", data={"password": DEFAULT_PASSWORD, "next": "/account/passkeys"})
    assert response.status_code == 401
    assert [e.outcome for e in audit_events(app, "auth.reauth")] == ["failure"]


# --- The account page -------------------------------------------------------------------------------------------------


def _signed_in_with_passkey(app: Flask, role: str = "officer") -> tuple[FlaskClient, User, SoftPasskey]:
    user, passkey = _user_with_passkey(app, role)
    client = app.test_client()
    _password(client, user)
    assert _second_step(client, passkey)[0] == 200
    return client, user, passkey


def test_a_second_passkey_is_added_listed_and_the_first_removed(app: Flask) -> None:
    client, user, first = _signed_in_with_passkey(app)
    second = SoftPasskey()
    options = _options(client, "/account/passkeys/options")
    assert [c["id"] for c in options["excludeCredentials"]] == [b64url(first.credential_id)]
    response = client.post("/account/passkeys", json={"credential": second.create(options), "name": "Desk key"})
    assert response.get_json() == {"redirect": "/account/passkeys"}
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert 'data-passkey-row="Work phone"' in page and 'data-passkey-row="Desk key"' in page
    first_id = _passkeys(app, user.id)[0].id
    assert client.post(f"/account/passkeys/{first_id}/remove").status_code == 303
    assert [p.name for p in _passkeys(app, user.id)] == ["Desk key"]
    assert [e.outcome for e in audit_events(app, "auth.passkey_remove")] == ["success"]
    # The removed passkey no longer signs anyone in.
    assert _discover(app.test_client(), first)[0] == 401


def test_removing_the_last_second_factor_is_refused_with_the_reason(app: Flask) -> None:
    client, user, _passkey = _signed_in_with_passkey(app)
    [only] = _passkeys(app, user.id)
    response = client.post(f"/account/passkeys/{only.id}/remove")
    assert response.status_code == 409
    assert "only second factor" in response.get_data(as_text=True)
    assert len(_passkeys(app, user.id)) == 1


def test_someone_elses_passkey_cannot_be_removed(app: Flask) -> None:
    client, _user, _ = _signed_in_with_passkey(app)
    other, _ = _user_with_passkey(app)
    [theirs] = _passkeys(app, other.id)
    assert client.post(f"/account/passkeys/{theirs.id}/remove").status_code == 409
    assert len(_passkeys(app, other.id)) == 1


def test_adding_a_passkey_needs_a_recent_sign_in(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client, _user, _ = _signed_in_with_passkey(app)
        clock.shift(timedelta(minutes=16))
        response = client.post("/account/passkeys/options", json={})
        assert response.status_code == 403 and response.get_json()["error"] == "confirm"
        assert client.get("/account/passkeys").headers["Location"].startswith("/login/confirm")


def test_an_admin_reset_removes_every_passkey_and_ends_the_users_sessions(app: Flask) -> None:
    client, user, passkey = _signed_in_with_passkey(app)
    assert session_rows(app) == 1
    with app.app_context():
        accounts.reset_second_factor(user.id, actor=Actor.cli())
    assert _passkeys(app, user.id) == [] and session_rows(app) == 0
    assert client.get("/lookup").status_code == 302
    assert _discover(app.test_client(), passkey)[0] == 401
    assert _password(app.test_client(), user) == "/login/enrol"
    assert _detail(audit_events(app, "admin.mfa_reset")[-1])["passkeys_removed"] == 1


# --- CSRF and what the audit trail keeps ------------------------------------------------------------------------------


def test_the_json_steps_need_the_csrf_token(app_with: Callable[..., Flask]) -> None:
    app = app_with(WTF_CSRF_ENABLED=True, MFA_REQUIRED_ROLES=DEFAULTS["MFA_REQUIRED_ROLES"])
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/login/discover/options", json={}).status_code == 400
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/login/discover/options", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["options"]["userVerification"] == "required"


def test_the_options_name_envoy_from_base_url_and_require_user_verification(app: Flask) -> None:
    with app.app_context():
        user = make_user("officer", totp=False)
    client = app.test_client()
    _password(client, user)
    options = _options(client, "/login/enrol/passkey/options")
    assert options["rp"] == {"name": "Envoy", "id": "envoy.example.gov"}
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert user.email not in str(options["user"]["id"])


def test_no_key_material_reaches_the_audit_trail(app: Flask) -> None:
    user, passkey = _user_with_passkey(app)
    stored = " ".join(f"{e.detail} {e.query}" for e in audit_events(app))
    assert b64url(passkey.credential_id) not in stored
    [row] = _passkeys(app, user.id)
    assert b64url(row.public_key) not in stored


def test_the_passkey_sign_in_steps_share_the_sign_in_rate_limit_per_address(app_with: Callable[..., Flask]) -> None:
    app = app_with(
        RATELIMIT_ENABLED=True, SIGNIN_RATE_PER_IP="2/minute", MFA_REQUIRED_ROLES=DEFAULTS["MFA_REQUIRED_ROLES"]
    )
    client = app.test_client()
    assert client.post("/login/discover/options", json={}).status_code == 200
    assert client.post("/login/discover", json={"acknowledge": True}).status_code == 401
    refused = client.post("/login/discover/options", json={}, headers={"Accept": "application/json"})
    assert refused.status_code == 429 and refused.get_json()["message"]
