"""Filing an incident, the one place that validates, dedupes and stores one (web form and JSON API alike).

Filing is idempotent per user and key (security-bar "Data durability"; the IETF Idempotency-Key draft):
1. claim the key in a short transaction of its own: a new key is recorded with the request's hash; the same
   key again is a replay (the same incident), a different request (422), or one still in flight (409);
2. store the incident, its attachments, its first history event and its audit event, and mark the key with
   the incident, in one transaction that takes SQLite's write lock up front (`database.take_write_lock`).
If step 2 fails the claim is released; if the worker dies in between, the claim goes stale after
INCIDENT_CLAIM_STALE_SECONDS (configuration) and a retry takes it over. Nothing is acknowledged before step 2 commits.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.audit import service as audit
from app.audit.actor import Actor
from app.audit.search import own_result_event
from app.database import take_write_lock, transaction, upsert_insert
from app.errors import DomainError
from app.extensions import db
from app.incident_codes import EventKind, Status
from app.incidents import snapshot
from app.incidents.attachments import MAX_FILES, Upload
from app.incidents.schema import IncidentInput, problems
from app.models import IdempotencyKey, Incident, IncidentAttachment, IncidentCounter, IncidentEvent, User
from app.models.accounts import Role
from app.offices import office_for
from app.registry import results

KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
REFERENCE = re.compile(r"INC-(\d{4})-(\d{6})")
# How far back an officer can file from a lookup or scan of theirs (the result link's life, lookup.services).
SOURCE_WINDOW = timedelta(hours=12)
SOURCE_ACTIONS = ("lookup.plate", "lookup.card", "card.verify")
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.ADMIN})


class IncidentInputError(DomainError, ValueError):
    """The incident as given cannot be filed; `fields` maps each field to what is wrong (nothing stored)."""

    status = 422
    code = "invalid_incident"

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
        self.fields = dict(fields)


class IdempotencyKeyError(DomainError, ValueError):
    status = 400
    code = "invalid_idempotency_key"


class KeyReused(DomainError):
    """The key was used for a different incident; nothing was stored. `reference`: that incident, once stored."""

    status = 422
    code = "idempotency_key_reused"

    def __init__(self, message: str, reference: str | None = None) -> None:
        super().__init__(message)
        self.reference = reference


class StillFiling(DomainError):
    """A submission with this key is still being stored; the retry may come again in a moment."""

    status = 409
    code = "in_flight"


class IncidentNotFound(DomainError, LookupError):
    status = 404
    code = "not_found"


@dataclass(frozen=True)
class Source:
    """The lookup or scan an incident is filed from, as the audit trail recorded it."""

    kind: snapshot.Source
    query: str | None
    outcome: str | None  # the scan's outcome (verified, revoked, ...); None for a lookup
    event_id: int | None
    at: datetime | None
    rid: str | None = None

    def shown(self, now: datetime) -> dict[str, Any]:
        """The snapshot: the result of this lookup, read from the registry now, as the pages render it."""
        today = now.date()
        at = self.at or now
        if self.kind == "plate" and self.query:
            return snapshot.of_lookup(results.find_plate(self.query, today), at)
        if self.kind == "card" and self.query:
            return snapshot.of_lookup(results.find_card(self.query, today), at)
        if self.kind == "scan":
            found = results.find_card(self.query, today) if self.query else None
            person = found.persons[0] if found and found.persons else None
            return snapshot.of_scan(self.query, self.outcome or "", person, at, found.data_as_of if found else None)
        return snapshot.empty()


NO_SOURCE = Source("none", None, None, None, None)


@dataclass(frozen=True)
class Filed:
    incident: Incident
    replayed: bool  # the same key and content were filed before: this is that incident


def source_for(user_id: int, rid: str | None) -> Source | None:
    """This user's own lookup or scan `rid` from the last 12 hours; None if there is none (or no rid given)."""
    if not rid:
        return NO_SOURCE
    event = own_result_event(user_id, rid, SOURCE_ACTIONS, SOURCE_WINDOW)
    if event is None:
        return None
    if event.action == "card.verify":
        return Source("scan", event.query, event.outcome, event.id, event.occurred_at, rid)
    kind: snapshot.Source = "plate" if event.action == "lookup.plate" else "card"
    return Source(kind, event.query, None, event.id, event.occurred_at, rid)


def validate(data: Mapping[str, Any], now: datetime) -> IncidentInput:
    """The officer's fields, checked; IncidentInputError names each bad field."""
    try:
        return IncidentInput.model_validate(dict(data), context={"now": now})
    except ValidationError as error:
        raise IncidentInputError(problems(error)) from None


