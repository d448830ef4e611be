"""The audit trail: what an event holds, whose it is, how it is written, append-only, and no secrets."""

import getpass
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select, text, update

from app.audit import chain, service, verify
from app.audit.actor import Actor
from app.extensions import db
from app.models.audit import (
    AuditEvent,
    AuditEventImmutable,
    append_only_ddl,
    drop_append_only_ddl,
)
from app.permissions import public
from tests.audit_support import seal_everything
from tests.auth_support import login_form, session_cookie
from tests.conftest import TEST_DATABASE_URL
from tests.factories import DEFAULT_PASSWORD, make_user, stand_in_user

JWT = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsyMDI2YSJ9"
    ".eyJjaWQiOiJBQjEyMzQ1NiIsImlhdCI6MTc2NDAwMDAwMCwiZXhwIjoxNzk1NTM2MDAwfQ"
    ".MEUCIQDx3Wq0b3cTqQ9kYj1yZl8vQm9wVnB4d3B3c3p6c3R1dnd4eXoCIGhpamtsbW5vcHFyc3R1dnd4eXo"
)


OFFICER = stand_in_user(7, "officer@metro.example.gov", "officer", "Metro Police")
AS_OFFICER = Actor.of(OFFICER)


def _events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


# --- What an event holds ----------------------------------------------------------------------


def test_an_event_recorded_in_a_transaction_is_written_when_the_caller_commits(app: Flask) -> None:
    with app.app_context():
        service.record("lookup.plate", "hit", query="DAB1234", record_ids=["V1", "P2"], actor=AS_OFFICER)
        db.session.commit()
        (event,) = _events()
        assert (event.action, event.outcome, event.query) == ("lookup.plate", "hit", "DAB1234")
        assert event.record_ids == "V1,P2"


def test_an_event_recorded_in_a_transaction_is_lost_with_it_when_the_caller_rolls_back(app: Flask) -> None:
    with app.app_context():
        service.record("incident.create", "ok", actor=AS_OFFICER)
        db.session.rollback()
        assert _events() == []


def test_record_now_commits_even_when_the_caller_then_rolls_back(app: Flask) -> None:
    with app.app_context():
        service.record_now("incident.create", "invalid", actor=AS_OFFICER)
        db.session.rollback()
        assert [e.outcome for e in _events()] == ["invalid"]


def test_record_now_refuses_to_wait_on_the_callers_own_unfinished_append(app: Flask) -> None:
    with app.app_context():
        service.record("incident.create", "ok", actor=AS_OFFICER)
        db.session.flush()
        with pytest.raises(RuntimeError, match="commit or roll back first"):
            service.record_now("incident.create", "error", actor=AS_OFFICER)
        db.session.rollback()
        service.record_now("incident.create", "error", actor=AS_OFFICER)
        assert [e.outcome for e in _events()] == ["error"]


def test_the_time_is_utc_to_the_millisecond(app: Flask) -> None:
    with app.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        (event,) = _events()
        assert event.occurred_at.utcoffset().total_seconds() == 0
        assert event.occurred_at.microsecond % 1000 == 0
        assert chain.iso_ms(event.occurred_at).endswith("Z")


def test_a_given_user_is_copied_into_the_event(app: Flask) -> None:
    with app.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        (event,) = _events()
        assert (event.user_id, event.user_email, event.user_role, event.agency) == (
            7,
            "officer@metro.example.gov",
            "officer",
            "Metro Police",
        )


def test_inside_a_request_the_signed_in_user_and_client_address_are_recorded(app: Flask) -> None:
    with app.test_request_context(
        "/lookup", environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"User-Agent": "PatrolPhone/1.0"}
    ):
        login_user(OFFICER)
        service.record_now("lookup.card", "miss", query="AB123456")
    with app.app_context():
        (event,) = _events()
        assert (event.user_email, event.client_addr, event.user_agent) == (
            "officer@metro.example.gov",
            "198.51.100.7",
            "PatrolPhone/1.0",
        )


