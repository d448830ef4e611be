"""The review desk's actions on an incident: assign, note, change status, confirm points; and bulk assignment.

Every action validates, appends one IncidentEvent, moves the projection on Incident (status, assignee, version),
writes its audit event and commits once. Each names the `version` the reviewer's page showed: if the incident
has moved on since, the action is refused with StaleVersion and nothing is stored. The row is locked while the
action runs (PostgreSQL; SQLite serialises writers anyway), and the unique (incident, version) of the history
backs that up under races. Nothing filed is ever edited.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import service as audit
from app.audit.actor import Actor
from app.database import take_write_lock, transaction
from app.errors import DomainError
from app.extensions import db
from app.incident_codes import REOPEN, STATUS_LABELS, EventKind, Status, may_move
from app.models import Incident, IncidentEvent, User
from app.models.accounts import Role
from app.models.base import utcnow
from app.registry import driving
from app.review import queue

NOTE_MAX = 4000
REASON_MAX = 1000


class ReviewError(DomainError):
    """The action cannot be taken as asked; the message says why. Nothing was stored."""


class IncidentNotFound(DomainError):
    status = 404

    def __init__(self) -> None:
        super().__init__("No incident with this reference.")


class StaleVersion(DomainError):
    """The incident changed after the reviewer's page was shown; nothing was changed."""

    status = 409
    code = "stale_version"

    def __init__(self, author: str, at: datetime) -> None:
        super().__init__(
            f"{author} changed this incident at {at:%H:%M} UTC; here is the current state — nothing was changed."
        )
        self.author = author
        self.at = at


def get(reference: str) -> Incident:
    incident = db.session.scalars(select(Incident).where(Incident.reference == reference)).one_or_none()
    if incident is None:
        raise IncidentNotFound()
    return incident


def assign(reference: str, version: int, assignee_id: int, *, actor: Actor) -> Incident:
    """Assign the incident to a reviewer or admin (the actor themself or another)."""

    def change(incident: Incident) -> dict[str, Any]:
        assignee = _assignable(assignee_id)
        if incident.assignee_id == assignee.id:
            raise ReviewError(f"This incident is already assigned to {assignee.email}.")
        previous = incident.assignee.email if incident.assignee else None
        incident.assignee_id = assignee.id
        return {"assignee": assignee.email, "assignee_id": assignee.id, "previous": previous}

    return _act(reference, version, EventKind.ASSIGNED, "incident.assigned", change, actor=actor)


def add_note(reference: str, version: int, note: str, *, actor: Actor) -> Incident:
    note = note.strip()
    if not note:
        raise ReviewError("Write the note first.")
    if len(note) > NOTE_MAX:
        raise ReviewError(f"A note is at most {NOTE_MAX} characters.")
    # The audit event carries the note's length, not its words: the incident's history holds those.
    return _act(
        reference,
        version,
        EventKind.NOTE,
        "incident.note",
        lambda _incident: {"note": note},
        actor=actor,
        audit_detail=lambda _detail: {"characters": len(note)},
    )


def move(reference: str, version: int, to: str, reason: str, *, actor: Actor) -> Incident:
    """Change the status along app.incident_codes.TRANSITIONS; reopening a closed incident needs a reason."""
    reason = reason.strip()

    def change(incident: Incident) -> dict[str, Any]:
        try:
            target = Status(to)
        except ValueError:
            raise ReviewError("Choose a status.") from None
        current = incident.status
        if not may_move(current, target):
            raise ReviewError(
                f"An incident that is {STATUS_LABELS[current].lower()} cannot move to {STATUS_LABELS[target].lower()}."
            )
        if (current, target) == REOPEN and not reason:
            raise ReviewError("Give the reason for reopening this closed incident.")
        if len(reason) > REASON_MAX:
            raise ReviewError(f"A reason is at most {REASON_MAX} characters.")
        incident.status = target
        incident.closed_at = utcnow() if target is Status.CLOSED else None
        return {"from": current.value, "to": target.value} | ({"reason": reason} if reason else {})

    return _act(reference, version, EventKind.STATUS, "incident.status", change, actor=actor)