def file_incident(
    data: Mapping[str, Any],
    source: Source,
    uploads: Sequence[Upload],
    key: str,
    user: User,
    actor: Actor,
    now: datetime | None = None,
    via: Mapping[str, object] | None = None,
) -> Filed:
    """File an incident once per (user, key): validate, claim the key, store; see the module docstring.

    Raises IncidentInputError (422), IdempotencyKeyError (400), KeyReused (422) or StillFiling (409); each
    refusal is audited and stores nothing. `via` goes into the audit events' detail (the JSON API and its token).
    """
    now = now or datetime.now(UTC)
    if not KEY.fullmatch(key or ""):
        raise IdempotencyKeyError("the idempotency key must be 16 to 64 letters, digits, '-' or '_'")
    try:
        incident_input = validate(data, now)
        if len(uploads) > MAX_FILES:
            raise IncidentInputError({"attachments": f"at most {MAX_FILES} attachments"})
    except IncidentInputError as error:
        audit.record_now(
            "incident.file", "invalid", actor=actor, detail={"fields": sorted(error.fields), **(via or {})}
        )
        raise
    digest = request_hash(incident_input, source, uploads)
    try:
        claimed_at, earlier = _claim(user.id, key, digest, now)
    except (KeyReused, StillFiling) as refusal:
        audit.record_now("incident.file", refusal.code or "refused", actor=actor, detail=dict(via) if via else None)
        raise
    if earlier is not None:
        audit.record_now("incident.file", "replayed", actor=actor, record_ids=[f"incident:{earlier.reference}"])
        return Filed(earlier, replayed=True)
    try:
        with transaction():
            take_write_lock()
            incident = _store(incident_input, source, uploads, user, actor, now, via or {})
            claim = db.session.scalars(
                select(IdempotencyKey)
                .where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
                .with_for_update()  # a retry taking a stale claim over waits, then finds it taken (PostgreSQL)
            ).one()
            if claim.claimed_at != claimed_at or claim.incident_id is not None:
                raise StillFiling("another submission with this key took it over; try again in a moment")
            claim.incident_id = incident.id
    except BaseException:
        _release(user.id, key, claimed_at)
        raise
    return Filed(incident, replayed=False)


