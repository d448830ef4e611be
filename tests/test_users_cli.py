"""`flask users ...`: create, unlock, disable; demo accounts and TOTP codes for development only."""

import re
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.config import DEFAULTS
from app.extensions import db
from app.models import Agency, User
from tests.auth_support import TEST_TOTP_KEYS, audit_events, login_form, reload_user, session_rows
from tests.conftest import sign_in
from tests.factories import make_user

PASSWORD = "harbour lights over the quay"

# Where each role lands after signing in without a `next`: the page it works on.
START_PAGES = {"officer": "/lookup", "dispatcher": "/dispatch", "reviewer": "/", "admin": "/"}


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_create_reads_the_password_from_standard_input(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "Sam.Ortiz@Metro.example.gov", "--role", "officer", "--agency", "Metro Police"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created sam.ortiz@metro.example.gov (officer, Metro Police)" in result.output
    assert PASSWORD not in result.output
    assert sign_in(app.test_client(), "sam.ortiz@metro.example.gov", PASSWORD).headers["Location"] == "/lookup"
    created = audit_events(app, "admin.user_create")
    assert [(e.user_role, e.record_ids) for e in created] == [("cli", "1")]


def test_create_says_when_the_new_account_must_set_up_an_authenticator(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "rae@ofm.example.gov", "--role", "reviewer", "--agency", "OFM"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0
    assert "authenticator app" in result.output


def test_create_reuses_an_existing_agency(app: Flask, runner: FlaskCliRunner) -> None:
    for email in ("a@metro.example.gov", "b@metro.example.gov"):
        runner.invoke(args=["users", "create", email, "--role", "officer", "--agency", "Metro Police"], input=PASSWORD)
    assert _count(app, User) == 2 and _count(app, Agency) == 1


@pytest.mark.parametrize(
    "args, password, message",
    [
        (["x@metro.example.gov", "--role", "officer", "--agency", "Metro"], "Password1!", "at least 15 characters"),
        (["not-an-email", "--role", "officer", "--agency", "Metro"], PASSWORD, "email address like"),
        (["x@metro.example.gov", "--role", "officer", "--agency", "  "], PASSWORD, "agency's name"),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, args: list[str], password: str, message: str
) -> None:
    result = runner.invoke(args=["users", "create", *args], input=password + "\n")
    assert result.exit_code == 1
    assert message in result.output and "nothing was changed" in result.output
    assert _count(app, User) == 0 and _count(app, Agency) == 0


def test_create_refuses_an_unknown_role(runner: FlaskCliRunner) -> None:
    args = ["users", "create", "x@m.example.gov", "--role", "chief", "--agency", "M"]
    result = runner.invoke(args=args, input=PASSWORD)
    assert result.exit_code == 2


def test_create_refuses_an_email_that_already_has_an_account(app: Flask, runner: FlaskCliRunner) -> None:
    args = ["users", "create", "x@metro.example.gov", "--role", "officer", "--agency", "Metro"]
    runner.invoke(args=args, input=PASSWORD)
    result = runner.invoke(args=[*args[:2], "X@METRO.example.gov", *args[3:]], input=PASSWORD)
    assert result.exit_code == 1 and "already exists" in result.output
    assert _count(app, User) == 1


def test_unlock_releases_a_locked_account(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        user = make_user("officer")
    client = app.test_client()
    for _ in range(5):
        client.post("/login", data=login_form(user.email, "not the password at all"))
    result = runner.invoke(args=["users", "unlock", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert not reload_user(app, user.id).is_locked
    assert sign_in(client, user.email).headers["Location"] == "/lookup"


def test_disable_ends_the_accounts_sessions(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        user = make_user("officer")
    client = app.test_client()
    sign_in(client, user.email)
    result = runner.invoke(args=["users", "disable", user.email])
    assert result.exit_code == 0
    assert session_rows(app) == 0
    assert client.get("/").status_code == 302


def test_unlock_and_disable_name_an_unknown_email(runner: FlaskCliRunner) -> None:
    for command in ("unlock", "disable", "totp"):
        result = runner.invoke(args=["users", command, "nobody@example.gov"])
        assert result.exit_code == 1 and "no account with email nobody@example.gov" in result.output


def _demo_accounts(output: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^  (officer|dispatcher|reviewer|admin)\s+(\S+@\S+)\s+(.+)$", output, re.MULTILINE)
    return {role: (email, password) for role, email, password in rows}


def test_demo_creates_one_account_per_role_and_prints_how_to_sign_in(app_with: Callable[..., Flask]) -> None:
    app = app_with(MFA_REQUIRED_ROLES=DEFAULTS["MFA_REQUIRED_ROLES"])  # every role needs a second factor
    result = app.test_cli_runner().invoke(args=["users", "demo"])
    assert result.exit_code == 0, result.output
    accounts = _demo_accounts(result.output)
    assert set(accounts) == {"officer", "dispatcher", "reviewer", "admin"}
    keys = dict(re.findall(r"^  (\S+@\S+)\n    key:  ([A-Z2-7]+)$", result.output, re.MULTILINE))
    assert set(keys) == {email for email, _password in accounts.values()}
    assert "/account/passkeys" in result.output
    assert "otpauth://totp/Envoy:" in result.output
    assert "flask --app wsgi users totp " + accounts["admin"][0] in result.output
    for role, (email, password) in accounts.items():
        client = app.test_client()
        response = sign_in(client, email, password, keys.get(email))
        assert response.headers["Location"] == START_PAGES[role], role
    with app.app_context():
        agencies = set(db.session.scalars(select(Agency.name)))
    assert agencies == {"Demo Police Department", "Office of Foreign Missions"}


def test_demo_run_twice_changes_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["users", "demo"])
    second = runner.invoke(args=["users", "demo"])
    assert second.exit_code == 0
    assert first.output == second.output
    assert _count(app, User) == 4


def test_totp_prints_the_current_code_in_development(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        user = make_user("admin")
    result = runner.invoke(args=["users", "totp", user.email])
    assert result.exit_code == 0
    code = result.output.split()[0]
    assert re.fullmatch(r"\d{6}", code)
    assert pyotp.TOTP(user.totp_secret).verify(code, valid_window=1)


@pytest.fixture
def production_app(app_with: Callable[..., Flask]) -> Flask:
    return app_with(
        ENVOY_ENV="production",
        SECRET_KEY="production-test-secret-" * 3,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        TRUSTED_PROXIES=1,
        TOTP_KEYS=TEST_TOTP_KEYS,
    )


def test_demo_and_totp_are_refused_in_production(production_app: Flask) -> None:
    with production_app.app_context():
        user = make_user("admin")
    runner = production_app.test_cli_runner()
    demo = runner.invoke(args=["users", "demo"])
    assert demo.exit_code == 1 and "refused because ENVOY_ENV=production" in demo.output
    totp = runner.invoke(args=["users", "totp", user.email])
    assert totp.exit_code == 1 and "refused" in totp.output
    assert _count(production_app, User) == 1


def test_agency_sets_where_an_agency_works_and_the_incident_form_starts_there(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        officer = make_user("officer", agency="Chicago Police")
        email = officer.email
    result = runner.invoke(
        args=["users", "agency", "chicago police", "--state", "il", "--time-zone", "America/Chicago"]
    )
    assert result.exit_code == 0, result.output
    assert "Chicago Police: state IL, time zone America/Chicago" in result.output
    assert [e.record_ids for e in audit_events(app, "admin.agency_update")]
    client = app.test_client()
    sign_in(client, email)
    form = client.get("/incidents/new").get_data(as_text=True)
    assert 'name="state" type="text" value="IL"' in form
    assert 'name="time_zone" value="America/Chicago"' in form


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--state", "ZZ"], "'ZZ' is not a US state"),
        (["--time-zone", "Mars/Olympus"], "'Mars/Olympus' is not a time zone"),
    ],
)
def test_agency_refuses_an_unknown_state_or_zone_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, options: list[str], message: str
) -> None:
    with app.app_context():
        make_user("officer", agency="Chicago Police")
    result = runner.invoke(args=["users", "agency", "Chicago Police", *options])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        agency = db.session.scalars(select(Agency).where(Agency.name == "Chicago Police")).one()
        assert agency.state is None and agency.time_zone is None