def test_an_anonymous_request_is_recorded_without_a_user(app: Flask) -> None:
    with app.test_request_context("/login", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        service.record_now("auth.login", "denied")
    with app.app_context():
        (event,) = _events()
        assert (event.user_id, event.user_email, event.user_role, event.client_addr) == (
            None,
            None,
            "anonymous",
            "203.0.113.9",
        )


def test_the_email_typed_in_for_a_failed_sign_in_is_recorded_as_an_anonymous_attempt(app: Flask) -> None:
    with app.test_request_context("/login"):
        service.record_now("auth.login", "denied", actor=Actor.of(" Someone@Agency.example.gov "))
    with app.app_context():
        (event,) = _events()
        assert (event.user_id, event.user_email, event.user_role) == (None, "someone@agency.example.gov", "anonymous")


def test_outside_a_request_the_actor_is_the_command_line_and_its_os_user(app: Flask) -> None:
    with app.app_context():
        service.record_now("registry.import", "ok")
        (event,) = _events()
        assert (event.user_email, event.user_role, event.client_addr) == (f"cli:{getpass.getuser()}", "cli", None)


def test_a_forged_forwarded_for_header_is_not_the_recorded_address_without_a_trusted_proxy(app: Flask) -> None:
    with app.test_request_context(
        "/login", environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"X-Forwarded-For": "10.9.9.9"}
    ):
        service.record_now("auth.login", "denied")
    with app.app_context():
        assert _events()[0].client_addr == "198.51.100.7"


def test_behind_one_trusted_proxy_the_address_is_the_one_the_proxy_saw(app_with: Callable[..., Flask]) -> None:
    app = app_with(TRUSTED_PROXIES=1)
    seen: list[str | None] = []
    app.add_url_rule("/_probe", "probe", public(lambda: seen.append(_remote()) or "ok"))
    # The client forged the first entry; the proxy appended the address it really saw.
    app.test_client().get(
        "/_probe", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={"X-Forwarded-For": "6.6.6.6, 192.0.2.44"}
    )
    assert seen == ["192.0.2.44"]


def _remote() -> str | None:
    from flask import request

    return request.remote_addr


def test_actions_and_outcomes_must_be_short_lower_case_names(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(ValueError, match="action"):
            service.record("Lookup Plate!", "hit")
        with pytest.raises(ValueError, match="outcome"):
            service.record("lookup.plate", "")
        with pytest.raises(ValueError, match="record ids"):
            service.record("lookup.plate", "hit", record_ids=["A,B"])
        with pytest.raises(TypeError, match="not one string"):
            service.record("lookup.plate", "hit", record_ids="P1")


# --- No secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "code",
        "totp",
        "totp_code",
        "mfa_code",
        "token",
        "apiToken",
        "session",
        "session_id",
        "secret",
        "client_secret",
        "csrf_token",
        "Cookie",
    ],
)
def test_secret_named_detail_keys_are_redacted(key: str) -> None:
    assert service.redact({key: "hunter2-value"}) == {key: service.REDACTED}


@pytest.mark.parametrize("key", ["plate_code", "reason_code", "country", "kid", "reason", "email"])
def test_ordinary_detail_keys_are_kept(key: str) -> None:
    assert service.redact({key: "value"}) == {key: "value"}


def test_secrets_nested_in_the_detail_are_redacted_too() -> None:
    assert service.redact({"form": {"email": "a@b.gov", "password": "pw"}}) == {
        "form": {"email": "a@b.gov", "password": service.REDACTED}
    }


def test_a_token_in_the_query_is_cut_to_its_first_twelve_characters() -> None:
    assert service.clean_query(JWT) == JWT[:12] + "…"
    assert service.clean_query(f"https://envoy.example.gov/v/{JWT}") == f"https://envoy.example.gov/v/{JWT[:12]}…"


