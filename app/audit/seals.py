"""Sealing: hash new events in a defined order, link the batch to the previous seal, sign it, keep a copy outside.

Requests write events without waiting for one another, so events do not commit in id order on PostgreSQL:
id 10 can commit after id 11 was already sealed. So a seal does not cover "ids up to N" but a range of
*positions* that can no longer gain events:

- PostgreSQL: an event's position is the id of the transaction that wrote it (`txid`). The sealer reads the
  oldest transaction still running (`pg_snapshot_xmin`); every transaction below it has ended, so no event with
  a txid below it can ever appear. A seal covers [previous seal's end, that horizon). A late event is never
  skipped (its txid is above the horizon until it commits) and never breaks the chain (the next seal takes it).
- SQLite: writers take turns and an event's id is given inside its writer's turn, so every event committed
  later has a higher id. The position is the id, and the horizon is the highest id + 1.

Within a seal, events are hashed in id order. Sealing runs from `flask audit seal` (a timer) and, at most every
AUDIT_SEAL_INTERVAL_SECONDS per process, after a response has been sent; a sealer that finds another one at
work skips its turn instead of waiting.
"""

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from flask import Flask, Response, current_app
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import OperationalError

from app.audit import sealkeys, sealstore
from app.audit.chain import event_hash, iso_ms
from app.database import take_write_lock
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent, AuditSeal

log = logging.getLogger(__name__)

# Names the one lock sealers take on PostgreSQL; requests that write events never take it.
SEAL_LOCK_KEY = 0x456E766F7953  # "EnvoyS"
SEAL_LOCK_TIMEOUT = "10s"
# Events per seal at most, so a seal stays small and quick however long the tail grew.
MAX_EVENTS = 5000
# An opportunistic sealer on SQLite waits this long for the write lock, then leaves it for the next turn.
QUICK_BUSY_MS = 50
INDEX_HEX = 12


class SealError(RuntimeError):
    """The trail cannot be sealed as it stands (e.g. its seals were written by another kind of database)."""


def position_kind(connection: Connection) -> str:
    return "txid" if connection.dialect.name == "postgresql" else "id"


def position_of(kind: str) -> Any:
    return AuditEvent.txid if kind == "txid" else AuditEvent.id


def horizon(connection: Connection, kind: str) -> int:
    """The position below which no event can appear any more."""
    if kind == "txid":
        return int(
            connection.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one()
        )
    return int(connection.execute(text("SELECT coalesce(max(id), 0) + 1 FROM audit_events")).scalar_one())


@dataclass(frozen=True)
class Digest:
    events_digest: str
    event_index: str
    count: int
    first_id: int | None
    last_id: int | None


def digest(events: Sequence[AuditEvent]) -> Digest:
    """SHA-256 over each event's id and full hash, in the order given (id order)."""
    hashed = [(audit_event.id, event_hash(audit_event)) for audit_event in events]
    body = "".join(f"{event_id}:{value}\n" for event_id, value in hashed)
    return Digest(
        events_digest=hashlib.sha256(body.encode()).hexdigest(),
        event_index=",".join(f"{event_id}:{value[:INDEX_HEX]}" for event_id, value in hashed),
        count=len(hashed),
        first_id=hashed[0][0] if hashed else None,
        last_id=hashed[-1][0] if hashed else None,
    )


def seal_fields(seal: AuditSeal) -> dict[str, Any]:
    """What a seal's hash (and so its signature) covers."""
    return {
        "seq": seal.seq,
        "sealed_at": iso_ms(seal.sealed_at),
        "position_kind": seal.position_kind,
        "position_from": seal.position_from,
        "position_to": seal.position_to,
        "event_count": seal.event_count,
        "first_event_id": seal.first_event_id,
        "last_event_id": seal.last_event_id,
        "events_digest": seal.events_digest,
        "prev_seal_hash": seal.prev_seal_hash,
        "kid": seal.kid,
    }


def seal_hash(seal: AuditSeal) -> str:
    canonical = json.dumps(seal_fields(seal), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_entry(seal: AuditSeal) -> dict[str, Any]:
    """The seal's line in the outside store: everything but the diagnostic index."""
    return {**seal_fields(seal), "seal_hash": seal.seal_hash, "signature": seal.signature}


def events_in(seal_kind: str, start: int, end: int) -> Sequence[AuditEvent]:
    position = position_of(seal_kind)
    query = select(AuditEvent).where(position >= start, position < end).order_by(AuditEvent.id)
    return db.session.scalars(query).all()


@dataclass(frozen=True)
class Status:
    """How far the trail is sealed, for the audit page."""

    seals: int
    last_sealed_at: datetime | None
    last_event_id: int | None
    unsealed: int
    oldest_unsealed: datetime | None


def status() -> Status:
    last = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq.desc()).limit(1)).first()
    kind = last.position_kind if last is not None else position_kind(db.session.connection())
    start = last.position_to if last is not None else 0
    unsealed, oldest = db.session.execute(
        select(func.count(), func.min(AuditEvent.occurred_at)).where(position_of(kind) >= start)
    ).one()
    return Status(
        seals=last.seq if last is not None else 0,
        last_sealed_at=last.sealed_at if last is not None else None,
        last_event_id=last.last_event_id if last is not None else None,
        unsealed=int(unsealed),
        oldest_unsealed=oldest,
    )