def request_hash(incident_input: IncidentInput, source: Source, uploads: Sequence[Upload]) -> str:
    """What makes two submissions the same request: the fields, the lookup filed from, the files' hashes."""
    body = {
        "incident": incident_input.model_dump(mode="json"),
        "source": [source.kind, source.query, source.event_id],
        "attachments": [[u.filename, u.sha256] for u in uploads],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _claim(user_id: int, key: str, digest: str, now: datetime) -> tuple[datetime, Incident | None]:
    """Claim the key (committed); returns the claim's time, and the incident if this is a replay."""
    with transaction():
        take_write_lock()
        inserted = db.session.execute(
            upsert_insert(IdempotencyKey)
            .values(user_id=user_id, key=key, request_hash=digest, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(IdempotencyKey.id)
        ).scalar()
        if inserted is not None:
            return now, None
        claim = db.session.scalars(
            select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key).with_for_update()
        ).one()
        if claim.request_hash != digest:
            earlier = db.session.get(Incident, claim.incident_id) if claim.incident_id else None
            raise KeyReused(
                "This form already filed an incident with different details; these details were not stored.",
                earlier.reference if earlier else None,
            )
        if claim.incident_id is not None:
            return claim.claimed_at, db.session.get(Incident, claim.incident_id)
        if now - claim.claimed_at < timedelta(seconds=current_app.config["INCIDENT_CLAIM_STALE_SECONDS"]):
            raise StillFiling("this incident is still being filed; try again in a moment")
        claim.claimed_at = now  # the submission that made the claim died before storing anything
        return now, None


def _release(user_id: int, key: str, claimed_at: datetime) -> None:
    """Give the key back after a failed store, so Retry works at once; if this fails too, the claim goes stale."""
    try:
        with transaction():
            claim = db.session.scalars(
                select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
            ).first()
            if claim is not None and claim.incident_id is None and claim.claimed_at == claimed_at:
                db.session.delete(claim)
    except Exception:  # noqa: BLE001 - the store's own error is the one to report
        current_app.logger.warning("could not release idempotency key of user %s", user_id)


def _store(
    incident_input: IncidentInput,
    source: Source,
    uploads: Sequence[Upload],
    user: User,
    actor: Actor,
    now: datetime,
    via: Mapping[str, object],
) -> Incident:
    shown = source.shown(now)
    person_id, mission_name, mission_country = snapshot.subject(shown)
    values = incident_input.model_dump()
    incident = Incident(
        reference=_next_reference(now.year),
        filed_at=now,
        filed_by_id=user.id,
        agency_id=user.agency_id,
        office=office_for(incident_input.state, current_app.config["OFM_OFFICE_BY_STATE"]),
        incident_type=values.pop("type"),
        actions_taken=[str(a) for a in values.pop("actions_taken")],
        **values,
        snapshot=shown,
        person_id=person_id,
        mission_name=mission_name,
        mission_country=mission_country,
        lookup_event_id=source.event_id,
        status=Status.SUBMITTED,
        version=1,
        updated_at=now,
    )
    db.session.add(incident)
    db.session.flush()
    for position, upload in enumerate(uploads, start=1):
        db.session.add(
            IncidentAttachment(
                incident_id=incident.id,
                position=position,
                filename=upload.filename,
                media_type=upload.media_type,
                size=upload.size,
                sha256=upload.sha256,
                content=upload.content,
            )
        )
    db.session.add(
        IncidentEvent(
            incident_id=incident.id,
            version=1,
            at=now,
            author_id=user.id,
            author=actor.label,
            kind=EventKind.FILED,
            detail={"office": str(incident.office), "attachments": len(uploads)},
        )
    )
    audit.record(
        "incident.file",
        "ok",
        actor=actor,
        record_ids=[f"incident:{incident.reference}", *([f"person:{person_id}"] if person_id else [])],
        detail={
            "type": str(incident.incident_type),
            "office": str(incident.office),
            "attachments": [u.sha256 for u in uploads],
            **({"lookup_event": source.event_id} if source.event_id else {}),
            **via,
        },
    )
    return incident


def _next_reference(year: int) -> str:
    """INC-YYYY-NNNNNN: the year's counter, raised in this transaction (a row lock on PostgreSQL)."""
    number = db.session.execute(
        upsert_insert(IncidentCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": IncidentCounter.last + 1})
        .returning(IncidentCounter.last)
    ).scalar_one()
    return f"INC-{year:04d}-{number:06d}"


def incident_for(reference: str, viewer: User) -> Incident:
    """The incident, if this user may see it: its filer, reviewers and admins. Anyone else gets the same
    IncidentNotFound as for a reference that does not exist, so an id guess learns nothing."""
    incident = db.session.scalar(select(Incident).where(Incident.reference == reference.upper()))
    if incident is None or not may_see(incident, viewer):
        raise IncidentNotFound(f"no incident {reference} that you can open")
    return incident


def own_incident(reference: str, viewer: User, *, actor: Actor, attachment: int | None = None) -> Incident:
    """`incident_for` on the officer's web pages, with a refusal audited as `incident.view` `not_found` (committed)
    as the JSON API does: an officer trying other officers' references shows up in the trail (security bar Z3)."""
    try:
        return incident_for(reference, viewer)
    except IncidentNotFound:
        named = reference.upper()
        audit.record_now(
            "incident.view",
            "not_found",
            actor=actor,
            record_ids=[f"incident:{named}"] if REFERENCE.fullmatch(named) else [],
            detail={"via": "web", **({"attachment": attachment} if attachment is not None else {})},
        )
        raise


def may_see(incident: Incident, viewer: User) -> bool:
    return incident.filed_by_id == viewer.id or viewer.role in REVIEW_ROLES


def own_incidents(user: User, limit: int = 100) -> list[Incident]:
    """The user's own incidents, newest first."""
    return list(
        db.session.scalars(
            select(Incident).where(Incident.filed_by_id == user.id).order_by(Incident.filed_at.desc()).limit(limit)
        )
    )


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def attachment(incident: Incident, position: int, *, actor: Actor) -> Download:
    """One attachment of an incident the caller may see (`incident_for`), and its `incident.attachment` audit event
    (committed): the filer's download on /incidents and a reviewer's on /review alike."""
    found = db.session.scalars(
        select(IncidentAttachment)
        .where(IncidentAttachment.incident_id == incident.id, IncidentAttachment.position == position)
        .options(undefer(IncidentAttachment.content))
    ).one_or_none()
    if found is None:
        raise IncidentNotFound(f"incident {incident.reference} has no attachment {position}")
    with transaction():
        audit.record(
            "incident.attachment",
            "ok",
            actor=actor,
            record_ids=[f"incident:{incident.reference}", f"attachment:{found.sha256[:16]}"],
            detail={"position": position, "media_type": found.media_type, "size": found.size, "sha256": found.sha256},
        )
    return Download(found.filename, found.media_type, found.content)