def test_a_token_in_a_detail_value_is_cut_short() -> None:
    assert service.redact({"url": f"/v/{JWT}"}) == {"url": f"/v/{JWT[:12]}…"}


def test_plates_card_numbers_and_emails_are_not_taken_for_tokens() -> None:
    for query in (
        "DAB1234",
        "AB123456",
        "first.middle.lastname@agency.example.gov",
        "https://envoy-staging.ofm.state.example.gov/lookup",
        "198.51.100.7",
    ):
        assert service.clean_query(query) == query


def test_control_characters_in_the_query_are_escaped_so_a_log_line_stays_one_line() -> None:
    assert service.clean_query("ABC\r\n\x1b[31m123") == "ABC\\x0d\\x0a\\x1b[31m123"


def test_a_stored_event_holds_no_secret_given_to_record(app: Flask) -> None:
    with app.app_context():
        service.record_now(
            "cards.verify",
            "bad_signature",
            query=JWT,
            detail={"password": "CorrectHorse9!", "totp_code": "492039", "session_id": "s3ss10n-v4lu3", "kid": "k1"},
            actor=AS_OFFICER,
        )
        row = db.session.execute(text("SELECT * FROM audit_events")).one()
        stored = " ".join(str(v) for v in row)
    for secret in ("CorrectHorse9!", "492039", "s3ss10n-v4lu3", JWT, JWT.split(".")[2]):
        assert secret not in stored
    assert '"kid":"k1"' in stored


# --- Writing events ----------------------------------------------------------------------------


def test_the_database_numbers_events_in_the_order_they_were_written(app: Flask) -> None:
    with app.app_context():
        for outcome in ("hit", "miss", "invalid"):
            service.record_now("lookup.plate", outcome, actor=AS_OFFICER)
        events = _events()
        assert [e.outcome for e in events] == ["hit", "miss", "invalid"]
        assert events[0].id < events[1].id < events[2].id
        # New events link to nothing: the seal, not the event, carries the chain.
        assert all(e.prev_hash is None and e.hash is None for e in events)


def test_several_events_in_one_transaction_keep_the_order_they_were_recorded_in(app: Flask) -> None:
    with app.app_context():
        for n in range(5):
            service.record("lookup.plate", "hit", query=f"Q{n}", actor=AS_OFFICER)
        db.session.commit()
        assert [e.query for e in _events()] == ["Q0", "Q1", "Q2", "Q3", "Q4"]


def test_a_changed_field_changes_the_events_hash(app: Flask) -> None:
    with app.app_context():
        service.record_now("lookup.plate", "hit", query="DAB1234", actor=AS_OFFICER)
        event = _events()[0]
        before = chain.event_hash(event)
        db.session.expunge(event)
        event.query = "DAB9999"
        assert chain.event_hash(event) != before


@pytest.fixture
def file_app(tmp_path: Path, app_with: Callable[..., Flask]) -> Flask:
    """An app on a database that several connections can share: a SQLite file, or the PostgreSQL test database."""
    url = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else f"sqlite:///{tmp_path / 'audit.db'}"
    return app_with(SQLALCHEMY_DATABASE_URI=url)


def test_concurrent_writers_lose_no_event_and_the_trail_seals_and_verifies(file_app: Flask) -> None:
    threads, per_thread = 4, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def append(n: int) -> None:
        try:
            with file_app.app_context():
                start.wait()
                for i in range(per_thread):
                    service.record(f"lookup.t{n}", "hit", query=str(i), actor=AS_OFFICER)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    with file_app.app_context():
        events = _events()
        assert len(events) == len({e.id for e in events}) == threads * per_thread
        seal_everything()
        report = verify.verify()
        assert report.ok, report.problem
        assert (report.events, report.tail_count) == (threads * per_thread, 0)


# --- Append-only -----------------------------------------------------------------------------