def confirm_points(
    reference: str, version: int, points: int, violation_on: date, today: date, *, actor: Actor
) -> Incident:
    """Confirm points for the violation: the person's driving record gets them (with the incident's reference) in
    the same commit as the incident's POINTS event. Only for an incident filed against a person."""

    def change(incident: Incident) -> dict[str, Any]:
        if incident.person_id is None:
            raise ReviewError("This incident names no person from the registry, so there is no driving record.")
        try:
            driving.add_points(incident.person_id, points, violation_on, incident.reference, today, actor=actor)
        except driving.DrivingRecordError as error:
            raise ReviewError(error.message[0].upper() + error.message[1:] + ".") from None
        return {"points": points, "violation_on": violation_on.isoformat(), "person_id": incident.person_id}

    return _act(
        reference,
        version,
        EventKind.POINTS,
        "incident.points",
        change,
        actor=actor,
        record_ids=lambda incident: [f"person:{incident.person_id}"],
    )


def bulk_assign(
    filters: queue.Filters,
    viewer_id: int,
    references: Sequence[str],
    assignee_id: int,
    *,
    actor: Actor,
) -> int:
    """Assign every incident matching the filter (or, when `references` are given, those of them) to one reviewer:
    one ASSIGNED event per incident that changes, one audit event with the filter and the count, one commit.
    Returns how many incidents were assigned (those already with that reviewer are left as they are)."""
    with transaction():
        take_write_lock()  # SQLite: read the set under the write lock, as FOR UPDATE does on PostgreSQL
        assignee = _assignable(assignee_id)
        query = queue.matching(filters, viewer_id).with_for_update()
        if references:
            query = query.where(Incident.reference.in_(list(references)))
        changed: list[str] = []
        for incident in db.session.scalars(query):
            if incident.assignee_id == assignee.id:
                continue
            previous = incident.assignee.email if incident.assignee else None
            incident.assignee_id = assignee.id
            _append(
                incident,
                EventKind.ASSIGNED,
                {"assignee": assignee.email, "assignee_id": assignee.id, "previous": previous, "bulk": True},
                actor,
            )
            changed.append(incident.reference)
        db.session.flush()
        audit.record(
            "incident.assigned",
            "ok",
            actor=actor,
            record_ids=[f"incident:{reference}" for reference in changed] + [f"user:{assignee.id}"],
            detail={
                "bulk": True,
                "filter": filters.as_params(),
                "checked": len(references),
                "count": len(changed),
                "assignee": assignee.email,
            },
        )
    return len(changed)


def _act(
    reference: str,
    version: int,
    kind: EventKind,
    action: str,
    change: Callable[[Incident], dict[str, Any]],
    *,
    actor: Actor,
    audit_detail: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    record_ids: Callable[[Incident], list[str]] | None = None,
) -> Incident:
    """Run one action on the incident at `version`: lock, check the version, change, append, audit, commit."""
    try:
        with transaction():
            take_write_lock()  # SQLite: the version is read under the write lock, as FOR UPDATE does on PostgreSQL
            incident = db.session.scalars(
                select(Incident).where(Incident.reference == reference).with_for_update()
            ).one_or_none()
            if incident is None:
                raise IncidentNotFound()
            if incident.version != version:
                raise _stale(incident)
            detail = change(incident)
            _append(incident, kind, detail, actor)
            db.session.flush()  # a racing action on the same version fails here, before the audit lock is taken
            audit.record(
                action,
                "ok",
                actor=actor,
                record_ids=[f"incident:{incident.reference}", *(record_ids(incident) if record_ids else [])],
                detail={"version": incident.version, **(audit_detail(detail) if audit_detail else detail)},
            )
    except IntegrityError:
        # Another reviewer's action on the same version committed first: the unique (incident, version) said no.
        raise _stale(get(reference)) from None
    return incident


def _append(incident: Incident, kind: EventKind, detail: dict[str, Any], actor: Actor) -> IncidentEvent:
    now = utcnow()
    incident.version += 1
    incident.updated_at = now
    event = IncidentEvent(
        incident_id=incident.id,
        version=incident.version,
        at=now,
        author_id=actor.user_id,
        author=actor.label,
        kind=kind,
        detail=detail,
    )
    db.session.add(event)
    return event


def _stale(incident: Incident) -> StaleVersion:
    latest = db.session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident.id).order_by(IncidentEvent.version.desc())
    ).first()
    if latest is None:
        return StaleVersion("Someone", incident.updated_at)
    return StaleVersion(latest.author, latest.at)


def _assignable(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled or user.role not in (Role.REVIEWER, Role.ADMIN):
        raise ReviewError("Choose a reviewer or an admin to assign it to.")
    return user
