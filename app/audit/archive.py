"""Retention: move sealed events past the retention period out of the database into a signed file.

CJIS keeps audit records at least one year (security-bar). `flask audit archive --before DATE` takes whole seals,
oldest first, whose events all occurred before DATE (never later than today minus AUDIT_RETENTION_DAYS), writes
their events to one file in AUDIT_ARCHIVE_DIR, records the file in `audit_archives` and deletes the events, all in
one transaction with its audit event. Unsealed events are never touched. The seals stay in the database, so
`flask audit verify --archive FOLDER` still checks every archived event against the seal that covered it.

The file: one JSON line per event (every column, and the seal that covers it), then a manifest line with the
SHA-256 of the event lines signed with the current seal key.
"""

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.audit import sealkeys, seals
from app.audit import service as audit
from app.audit.chain import iso_ms
from app.extensions import db
from app.models.audit import AuditArchive, AuditEvent, AuditSeal

EVENT_COLUMNS = [column.key for column in AuditEvent.__table__.columns]


class ArchiveError(RuntimeError):
    """The archive cannot be made as asked, or a file is not the archive the database recorded."""


@dataclass(frozen=True)
class Archived:
    row: AuditArchive
    path: Path


def folder() -> Path:
    configured = current_app.config.get("AUDIT_ARCHIVE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-archive"


def latest_allowed(today: date) -> date:
    return today - timedelta(days=int(current_app.config["AUDIT_RETENTION_DAYS"]))


def archive_before(before: date, *, target: Path | None = None, today: date | None = None) -> Archived | None:
    """Archive whole sealed batches older than `before`; None when no sealed batch is old enough."""
    today = today or datetime.now(UTC).date()
    if before > latest_allowed(today):
        raise ArchiveError(
            f"events are kept at least {current_app.config['AUDIT_RETENTION_DAYS']} days: archive before "
            f"{latest_allowed(today).isoformat()} at the latest, not {before.isoformat()}"
        )
    cutoff = datetime.combine(before, time.min, tzinfo=UTC)
    chosen = _oldest_seals_before(cutoff)
    if not chosen:
        db.session.rollback()
        return None
    base = target or folder()
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = base / f"audit-archive-{chosen[0].seq:08d}-{chosen[-1].seq:08d}.jsonl"
    events_by_seal = [
        (seal, seals.events_in(seal.position_kind, seal.position_from, seal.position_to)) for seal in chosen
    ]
    content = _file_content(events_by_seal)
    count = sum(len(events) for _, events in events_by_seal)
    _write_new(path, content)
    try:
        row = AuditArchive(
            archived_at=datetime.now(UTC),
            first_seq=chosen[0].seq,
            last_seq=chosen[-1].seq,
            event_count=count,
            file_name=path.name,
            file_sha256=hashlib.sha256(content).hexdigest(),
        )
        db.session.add(row)
        table = AuditEvent.__table__
        connection = db.session.connection()
        for seal, _ in events_by_seal:
            position = seals.position_of(seal.position_kind)
            # Core, not the ORM: the ORM refuses every delete of an event; the database allows only old ones.
            connection.execute(table.delete().where(position >= seal.position_from, position < seal.position_to))
        audit.record(
            "audit.archive",
            "ok",
            record_ids=[f"seal:{chosen[0].seq}-{chosen[-1].seq}"],
            detail={"events": count, "seals": len(chosen), "file": path.name, "before": before.isoformat()},
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return Archived(row, path)


def read(path: Path, row: AuditArchive) -> dict[int, list[AuditEvent]]:
    """The archived events by seal, after checking the file is the one recorded and its signature holds."""
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != row.file_sha256:
        raise ArchiveError("the file is not the one that was archived (its SHA-256 differs)")
    lines = content.splitlines(keepends=True)
    if not lines:
        raise ArchiveError("the file is empty")
    try:
        manifest = json.loads(lines[-1])["manifest"]
    except (ValueError, KeyError, TypeError):
        raise ArchiveError("the file has no manifest line") from None
    body = b"".join(lines[:-1])
    key = sealkeys.ring().get(manifest.get("kid", ""))
    if key is None or not sealkeys.signature_holds(key, hashlib.sha256(body).digest(), manifest.get("signature", "")):
        raise ArchiveError("its signature does not hold")
    by_seal: dict[int, list[AuditEvent]] = {}
    for line in lines[:-1]:
        record = json.loads(line)
        by_seal.setdefault(int(record.pop("seal")), []).append(_event(record))
    return by_seal


def _oldest_seals_before(cutoff: datetime) -> list[AuditSeal]:
    done = db.session.scalar(select(func.max(AuditArchive.last_seq))) or 0
    chosen: list[AuditSeal] = []
    for seal in db.session.scalars(select(AuditSeal).where(AuditSeal.seq > done).order_by(AuditSeal.seq)):
        position = seals.position_of(seal.position_kind)
        newest = db.session.scalar(
            select(func.max(AuditEvent.occurred_at)).where(position >= seal.position_from, position < seal.position_to)
        )
        if newest is None or newest >= cutoff:
            break
        chosen.append(seal)
    return chosen


def _file_content(events_by_seal: Sequence[tuple[AuditSeal, Sequence[AuditEvent]]]) -> bytes:
    lines = []
    for seal, events in events_by_seal:
        for audit_event in events:
            record: dict[str, Any] = {key: getattr(audit_event, key) for key in EVENT_COLUMNS}
            record["occurred_at"] = iso_ms(audit_event.occurred_at)
            record["seal"] = seal.seq
            lines.append(json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
    body = "".join(lines).encode()
    key = sealkeys.signing_key()
    manifest = {
        "first_seq": events_by_seal[0][0].seq,
        "last_seq": events_by_seal[-1][0].seq,
        "events": sum(len(events) for _, events in events_by_seal),
        "events_sha256": hashlib.sha256(body).hexdigest(),
        "kid": key.kid,
        "signature": sealkeys.sign(key, hashlib.sha256(body).digest()),
    }
    return body + (json.dumps({"manifest": manifest}, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _write_new(path: Path, content: bytes) -> None:
    """Write the file once, readable by its owner only, durable before the events leave the database."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ArchiveError(f"{path} already exists; an archive is never overwritten") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _event(record: dict[str, Any]) -> AuditEvent:
    moment = datetime.strptime(record.pop("occurred_at"), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return AuditEvent(occurred_at=moment, **record)