def seal_once(*, wait: bool = True) -> AuditSeal | None:
    """Seal the events that can be sealed now (at most MAX_EVENTS); None when there are none or another sealer
    is at work and `wait` is false. Commits its own transaction: call it with no work of the caller's pending."""
    try:
        if not _lock(wait):
            db.session.rollback()
            return None
        connection = db.session.connection()
        kind = position_kind(connection)
        last = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq.desc()).limit(1)).first()
        if last is not None and last.position_kind != kind:
            raise SealError(
                f"the newest seal counts positions by {last.position_kind}, but this database is "
                f"{connection.dialect.name}: a trail cannot move between kinds of database"
            )
        _publish_missing(last)
        start = last.position_to if last is not None else 0
        below = horizon(connection, kind)
        if kind == "txid" and below < start:
            # New events would get positions inside ranges already sealed: refuse loudly rather than never seal.
            raise SealError(
                f"transaction ids went backwards: the newest seal ends at txid {start}, but this cluster has not "
                f"reached {below + 1} yet. The database was restored into another PostgreSQL cluster; advance that "
                "cluster's transaction id epoch with pg_resetwal before Envoy writes there (README, 'Backups')"
            )
        end = _capped_end(kind, start, below)
        events = events_in(kind, start, end) if end > start else []
        if not events:
            db.session.rollback()
            return None
        seal = _make_seal(last, kind, start, end, digest(events))
        db.session.add(seal)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    # After the commit: a seal in the store that the database lacks would look like a rollback. If this process
    # dies before the append, the next sealer publishes the seal (_publish_missing).
    sealstore.append(store_entry(seal))
    return seal


def seal_all() -> list[AuditSeal]:
    """Seal until nothing sealable is left (the command and tests); waits for another sealer."""
    made = []
    while (seal := seal_once(wait=True)) is not None:
        made.append(seal)
    return made


def init_app(app: Flask) -> None:
    """Seal opportunistically: at most every AUDIT_SEAL_INTERVAL_SECONDS per process, after a response is sent."""
    interval = float(app.config["AUDIT_SEAL_INTERVAL_SECONDS"])
    if interval <= 0:
        return
    next_turn = [0.0]

    @app.after_request
    def _seal_soon(response: Response) -> Response:
        now = time.monotonic()
        if now >= next_turn[0]:
            next_turn[0] = now + interval
            response.call_on_close(partial(_seal_quietly, app))
        return response


def _seal_quietly(app: Flask) -> None:
    with app.app_context():
        try:
            seal_once(wait=False)
        except Exception:
            log.exception("audit seal failed; the events stay unsealed until the next seal")
        finally:
            db.session.remove()


def _lock(wait: bool) -> bool:
    """Take the sealers' lock for this transaction; False when another sealer holds it and `wait` is false."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        if not wait:
            return bool(
                connection.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SEAL_LOCK_KEY}).scalar_one()
            )
        connection.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": SEAL_LOCK_TIMEOUT})
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEAL_LOCK_KEY})
        connection.execute(text("SELECT set_config('lock_timeout', '0', true)"))
        return True
    raw = connection.connection.dbapi_connection
    if not wait and raw is not None:
        raw.execute(f"PRAGMA busy_timeout={QUICK_BUSY_MS}")
        try:
            take_write_lock(connection)
        except OperationalError:  # another writer (perhaps a sealer) has the lock: next turn
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(current_app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
        return True
    take_write_lock(connection)
    return True


def _capped_end(kind: str, start: int, end: int) -> int:
    """`end`, or an earlier position so that the seal covers at most MAX_EVENTS events (whole positions)."""
    position = position_of(kind)
    beyond = db.session.scalars(
        select(position).where(position >= start, position < end).order_by(position).offset(MAX_EVENTS).limit(1)
    ).first()
    if beyond is None:
        return end
    first = db.session.scalars(select(position).where(position >= start).order_by(position).limit(1)).one()
    # One transaction's events always share a seal, even if it wrote more than MAX_EVENTS.
    return max(int(beyond), int(first) + 1)


def _make_seal(last: AuditSeal | None, kind: str, start: int, end: int, summary: Digest) -> AuditSeal:
    key = sealkeys.signing_key()
    seal = AuditSeal(
        seq=(last.seq + 1) if last is not None else 1,
        sealed_at=_now_ms(),
        position_kind=kind,
        position_from=start,
        position_to=end,
        event_count=summary.count,
        first_event_id=summary.first_id,
        last_event_id=summary.last_id,
        events_digest=summary.events_digest,
        event_index=summary.event_index,
        prev_seal_hash=last.seal_hash if last is not None else GENESIS_HASH,
        kid=key.kid,
    )
    seal.seal_hash = seal_hash(seal)
    seal.signature = sealkeys.sign(key, bytes.fromhex(seal.seal_hash))
    return seal


def _publish_missing(last: AuditSeal | None) -> None:
    """Append to the outside store the seals a sealer committed but died before publishing."""
    if last is None:
        return
    published = sealstore.last_seq()
    if published >= last.seq:
        return
    keys = sealkeys.ring()
    missing = db.session.scalars(select(AuditSeal).where(AuditSeal.seq > published).order_by(AuditSeal.seq)).all()
    for seal in missing:
        key = keys.get(seal.kid)
        # Only a seal this deployment signed is published: a forged row must not reach the store.
        if (
            key is None
            or seal.seal_hash != seal_hash(seal)
            or not sealkeys.signature_holds(key, bytes.fromhex(seal.seal_hash), seal.signature)
        ):
            raise SealError(f"seal {seal.seq} is not one this deployment signed; run `flask audit verify`")
        sealstore.append(store_entry(seal))


def _now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
