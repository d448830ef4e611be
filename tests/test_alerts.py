"""Alerts as the attacks that raise them: a locked account, a broken rate limit; and the admin page that shows them.

Each alert is a JSON line on the `envoy.alerts` logger and an `alert.<kind>` audit event (outcome `raised`).
"""

import html
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.audit import alerts, service
from app.audit.actor import Actor
from app.extensions import db
from app.models import User
from tests.auth_support import audit_events, login_form, reload_user
from tests.factories import DEFAULT_PASSWORD, make_user

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
URL = "/admin/alerts"
WRONG = "Tr0ub4dor&3-not-it"
OFFICE = "198.51.100.7"


@pytest.fixture
def alert_log(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[dict[str, object]]]]:
    """The alert lines logged so far, parsed: each must be one valid JSON object."""
    # Alembic's fileConfig (the migration tests) disables loggers that already exist; this one must log.
    logger = logging.getLogger("envoy.alerts")
    was_disabled, logger.disabled = logger.disabled, False
    with caplog.at_level(logging.CRITICAL, logger="envoy.alerts"):
        yield lambda: [
            json.loads(r.getMessage()) for r in caplog.records if r.name == "envoy.alerts" and r.levelname == "CRITICAL"
        ]
    logger.disabled = was_disabled


@pytest.fixture
def officer(app: Flask) -> User:
    with app.app_context():
        return make_user("officer", email="kim.lee@metro.example.gov")


# --- Lockout -------------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_and_raise_exactly_one_lockout_alert(
    app: Flask, client: FlaskClient, officer: User, alert_log: Callable[[], list[dict[str, object]]]
) -> None:
    client.environ_base["REMOTE_ADDR"] = OFFICE
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert client.post("/login", data=login_form(officer.email, WRONG)).status_code == 401
        # Once locked, more tries (even the right password) raise no more lockout alerts.
        client.post("/login", data=login_form(officer.email, WRONG))
        client.post("/login", data=login_form(officer.email, DEFAULT_PASSWORD))
    assert reload_user(app, officer.id).unknown_devices_locked_at is not None
    (line,) = [a for a in alert_log() if a["alert"] == "auth.lockout"]
    assert (line["user_id"], line["by_user_id"], line["from"], line["failures"]) == (officer.id, officer.id, OFFICE, 5)
    assert line["lock"] == "unknown_devices"
    (event,) = audit_events(app, "alert.auth.lockout")
    assert (event.outcome, event.user_id, event.user_email, event.client_addr) == (
        "raised",
        officer.id,
        officer.email,
        OFFICE,
    )
    assert json.loads(event.detail)["user_id"] == officer.id
    # The lock, its sign-in event and the alert were one transaction: the alert sits right after the lock's event.
    locked = [e for e in audit_events(app, "auth.login") if e.outcome == "locked"][0]
    assert event.id == locked.id - 1


def test_wrong_second_factor_codes_that_lock_the_account_raise_the_alert_too(
    app: Flask, client: FlaskClient, alert_log: Callable[[], list[dict[str, object]]]
) -> None:
    with app.app_context():
        user = make_user("reviewer", email="rev@metro.example.gov", totp=True)
    assert client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD)).headers["Location"] == "/login/code"
    for _ in range(5):
        client.post("/login/code", data={"code": "000000" if user.totp_secret else ""})
    assert reload_user(app, user.id).unknown_devices_locked_at is not None
    assert [a["alert"] for a in alert_log()] == ["auth.lockout"]
    assert len(audit_events(app, "alert.auth.lockout")) == 1


def test_the_lockout_alert_line_is_json_without_the_password_or_the_email(
    app: Flask, client: FlaskClient, officer: User, alert_log: Callable[[], list[dict[str, object]]]
) -> None:
    for _ in range(5):
        client.post("/login", data=login_form(officer.email, WRONG))
    (line,) = alert_log()
    text = json.dumps(line)
    assert WRONG not in text and officer.email not in text
    (event,) = audit_events(app, "alert.auth.lockout")
    assert WRONG not in event.detail


# --- Rate limits ---------------------------------------------------------------------------------------------


