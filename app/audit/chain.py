"""How an event is written and what of it is hashed; the guards that keep events append-only.

An event is written in its caller's transaction and waits for no other request: the database assigns its id,
and no event refers to another. What makes the trail tamper-evident is the seal (app/audit/seals.py), which
hashes the events in a defined order some seconds later, off the request path, and signs the result.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import g, has_app_context
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.database import take_write_lock
from app.extensions import db
from app.models.audit import APPEND_ONLY, AuditEvent, AuditEventImmutable

# PostgreSQL: the writing transaction's id, set by the INSERT itself (no extra round trip). xid8 has no cast to
# bigint; its text form is the 64-bit number, which never wraps around.
CURRENT_TXID = text("(pg_current_xact_id()::text::bigint)")


def iso_ms(moment: datetime) -> str:
    """UTC to the millisecond, the form the hash covers: 2026-11-23T09:38:12.345Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def canonical(audit_event: AuditEvent) -> bytes:
    """The exact bytes that are hashed: every stored column, as sorted compact JSON."""
    fields: dict[str, Any] = {
        "id": audit_event.id,
        "txid": audit_event.txid,
        "occurred_at": iso_ms(audit_event.occurred_at),
        "user_id": audit_event.user_id,
        "user_email": audit_event.user_email,
        "user_role": audit_event.user_role,
        "agency": audit_event.agency,
        "client_addr": audit_event.client_addr,
        "user_agent": audit_event.user_agent,
        "action": audit_event.action,
        "query": audit_event.query,
        "outcome": audit_event.outcome,
        "record_ids": audit_event.record_ids or "",
        "detail": audit_event.detail or "{}",
        "prev_hash": audit_event.prev_hash,
        "hash": audit_event.hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(audit_event: AuditEvent) -> str:
    return hashlib.sha256(canonical(audit_event)).hexdigest()


# session.info key: this session's transaction holds audit events that have not committed yet.
WRITING = "audit_events_pending"
# flask.g key: a database error in this request hit an audit write (the error handler raises an alert).
FAILED = "audit_write_failed"


def audit_write_failed() -> bool:
    """This request's database failure hit an audit write (and forget it: the request is ending)."""
    return bool(g.pop(FAILED, False))


def mark_write_failed() -> None:
    if has_app_context():
        setattr(g, FAILED, True)


@event.listens_for(Engine, "handle_error")
def _notice_failed_write(context: ExceptionContext) -> None:
    """An INSERT into audit_events failed, or a COMMIT failed while db.session held unwritten events."""
    if not has_app_context():
        return
    statement = context.statement or ""
    if "audit_events" in statement or (context.statement is None and db.session.info.get(WRITING)):
        mark_write_failed()


@event.listens_for(Session, "before_flush")
def _prepare_events(session: Session, _context: UOWTransaction, _instances: object) -> None:
    pending = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.id is None]
    if not pending:
        return
    session.info[WRITING] = True
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for audit_event in pending:
            audit_event.txid = CURRENT_TXID  # type: ignore[assignment]
    else:
        # SQLite: a transaction that read before this first write would otherwise fail at once with "database is
        # locked" when another writer holds the lock, instead of waiting for it (app/database.py).
        take_write_lock(connection)


@event.listens_for(Session, "after_commit")
def _written(session: Session) -> None:
    session.info.pop(WRITING, None)


@event.listens_for(Session, "after_soft_rollback")
def _dropped(session: Session, _previous: object) -> None:
    session.info.pop(WRITING, None)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ in APPEND_ONLY for m in state.all_mappers):
        raise AuditEventImmutable("audit events and seals cannot be updated or deleted: the audit trail is append-only")
