"""The hash chain: each event's hash covers its fields and the previous event's hash.

Appends are serialized so two processes can never give one event two successors:
the chain is extended at flush time, after taking a database-wide lock inside the
writing transaction (PostgreSQL: a transaction advisory lock; SQLite: the write lock),
and only then reading the previous event. The primary key (previous id + 1) and the
unique prev_hash make a fork a constraint violation even if the lock were bypassed.
"""

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from app.database import take_write_lock
from app.models.audit import GENESIS_HASH, AuditEvent, AuditEventImmutable

# Any constant will do; it names the one lock that every audit append takes on PostgreSQL.
ADVISORY_LOCK_KEY = 0x456E766F79  # "Envoy"
# Waiting longer than this for another transaction's append is an error (fail closed), never a hang.
LOCK_TIMEOUT = "10s"
# session.info key: this session's transaction holds the append lock until it ends.
LOCK_HELD = "audit_lock_held"

# Orders events recorded in the same transaction; SQLAlchemy's set of new objects is unordered.
_recorded_order = itertools.count()


def mark_recorded(audit_event: AuditEvent) -> None:
    """Remember the order in which this process recorded the event (the chain keeps that order)."""
    audit_event._chain_order = next(_recorded_order)  # type: ignore[attr-defined]


def iso_ms(moment: datetime) -> str:
    """UTC to the millisecond, the form the hash covers: 2026-11-23T09:38:12.345Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def canonical(audit_event: AuditEvent) -> bytes:
    """The exact bytes that are hashed: every stored field except the hash, as sorted compact JSON."""
    fields: dict[str, Any] = {
        "id": audit_event.id,
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
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(audit_event: AuditEvent) -> str:
    return hashlib.sha256(canonical(audit_event)).hexdigest()


def lock_chain(connection: Connection) -> None:
    """Take the append lock for the rest of this transaction, before the previous event is read."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        previous = connection.execute(
            text("SELECT current_setting('lock_timeout'), set_config('lock_timeout', :limit, true)"),
            {"limit": LOCK_TIMEOUT},
        ).scalar_one()
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        connection.execute(text("SELECT set_config('lock_timeout', :previous, true)"), {"previous": previous})
    elif dialect == "sqlite":
        take_write_lock(connection)
    else:
        raise RuntimeError(f"the audit chain has no append lock for {dialect}")


@event.listens_for(Session, "before_flush")
def _extend_chain(session: Session, _context: UOWTransaction, _instances: object) -> None:
    pending = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.hash is None]
    if not pending:
        return
    pending.sort(key=lambda e: getattr(e, "_chain_order", 0))
    connection = session.connection()
    lock_chain(connection)
    session.info[LOCK_HELD] = True
    last = connection.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    last_id, last_hash = (last.id, last.hash) if last is not None else (0, GENESIS_HASH)
    for audit_event in pending:
        audit_event.id = last_id + 1
        audit_event.prev_hash = last_hash
        audit_event.hash = event_hash(audit_event)
        last_id, last_hash = audit_event.id, audit_event.hash


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(LOCK_HELD, None)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditEventImmutable("audit events cannot be updated or deleted: the audit trail is append-only")


@dataclass(frozen=True)
class Break:
    """The first event at which the chain does not hold."""

    event_id: int
    occurred_at: datetime
    reason: str


@dataclass(frozen=True)
class Verification:
    count: int
    first_id: int | None
    head_hash: str | None
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(events: Iterator[AuditEvent]) -> Verification:
    """Walk the events in id order and report the first one that breaks the chain.

    An event breaks the chain when its stored hash is not the hash of its contents (it was
    changed), when its prev_hash is not the previous event's hash (the previous one was changed
    or removed), or when ids jump (events removed). A first id above 1 is allowed: the retention
    job removes the oldest events, and the oldest kept one anchors the walk.
    """
    count = 0
    first_id: int | None = None
    prev: AuditEvent | None = None
    for audit_event in events:
        problem = None
        if prev is None:
            first_id = audit_event.id
            if audit_event.id == 1 and audit_event.prev_hash != GENESIS_HASH:
                problem = "the first event does not start the chain"
        elif audit_event.id != prev.id + 1:
            problem = f"ids jump from {prev.id} to {audit_event.id}: events were removed"
        elif audit_event.prev_hash != prev.hash:
            problem = f"its prev_hash is not the hash of event {prev.id}: an earlier event was changed or removed"
        if problem is None and event_hash(audit_event) != audit_event.hash:
            problem = "its contents do not match its hash: it was changed after it was written"
        if problem is not None:
            broken = Break(audit_event.id, audit_event.occurred_at, problem)
            return Verification(count, first_id, prev.hash if prev else None, broken)
        count += 1
        prev = audit_event
    return Verification(count, first_id, prev.hash if prev else None, None)
