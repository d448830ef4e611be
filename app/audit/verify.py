"""`flask audit verify`: check events against seals, seals against their signatures and each other, and the
database's seals against the store outside it. The first problem found is named; the unsealed tail is reported.

What each check catches:
- an event changed, removed, inserted or reordered: its seal's digest (and count) no longer match;
- the newest events deleted: their seal's digest no longer matches (or, if their seals went too, the outside
  store has seals the database lacks);
- the database rolled back to an older copy: the outside store has newer seals, or a seal of the same number
  that differs;
- a chain recomputed without the key: the signatures fail.
Events written after the newest seal (the unsealed tail) are protected only once sealed: the tail's size and
age are reported, and a healthy deployment keeps it to seconds.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.audit import archive, sealkeys, seals, sealstore
from app.audit.chain import iso_ms
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditArchive, AuditEvent, AuditSeal


@dataclass
class Report:
    seals: int = 0
    events: int = 0
    archived_events: int = 0
    kids: set[str] = field(default_factory=set)
    store_seals: int = 0
    tail_count: int = 0
    tail_oldest: datetime | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def fail(self, problem: str) -> "Report":
        self.problem = problem
        return self


def verify(archive_folder: Path | None = None) -> Report:
    report = Report()
    keys = sealkeys.ring()
    try:
        entries = sealstore.read_all()
    except sealstore.StoreError as error:
        return report.fail(f"the outside store cannot be read: {error}")
    store: dict[int, dict[str, Any]] = {}
    for entry in entries:
        first = store.setdefault(entry["seq"], entry)
        if first.get("seal_hash") != entry.get("seal_hash"):
            return report.fail(
                f"the outside store holds two different seals numbered {entry['seq']} (sealed "
                f"{first.get('sealed_at')} and {entry.get('sealed_at')}): the database was rolled back to an older "
                "copy and sealed again"
            )
    report.store_seals = len(store)
    archived = _archived_seqs(archive_folder, report)
    if report.problem:
        return report
    previous: AuditSeal | None = None
    for seal in db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq)).yield_per(200):
        problem = _check_seal(seal, previous, keys, store)
        if problem is None:
            loader = archived.get(seal.seq)
            if loader is None:
                events = seals.events_in(seal.position_kind, seal.position_from, seal.position_to)
            else:
                events = loader()
                if _still_in_database(seal):
                    problem = "its events were archived but are still in the database"
            if problem is None and events is not None:
                problem = _check_events(seal, events)
                if loader is None:
                    report.events += len(events)
                else:
                    report.archived_events += len(events)
        if problem is not None:
            return report.fail(f"seal {seal.seq} ({_describe(seal)}): {problem}")
        report.seals += 1
        report.kids.add(seal.kid)
        previous = seal
    problem = _check_store_beyond(previous, store)
    if problem:
        return report.fail(problem)
    problem = _check_tail(previous, report)
    return report.fail(problem) if problem else report


def _check_seal(
    seal: AuditSeal, previous: AuditSeal | None, keys: dict[str, sealkeys.SealKey], store: dict[int, dict[str, Any]]
) -> str | None:
    expected_seq = previous.seq + 1 if previous is not None else 1
    if seal.seq != expected_seq:
        return f"seal {expected_seq} is missing: seals were removed"
    if seal.prev_seal_hash != (previous.seal_hash if previous is not None else GENESIS_HASH):
        return "it does not link to the seal before it: a seal was changed, removed or inserted"
    expected_start = previous.position_to if previous is not None else 0
    if seal.position_from != expected_start:
        return f"its range starts at {seal.position_from}, not where the seal before it ended ({expected_start})"
    if seals.seal_hash(seal) != seal.seal_hash:
        return "its fields do not match its hash: the seal was changed"
    key = keys.get(seal.kid)
    if key is None:
        return f"it was signed with key {seal.kid}, which is not in {sealkeys.folder()}"
    if not sealkeys.signature_holds(key, bytes.fromhex(seal.seal_hash), seal.signature):
        return "its signature does not hold: the seal was written without the signing key"
    outside = store.get(seal.seq)
    if outside is None:
        return f"it is not in the outside store ({sealstore.path()}): the store was cut, or this seal was forged"
    if outside.get("seal_hash") != seal.seal_hash:
        return (
            "it differs from the outside store's seal of the same number: the database was rolled back to an "
            "older copy, or the seal was rewritten"
        )
    return None


def _check_events(seal: AuditSeal, events: Sequence[AuditEvent]) -> str | None:
    summary = seals.digest(events)
    if summary.events_digest == seal.events_digest and summary.count == seal.event_count:
        return None
    sealed = dict(item.split(":", 1) for item in seal.event_index.split(",") if item)
    now = dict(item.split(":", 1) for item in summary.event_index.split(",") if item)
    removed = sorted(int(i) for i in sealed.keys() - now.keys())
    added = sorted(int(i) for i in now.keys() - sealed.keys())
    changed = sorted(int(i) for i in sealed.keys() & now.keys() if sealed[i] != now[i])
    if removed:
        return f"event {removed[0]} was removed after it was sealed ({len(removed)} removed)"
    if added:
        return f"event {added[0]} was inserted after the seal was made ({len(added)} inserted)"
    if changed:
        return f"event {changed[0]} was changed after it was sealed"
    return "its events no longer hash to the sealed digest: events were changed or reordered"


def _check_store_beyond(last: AuditSeal | None, store: dict[int, dict[str, Any]]) -> str | None:
    newest = last.seq if last is not None else 0
    beyond = sorted(seq for seq in store if seq > newest)
    if not beyond:
        return None
    entry = store[beyond[0]]
    return (
        f"the outside store holds seals {beyond[0]}–{beyond[-1]} (the first sealed {entry.get('sealed_at')}) that "
        f"the database does not: the database was rolled back to an older copy, or its newest seals and events "
        "were deleted"
    )


def _check_tail(last: AuditSeal | None, report: Report) -> str | None:
    kind = last.position_kind if last is not None else seals.position_kind(db.session.connection())
    position = seals.position_of(kind)
    start = last.position_to if last is not None else 0
    count, oldest = db.session.execute(
        select(func.count(), func.min(AuditEvent.occurred_at)).where(position >= start)
    ).one()
    report.tail_count, report.tail_oldest = int(count), oldest
    if kind == "txid":
        unplaced = db.session.scalar(select(func.count()).where(AuditEvent.txid.is_(None)))
        if unplaced:
            return f"{unplaced} event(s) have no transaction id: they were written outside the app"
    return None


def _archived_seqs(folder: Path | None, report: Report) -> dict[int, Callable[[], Sequence[AuditEvent] | None]]:
    """For each archived seal, how to load its events: from the archive file, or None if it is not here."""
    loaders: dict[int, Callable[[], Sequence[AuditEvent] | None]] = {}
    for row in db.session.scalars(select(AuditArchive).order_by(AuditArchive.first_seq)):
        path = (folder or archive.folder()) / row.file_name
        if not path.exists():
            report.notes.append(
                f"seals {row.first_seq}–{row.last_seq} were archived to {row.file_name}, which is not in "
                f"{path.parent}: their events were not checked (pass --archive FOLDER)"
            )
            for seq in range(row.first_seq, row.last_seq + 1):
                loaders[seq] = lambda: None
            continue
        try:
            by_seq = archive.read(path, row)
        except archive.ArchiveError as error:
            report.fail(f"archive {row.file_name}: {error}")
            return {}
        for seq in range(row.first_seq, row.last_seq + 1):
            loaders[seq] = lambda seq=seq, by_seq=by_seq: by_seq.get(seq, [])  # type: ignore[misc]
    return loaders


def _still_in_database(seal: AuditSeal) -> bool:
    position = seals.position_of(seal.position_kind)
    query = select(func.count()).where(position >= seal.position_from, position < seal.position_to)
    return bool(db.session.scalar(query))


def _describe(seal: AuditSeal) -> str:
    if seal.first_event_id is None:
        return f"no events, sealed {iso_ms(seal.sealed_at)}"
    return f"events {seal.first_event_id}–{seal.last_event_id}, sealed {iso_ms(seal.sealed_at)}"


def describe_tail(report: Report, now: datetime | None = None) -> str:
    if not report.tail_count:
        return "no unsealed events"
    age = ((now or datetime.now(UTC)) - report.tail_oldest).total_seconds() if report.tail_oldest else 0
    return f"{report.tail_count} unsealed event(s), the oldest {_age(age)} old"


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
