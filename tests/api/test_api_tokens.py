"""API bearer tokens: made once and stored hashed, listed, revoked, and refused when their user cannot act."""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from app.api import tokens
from app.audit.actor import Actor
from app.auth import accounts
from app.extensions import db
from app.models import ApiToken, AuditEvent, User
from tests.conftest import csrf_from
from tests.factories import make_user

TokenFor = Callable[..., tuple[User, dict[str, str]]]
PLATE = "/api/v1/plates/DWJ1204"


def audit_actions(app: Flask, prefix: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith(prefix))))


def test_cli_create_prints_the_token_alone_on_the_last_line_and_stores_only_its_hash(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        make_user("dispatcher", email="cad@pd.example")
    result = runner.invoke(args=["api-tokens", "create", "cad@pd.example", "--name", "County CAD", "--days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"envoy_[A-Za-z0-9_-]{43}", secret)
    assert result.output.count(secret) == 1
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (row.prefix, row.name, row.token_hash)
        assert row.name == "County CAD"
        assert timedelta(days=29, hours=23) < row.expires_at - row.created_at <= timedelta(days=30)
    (event,) = audit_actions(app, "api_token.create")
    assert event.user_role == "cli" and secret not in event.detail


def test_cli_create_refuses_more_days_than_the_maximum(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        make_user("dispatcher", email="cad@pd.example")
    result = runner.invoke(args=["api-tokens", "create", "cad@pd.example", "--days", "400"])
    assert result.exit_code != 0 and "1 to 365 days" in result.output


def test_cli_create_uses_the_default_lifetime_from_configuration(app_with: Callable[..., Flask]) -> None:
    app = app_with(API_TOKEN_DAYS_DEFAULT=7)
    with app.app_context():
        make_user("officer", email="rms@pd.example")
    result = app.test_cli_runner().invoke(args=["api-tokens", "create", "rms@pd.example"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.expires_at - row.created_at == timedelta(days=7)


def test_cli_create_refuses_an_unknown_or_disabled_user(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        make_user("dispatcher", email="gone@pd.example", is_disabled=True, disabled_reason="admin")
    assert "no account" in runner.invoke(args=["api-tokens", "create", "nobody@pd.example"]).output
    assert "disabled" in runner.invoke(args=["api-tokens", "create", "gone@pd.example"]).output


def test_cli_lists_and_revokes_tokens(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, token_for: TokenFor
) -> None:
    user, headers = token_for("dispatcher")
    listed = runner.invoke(args=["api-tokens", "list", user.email])
    assert listed.exit_code == 0 and "active" in listed.output and user.email in listed.output
    assert headers["Authorization"].removeprefix("Bearer ") not in listed.output
    assert client.get(PLATE, headers=headers).status_code != 401
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    revoked = runner.invoke(args=["api-tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(args=["api-tokens", "list"]).output
    assert [e.outcome for e in audit_actions(app, "api_token.revoke")] == ["success"]


def test_a_revoked_token_gets_401_on_its_next_call(app: Flask, client: FlaskClient, token_for: TokenFor) -> None:
    _user, headers = token_for("dispatcher")
    assert client.get(PLATE, headers=headers).status_code == 404  # works (empty registry: no such plate)
    with app.app_context():
        tokens.revoke_token(db.session.scalars(select(ApiToken.id)).one(), actor=Actor.cli())
    response = client.get(PLATE, headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    denied = audit_actions(app, "api.auth")
    assert [json.loads(e.detail)["reason"] for e in denied] == ["revoked"]


def test_a_disabled_users_token_gets_401_on_its_next_call(app: Flask, client: FlaskClient, token_for: TokenFor) -> None:
    user, headers = token_for("dispatcher")
    assert client.get(PLATE, headers=headers).status_code == 404
    with app.app_context():
        accounts.disable_user(user.id, actor=Actor.cli())
    assert client.get(PLATE, headers=headers).status_code == 401


def test_a_locked_users_token_gets_401(app: Flask, client: FlaskClient, token_for: TokenFor) -> None:
    user, headers = token_for("officer")
    assert client.get(PLATE, headers=headers).status_code == 404
    with app.app_context():
        db.session.get(User, user.id).locked_at = datetime.now(UTC)  # five failed sign-ins (CJIS AC-7)
        db.session.commit()
    assert client.get(PLATE, headers=headers).status_code == 401


def test_an_idle_users_token_stops_after_90_days_without_a_sign_in(client: FlaskClient, token_for: TokenFor) -> None:
    _user, headers = token_for("dispatcher")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=89), tick=False):
        assert client.get(PLATE, headers=headers).status_code == 404
    with time_machine.travel(datetime.now(UTC) + timedelta(days=91), tick=False):
        assert client.get(PLATE, headers=headers).status_code == 401


def test_an_expired_token_gets_401(client: FlaskClient, token_for: TokenFor) -> None:
    _user, headers = token_for("dispatcher")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=91), tick=False):
        assert client.get(PLATE, headers=headers).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer envoy_" + "A" * 43, "Bearer not-a-token", "Basic ZGlzcGF0Y2g6cGFzcw==", "Bearer "]
)
def test_an_unknown_or_malformed_credential_gets_401(client: FlaskClient, header: str) -> None:
    response = client.get(PLATE, headers={"Authorization": header})
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_a_call_records_when_the_token_was_last_used(app: Flask, client: FlaskClient, token_for: TokenFor) -> None:
    _user, headers = token_for("dispatcher")
    client.get(PLATE, headers=headers)
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


# --- The admin page -------------------------------------------------------------------------------------------


def test_an_admin_makes_a_token_on_the_page_and_sees_it_once(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as("admin")
    with app.app_context():
        make_user("dispatcher", email="cad@pd.example")
    page = client.get("/admin/api-tokens")
    assert page.status_code == 200
    made = client.post(
        "/admin/api-tokens",
        data={"email": "cad@pd.example", "name": "County CAD", "days": "30", "csrf_token": csrf_from(page) or ""},
    )
    assert made.status_code == 200
    secret = re.search(r"data-token>(envoy_[A-Za-z0-9_-]{43})<", made.get_data(as_text=True))
    assert secret is not None
    assert client.get(PLATE, headers={"Authorization": f"Bearer {secret.group(1)}"}).status_code == 404
    again = client.get("/admin/api-tokens").get_data(as_text=True)
    assert secret.group(1) not in again and "County CAD" in again and "cad@pd.example" in again


def test_an_admin_revokes_a_token_after_confirming(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], token_for: TokenFor
) -> None:
    _user, headers = token_for("dispatcher")
    login_as("admin")
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    page = client.get("/admin/api-tokens")
    assert "data-confirm=" in page.get_data(as_text=True)
    question = client.post(f"/admin/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page) or ""})
    assert question.status_code == 200 and "Revoke token" in question.get_data(as_text=True)
    assert client.get(PLATE, headers=headers).status_code == 404  # not revoked before confirming
    done = client.post(f"/admin/api-tokens/{token_id}/revoke", data={"confirmed": "yes"})
    assert done.status_code == 303
    assert client.get(PLATE, headers=headers).status_code == 401
    assert 'data-state="revoked"' in client.get("/admin/api-tokens").get_data(as_text=True)


def test_the_admin_page_refuses_too_many_days(app: Flask, client: FlaskClient, login_as: Callable[..., User]) -> None:
    login_as("admin")
    with app.app_context():
        make_user("dispatcher", email="cad@pd.example")
    refused = client.post("/admin/api-tokens", data={"email": "cad@pd.example", "days": "9999"})
    assert refused.status_code == 400 and "1 to 365 days" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []
