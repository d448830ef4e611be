"""Accounts unused for 90 days are disabled (CJIS AC-2(3)) at sign-in or by the daily job; an admin enables them."""

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.auth import accounts
from app.models import User
from app.models.base import utcnow
from tests.auth_support import audit_events, reload_user
from tests.conftest import sign_in
from tests.factories import make_user


def make_idle(app: Flask, days: int, **fields: object) -> User:
    """An officer created long ago who last signed in `days` ago."""
    with app.app_context():
        return make_user(
            "officer",
            created_at=utcnow() - timedelta(days=400),
            last_login_at=utcnow() - timedelta(days=days),
            **fields,
        )


def test_signing_in_after_90_idle_days_disables_the_account_with_the_usual_refusal(
    app: Flask, client: FlaskClient
) -> None:
    user = make_idle(app, 91)
    response = sign_in(client, user.email)
    assert response.status_code == 401
    assert "locked or disabled" in response.get_data(as_text=True)
    after = reload_user(app, user.id)
    assert after.is_disabled and after.disabled_reason == "idle"
    [disabled] = audit_events(app, "admin.user_disable")
    assert '"reason":"idle"' in disabled.detail
    # The event names when the account was last used, not the moment it was disabled.
    assert f'"last_active_at":"{(utcnow() - timedelta(days=91)).date().isoformat()}' in disabled.detail
    [login] = audit_events(app, "auth.login")
    assert login.outcome == "failure" and "idle_account_disabled" in login.detail


def test_an_account_used_within_90_days_signs_in(app: Flask, client: FlaskClient) -> None:
    user = make_idle(app, 89)
    assert sign_in(client, user.email).status_code == 302
    assert not reload_user(app, user.id).is_disabled


def test_a_new_account_never_used_counts_from_its_creation(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        fresh = make_user("officer", created_at=utcnow() - timedelta(days=10))
        stale = make_user("officer", created_at=utcnow() - timedelta(days=120))
    assert sign_in(client, fresh.email).status_code == 302
    assert sign_in(app.test_client(), stale.email).status_code == 401
    assert reload_user(app, stale.id).disabled_reason == "idle"


def test_the_daily_job_disables_only_idle_enabled_accounts(app: Flask, runner: FlaskCliRunner) -> None:
    idle = make_idle(app, 120)
    active = make_idle(app, 5)
    already = make_idle(app, 200, is_disabled=True, disabled_reason="admin")
    result = runner.invoke(args=["users", "disable-idle"])
    assert result.exit_code == 0, result.output
    assert f"disabled {idle.email}: unused for 90 days" in result.output
    assert "1 idle account(s) disabled" in result.output
    assert reload_user(app, idle.id).disabled_reason == "idle"
    assert not reload_user(app, active.id).is_disabled
    assert reload_user(app, already.id).disabled_reason == "admin"


def test_enabling_restarts_the_idle_clock_so_the_user_can_sign_in(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    user = make_idle(app, 120)
    runner.invoke(args=["users", "disable-idle"])
    result = runner.invoke(args=["users", "enable", user.email])
    assert result.exit_code == 0, result.output
    after = reload_user(app, user.id)
    assert not after.is_disabled and after.disabled_reason is None
    assert sign_in(client, user.email).status_code == 302
    [event] = audit_events(app, "admin.user_enable")
    assert '"was":"idle"' in event.detail


def test_enabling_an_enabled_account_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_idle(app, 1)
    result = runner.invoke(args=["users", "enable", user.email])
    assert result.exit_code != 0 and "is not disabled" in result.output


def test_the_admin_page_shows_why_an_account_is_disabled_and_enables_it(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = make_idle(app, 120)
    with app.app_context():
        accounts.disable_idle_accounts()
    login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'data-disabled="idle"' in page and "disabled (unused 90 days)" in page
    response = client.post(f"/admin/users/{user.id}/enable")
    assert response.status_code == 303
    assert not reload_user(app, user.id).is_disabled


def test_an_administrators_disable_is_recorded_as_such(app: Flask, runner: FlaskCliRunner) -> None:
    user = make_idle(app, 1)
    assert runner.invoke(args=["users", "disable", user.email]).exit_code == 0
    after = reload_user(app, user.id)
    assert after.disabled_reason == "admin" and after.status_changed_at is not None
