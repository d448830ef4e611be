"""TOTP second factor: required for every role by default (relaxed for officers and dispatchers only by configuration
outside production), enrolment, no replay. Passkeys: test_passkeys.py."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.auth import totp
from app.config import DEFAULTS
from app.models import User
from tests.auth_support import audit_events, login_form, reload_user
from tests.conftest import build_app, close_app, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)  # 5 s into a 30 s step


@pytest.fixture
def app() -> Iterator[Flask]:
    """The real default (every role needs a second factor), not the relaxed list of the other tests' apps."""
    app = build_app(MFA_REQUIRED_ROLES=DEFAULTS["MFA_REQUIRED_ROLES"])
    yield app
    close_app(app)


def _password(client: FlaskClient, user: User) -> str:
    response = client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD))
    assert response.status_code == 302
    return response.headers["Location"]


def _code(client: FlaskClient, code: str) -> int:
    response = client.post("/login/code", data={"code": code})
    return response.status_code


@pytest.mark.parametrize("role", ["officer", "dispatcher", "reviewer", "admin"])
def test_every_role_is_asked_for_a_code_after_their_password(app: Flask, client: FlaskClient, role: str) -> None:
    with app.app_context():
        user = make_user(role)
    assert _password(client, user) == "/login/code"
    assert client.get("/").status_code == 302
    assert "authenticator app" in client.get("/login/code").get_data(as_text=True)


def test_the_right_code_completes_sign_in(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("reviewer")
    _password(client, user)
    response = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert [e.outcome for e in audit_events(app, "auth.mfa")] == ["success"]


def test_a_wrong_code_is_refused_with_401_and_audited(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("admin")
    _password(client, user)
    right = pyotp.TOTP(user.totp_secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert _code(client, wrong) == 401
    assert client.get("/").status_code == 302
    assert [e.outcome for e in audit_events(app, "auth.mfa")] == ["failure"]


def test_a_code_cannot_be_used_twice(app: Flask) -> None:
    with app.app_context():
        user = make_user("admin")
    assert user.totp_secret is not None
    with time_machine.travel(START, tick=False):
        code = pyotp.TOTP(user.totp_secret).now()
        first, second = app.test_client(), app.test_client()
        _password(first, user)
        assert _code(first, code) == 302
        _password(second, user)
        assert _code(second, code) == 401
    assert second.get("/").status_code == 302
    assert [e.outcome for e in audit_events(app, "auth.mfa")] == ["success", "replay"]


def test_an_older_code_is_refused_once_a_newer_one_was_used(app: Flask) -> None:
    with app.app_context():
        user = make_user("admin")
    secret = user.totp_secret or ""
    with time_machine.travel(START, tick=False):
        step = totp.time_step(datetime.now(UTC))
        client = app.test_client()
        _password(client, user)
        assert _code(client, totp.code_at_step(secret, step)) == 302
        other = app.test_client()
        _password(other, user)
        assert _code(other, totp.code_at_step(secret, step - 1)) == 401


@pytest.mark.parametrize("offset, accepted", [(0, True), (-1, True), (-2, False), (1, False)])
def test_codes_from_now_or_one_step_back_are_accepted_never_ahead(offset: int, accepted: bool) -> None:
    secret = pyotp.random_base32()
    step = totp.time_step(START)
    code = totp.code_at_step(secret, step + offset)
    assert (totp.matching_step(secret, code, START) == step + offset) is accepted


def test_codes_that_are_not_six_digits_never_match() -> None:
    secret = pyotp.random_base32()
    assert totp.matching_step(secret, "12345a", START) is None
    assert totp.matching_step(secret, "", START) is None
    assert totp.matching_step(secret, "1" * 7, START) is None


def test_five_wrong_codes_lock_the_account(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("admin")
    _password(client, user)
    for _ in range(4):
        assert _code(client, "000000") in (401,)
    response = client.post("/login/code", data={"code": "000000"})
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)
    assert reload_user(app, user.id).is_locked_for_unknown_devices  # a browser the admin never signed in on
    assert client.get("/login/code").headers["Location"] == "/login"


def test_an_officer_without_a_second_factor_must_set_one_up_by_default(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("officer", totp=False)
    assert _password(client, user) == "/login/enrol"
    assert client.get("/lookup").status_code == 302


@pytest.fixture
def relaxed_app(app_with: Callable[..., Flask]) -> Flask:
    return app_with(MFA_REQUIRED_ROLES=("reviewer", "admin"))


def test_outside_production_configuration_may_let_officers_sign_in_with_a_password(relaxed_app: Flask) -> None:
    client = relaxed_app.test_client()
    with relaxed_app.app_context():
        user = make_user("officer", totp=False)
    assert _password(client, user) == "/lookup"


def test_an_officer_who_set_up_an_authenticator_is_always_asked_for_a_code(relaxed_app: Flask) -> None:
    with relaxed_app.app_context():
        user = make_user("officer", totp=True)
    assert _password(relaxed_app.test_client(), user) == "/login/code"


def test_reviewers_and_admins_need_a_second_factor_whatever_the_configuration_says(
    app_with: Callable[..., Flask],
) -> None:
    app = app_with(MFA_REQUIRED_ROLES=())
    for role in ("reviewer", "admin"):
        with app.app_context():
            user = make_user(role, totp=False)
        assert _password(app.test_client(), user) == "/login/enrol"


def _enrol_secret(page: str) -> str:
    match = re.search(r"data-totp-key>([A-Z2-7 ]+)<", page)
    assert match, "no manual key on the enrolment page"
    return match.group(1).replace(" ", "")


def test_a_user_without_an_authenticator_enrols_with_the_qr_code_or_the_key(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("reviewer", totp=False)
    assert _password(client, user) == "/login/enrol"
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "<svg" in page and "style=" not in page
    secret = _enrol_secret(page)
    assert client.get("/").status_code == 302
    response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert reload_user(app, user.id).totp_secret == secret
    assert client.get("/").status_code == 200


def test_a_wrong_enrolment_code_keeps_nothing(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("reviewer", totp=False)
    _password(client, user)
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = _enrol_secret(page)
    right = pyotp.TOTP(secret).now()
    response = client.post("/login/enrol", data={"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    assert response.status_code == 401
    assert _enrol_secret(response.get_data(as_text=True)) == secret  # same key: the app already has it
    assert reload_user(app, user.id).totp_secret is None


def test_the_enrolment_qr_code_is_the_otpauth_uri_with_no_style_attributes() -> None:
    svg = str(totp.qr_svg(totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "kim@example.gov")))
    assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "kim@example.gov")
    assert uri.startswith("otpauth://totp/Envoy:kim%40example.gov?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")


def test_the_code_and_enrolment_pages_need_the_password_first(client: FlaskClient) -> None:
    for path in ("/login/code", "/login/enrol"):
        assert client.get(path).headers["Location"] == "/login"
    assert client.post("/login/code", data={"code": "123456"}).headers["Location"] == "/login"


def test_the_password_step_expires_after_ten_minutes(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("admin")
    with time_machine.travel(START, tick=False) as clock:
        _password(client, user)
        clock.shift(timedelta(minutes=10, seconds=1))
        response = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_no_code_reaches_the_audit_trail(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("admin")
    _password(client, user)
    _code(client, "918273")
    code = pyotp.TOTP(user.totp_secret).now()
    _code(client, code)
    stored = " ".join(f"{e.detail} {e.query}" for e in audit_events(app))
    assert "918273" not in stored and code not in stored
    assert user.totp_secret not in stored


def test_login_as_signs_in_every_role(login_as: object, client: FlaskClient) -> None:
    for role in ("officer", "dispatcher", "reviewer", "admin"):
        user = login_as(role)  # type: ignore[operator]
        assert client.get("/").status_code == 200
        assert f"{user.email} · {role}" in client.get("/").get_data(as_text=True)
        client.post("/logout")


def test_sign_in_helper_fails_loudly_without_a_code_for_an_mfa_role(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("admin")
    with pytest.raises(AssertionError):
        sign_in(client, user.email)