def test_the_app_cannot_change_an_event(app: Flask) -> None:
    with app.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        event = _events()[0]
        event.outcome = "denied"
        with pytest.raises(AuditEventImmutable):
            db.session.commit()


def test_the_app_cannot_delete_an_event(app: Flask) -> None:
    with app.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        db.session.delete(_events()[0])
        with pytest.raises(AuditEventImmutable):
            db.session.commit()


def test_the_app_cannot_bulk_update_or_delete_events(app: Flask) -> None:
    with app.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        with pytest.raises(AuditEventImmutable):
            db.session.execute(update(AuditEvent).values(outcome="denied"))
        with pytest.raises(AuditEventImmutable):
            db.session.query(AuditEvent).delete()


@pytest.fixture
def append_only_triggers(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        dialect = db.engine.dialect.name
        for statement in append_only_ddl(dialect):
            db.session.execute(text(statement))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.rollback()
        for statement in drop_append_only_ddl(dialect):
            db.session.execute(text(statement))
        db.session.commit()


def test_the_database_refuses_raw_updates_and_deletes_of_recent_events(append_only_triggers: Flask) -> None:
    with append_only_triggers.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        for statement in ("UPDATE audit_events SET outcome = 'denied'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert [e.outcome for e in _events()] == ["ok"]


def test_the_database_triggers_still_let_events_be_appended(append_only_triggers: Flask) -> None:
    with append_only_triggers.app_context():
        service.record_now("auth.login", "ok", actor=AS_OFFICER)
        service.record_now("auth.logout", "ok", actor=AS_OFFICER)
        assert [e.action for e in _events()] == ["auth.login", "auth.logout"]


def test_the_database_lets_the_retention_job_delete_events_older_than_a_year(append_only_triggers: Flask) -> None:
    with append_only_triggers.app_context():
        old = service.build_event("auth.login", "ok", actor=AS_OFFICER)
        old.occurred_at = (datetime.now(UTC) - timedelta(days=400)).replace(microsecond=0)
        db.session.add(old)
        db.session.commit()
        service.record_now("auth.logout", "ok", actor=AS_OFFICER)
        first, second = (e.id for e in _events())
        db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": first})
        db.session.commit()
        assert [e.id for e in _events()] == [second]


# --- No secret anywhere after a real sign-in ---------------------------------------------------

AUDIT_TEXT_COLUMNS = (
    "user_email, user_role, agency, client_addr, user_agent, action, query, outcome, record_ids, detail"
)


def test_no_password_code_session_cookie_or_full_token_reaches_the_trail_or_the_logs(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(app.logger, "disabled", False)  # Alembic's fileConfig in other tests disables it
    wrong_password, wrong_code = "Wrong horse battery 42", "000000"
    with app.app_context():
        user = make_user("reviewer", email="reviewer@metro.example.gov")
    assert client.post("/login", data=login_form(user.email, wrong_password)).status_code == 401
    assert client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD)).status_code == 302
    client.post("/login/code", data={"code": wrong_code})
    right_code = pyotp.TOTP(user.totp_secret).now()  # type: ignore[arg-type]
    assert client.post("/login/code", data={"code": right_code}).status_code == 302
    cookie = session_cookie(client)
    assert cookie
    with app.test_request_context("/api/v1/verify", method="POST"):
        service.record_now("lookup.qr", "bad_signature", query=JWT, detail={"token": JWT, "url": f"/v/{JWT}"})
    with app.app_context():
        rows = db.session.execute(text(f"SELECT {AUDIT_TEXT_COLUMNS} FROM audit_events")).all()  # noqa: S608
    trail = "\n".join(" ".join(str(v) for v in row) for row in rows)
    assert "auth.login" in trail  # the sign-in was audited
    for secret in (DEFAULT_PASSWORD, wrong_password, right_code, wrong_code, cookie, JWT, JWT.split(".")[2]):
        assert secret not in trail
        assert secret not in caplog.text
