"""The OFM driving record: record confirmed points against a person, and read each person's driving status."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from app.audit import service as audit
from app.audit.actor import Actor, current_actor
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.immunity.driving import MAX_POINTS_PER_VIOLATION, DrivingStatus, driving_status, window_start
from app.models import DrivingPoints, Person

REFERENCE_MAX = 60


class DrivingRecordError(DomainError, ValueError):
    """The points cannot be recorded as given; the message says why."""


def add_points(
    person_id: str, points: int, violation_on: date, reference: str, today: date, *, actor: Actor
) -> DrivingPoints:
    """Add points for one violation, and its audit event, to the caller's transaction (not committed).

    The review desk confirms points and changes an incident's status in one commit.
    """
    reference = " ".join(reference.split())
    person = db.session.get(Person, person_id)
    if person is None:
        raise DrivingRecordError(f"no person with id {person_id!r} in the registry")
    if not 1 <= points <= MAX_POINTS_PER_VIOLATION:
        raise DrivingRecordError(f"points must be between 1 and {MAX_POINTS_PER_VIOLATION}")
    if violation_on > today:
        raise DrivingRecordError(f"the violation date {violation_on.isoformat()} is in the future")
    if not reference or len(reference) > REFERENCE_MAX:
        raise DrivingRecordError(f"give the citation or case reference (1 to {REFERENCE_MAX} characters)")
    row = DrivingPoints(
        person_id=person_id, violation_on=violation_on, points=points, reference=reference, recorded_by=actor.label
    )
    db.session.add(row)
    audit.record(
        "driving.points_recorded",
        "ok",
        actor=actor,
        record_ids=[f"person:{person_id}"],
        detail={"points": points, "violation_on": violation_on.isoformat(), "reference": reference},
    )
    return row


def record_points(person_id: str, points: int, violation_on: date, reference: str, today: date) -> DrivingPoints:
    """`add_points` by the current actor (on the command line, `cli:<os user>`), committed on its own."""
    with transaction():
        return add_points(person_id, points, violation_on, reference, today, actor=current_actor())


def statuses(person_ids: Iterable[str], today: date) -> dict[str, DrivingStatus]:
    """Each given person's driving status; persons with no points in the last two years are left out."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(DrivingPoints.person_id, DrivingPoints.violation_on, DrivingPoints.points).where(
            DrivingPoints.person_id.in_(ids), DrivingPoints.violation_on >= window_start(today)
        )
    )
    violations: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for person_id, violation_on, points in rows:
        violations[person_id].append((violation_on, points))
    found = {person_id: driving_status(entries, today) for person_id, entries in violations.items()}
    return {person_id: status for person_id, status in found.items() if status is not None}