def test_a_sign_in_flood_raises_one_rate_limit_alert_per_minute(
    app_with: Callable[..., Flask], alert_log: Callable[[], list[dict[str, object]]]
) -> None:
    app = app_with(RATELIMIT_ENABLED=True, SIGNIN_RATE_PER_IP="2/minute", SIGNIN_RATE_PER_EMAIL="100/minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = OFFICE
    with time_machine.travel(START, tick=False) as clock:
        codes = [client.post("/login", data=login_form(f"u{n}@pd.example.gov", WRONG)).status_code for n in range(8)]
        assert codes[:2] == [401, 401] and set(codes[2:]) == {429}
        assert len(alert_log()) == 1
        clock.shift(timedelta(seconds=61))
        codes = [client.post("/login", data=login_form(f"v{n}@pd.example.gov", WRONG)).status_code for n in range(5)]
        assert 429 in codes
    lines = alert_log()
    assert [a["alert"] for a in lines] == ["ratelimit.exceeded"] * 2
    assert {a["scope"] for a in lines} == {"signin-ip"} and {a["from"] for a in lines} == {OFFICE}
    events = audit_events(app, "alert.ratelimit.exceeded")
    assert [e.outcome for e in events] == ["raised", "raised"]
    assert len(audit_events(app, "ratelimit.exceeded")) == 2  # the alert keeps its audit event's throttle
    assert all(WRONG not in json.dumps(a) for a in lines)


def test_an_alert_line_redacts_secret_fields(app: Flask, alert_log: Callable[[], list[dict[str, object]]]) -> None:
    with app.app_context():
        alerts.raise_alert("audit.tampering", detail={"password": "hunter2", "api_token": "abc", "problem": "seal 3"})
    (line,) = alert_log()
    assert line["password"] == line["api_token"] == "[redacted]" and line["problem"] == "seal 3"
    (event,) = audit_events(app, "alert.audit.tampering")
    assert "hunter2" not in event.detail


# --- The admin page ------------------------------------------------------------------------------------------


def _raise_at(app: Flask, when: datetime, kind: str, user_id: int = 7) -> None:
    with app.app_context(), time_machine.travel(when, tick=False):
        alerts.raise_alert(kind, detail={"user_id": user_id}, actor=Actor(user_id=user_id, email=f"u{user_id}@x.gov"))


def _counts(page: str) -> dict[str, tuple[int, int]]:
    rows = re.findall(r'<tr data-kind="([^"]+)"><td class="mono">[^<]*</td><td>(\d+)</td><td>(\d+)</td>', page)
    return {kind: (int(day), int(week)) for kind, day, week in rows}


@pytest.mark.parametrize("role", ["officer", "dispatcher", "reviewer"])
def test_only_admins_may_open_the_alerts_page(
    app: Flask, client: FlaskClient, login_as: Callable[..., object], role: str
) -> None:
    _raise_at(app, datetime.now(UTC), "auth.lockout")
    login_as(role)
    response = client.get(URL)
    assert response.status_code == 403
    assert "auth.lockout" not in response.get_data(as_text=True)


def test_the_page_counts_alerts_by_kind_for_a_day_and_a_week_and_lists_the_newest(
    app: Flask, client: FlaskClient, login_as: Callable[..., object]
) -> None:
    now = datetime.now(UTC)
    _raise_at(app, now - timedelta(days=10), "auth.lockout", 1)  # too old to count, still listed
    _raise_at(app, now - timedelta(days=3), "auth.lockout", 2)
    _raise_at(app, now - timedelta(hours=2), "auth.lockout", 3)
    _raise_at(app, now - timedelta(hours=1), "ratelimit.exceeded", 4)
    _raise_at(app, now - timedelta(minutes=5), "ratelimit.exceeded", 5)
    login_as("admin")
    page = client.get(URL).get_data(as_text=True)
    assert _counts(page) == {"auth.lockout": (1, 2), "ratelimit.exceeded": (2, 2)}
    listed = re.findall(r"u(\d)@x\.gov", page)
    assert listed == ["5", "4", "3", "2", "1"]  # newest first
    assert 'aria-current="page">Alerts</a>' in page


def test_opening_the_alerts_page_is_audited_and_adds_no_alert(
    app: Flask, client: FlaskClient, login_as: Callable[..., object]
) -> None:
    _raise_at(app, datetime.now(UTC), "auth.lockout")
    login_as("admin")
    client.get(URL)
    client.get(URL)
    reads = [e for e in audit_events(app, "audit.read") if '"page":"alerts"' in e.detail]
    assert len(reads) == 2 and '"shown":1' in reads[0].detail
    assert len([e for e in audit_events(app) if e.action.startswith("alert.")]) == 1


def test_the_page_shows_at_most_a_hundred_alerts(
    app: Flask, client: FlaskClient, login_as: Callable[..., object]
) -> None:
    with app.app_context():
        for n in range(105):
            db.session.add(service.build_event("alert.ratelimit.exceeded", "raised", detail={"n": n}, actor=Actor()))
        db.session.commit()
    login_as("admin")
    page = html.unescape(client.get(URL).get_data(as_text=True))
    assert page.count('"n":') == 100 and '"n":104' in page and '"n":4}' not in page
    assert _counts(page) == {"ratelimit.exceeded": (105, 105)}
