"""`flask audit verify`: OK with the count when the chain holds, else the first broken event and exit 1."""

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text

from app.audit import chain, service
from app.extensions import db
from app.models.audit import AuditEvent


def _append(app: Flask, count: int) -> None:
    with app.app_context():
        for n in range(count):
            service.record_now("lookup.plate", "hit", query=f"DAB{n:04d}", record_ids=[f"V{n}"])


def _occurred_at(app: Flask, event_id: int) -> str:
    with app.app_context():
        return chain.iso_ms(db.session.get(AuditEvent, event_id).occurred_at)  # type: ignore[union-attr]


def _raw(app: Flask, statement: str, **params: object) -> None:
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def test_an_empty_trail_verifies(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_an_intact_chain_verifies_with_its_count_and_head(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 5)
    with app.app_context():
        head = db.session.get(AuditEvent, 5).hash  # type: ignore[union-attr]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 5 audit event(s) verified" in result.output
    assert head in result.output


def test_a_row_changed_through_raw_sql_is_named_with_its_time(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 5)
    _raw(app, "UPDATE audit_events SET outcome = 'miss' WHERE id = 3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at audit event 3 ({_occurred_at(app, 3)})" in result.output
    assert "changed after it was written" in result.output


def test_a_changed_row_whose_hash_was_recomputed_breaks_the_link_to_the_next_event(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _append(app, 4)
    with app.app_context():
        event = db.session.get(AuditEvent, 2)
        assert event is not None
        db.session.expunge(event)
        event.record_ids = "V999"
        forged = chain.event_hash(event)
    _raw(app, "UPDATE audit_events SET record_ids = 'V999', hash = :h WHERE id = 2", h=forged)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at audit event 3" in result.output
    assert "event 2" in result.output


def test_a_deleted_row_is_found(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 4)
    _raw(app, "DELETE FROM audit_events WHERE id = 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at audit event 3" in result.output
    assert "removed" in result.output


def test_a_first_event_that_does_not_start_the_chain_is_found(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 2)
    _raw(app, "UPDATE audit_events SET prev_hash = :h WHERE id = 1", h="f" * 64)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at audit event 1" in result.output


def test_events_removed_from_the_start_by_retention_leave_a_chain_that_verifies_from_the_oldest_kept(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _append(app, 4)
    _raw(app, "DELETE FROM audit_events WHERE id <= 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK: 2 audit event(s) verified from event 3" in result.output


def test_verifying_is_itself_audited(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 1)
    runner.invoke(args=["audit", "verify"])
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        assert (last.action, last.outcome, last.user_role) == ("audit.verify", "ok", "cli")


def test_a_broken_chain_is_audited_as_broken(app: Flask, runner: FlaskCliRunner) -> None:
    _append(app, 2)
    _raw(app, "UPDATE audit_events SET query = 'X' WHERE id = 1")
    runner.invoke(args=["audit", "verify"])
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None
        assert (last.action, last.outcome, last.record_ids) == ("audit.verify", "broken", "1")
