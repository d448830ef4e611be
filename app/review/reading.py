"""What the review desk reads about one incident: the incident page (the snapshot beside today's live verdict, the
lookup it came from, the person's other incidents and driving record) and its attachments. Every read is audited.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit import service as audit
from app.audit.actor import Actor
from app.extensions import db
from app.immunity import DrivingStatus
from app.incidents import snapshot as snapshots
from app.models import AuditEvent, DrivingPoints, Incident, Person, User
from app.registry import driving
from app.registry.freshness import data_as_of
from app.registry.results import LookupResult, card_by_number, find_card, find_plate, iso, person_result
from app.review import queue
from app.review.services import IncidentNotFound


@dataclass(frozen=True)
class IncidentPage:
    incident: Incident
    # Today's answer for what the officer looked up, in the snapshot's own shape (None: nothing to look up again).
    live: dict[str, Any] | None
    lookup_event: AuditEvent | None
    others: list[Incident]  # the same person's other incidents, newest first
    points: list[DrivingPoints]  # the person's driving record, newest violation first
    driving: DrivingStatus | None
    reviewers: list[User]


def incident_page(reference: str, today: date, *, actor: Actor) -> IncidentPage:
    """Everything the incident page shows, and an `incident.view` audit event for the read (committed)."""
    incident = db.session.scalars(
        select(Incident)
        .where(Incident.reference == reference)
        .options(selectinload(Incident.events), selectinload(Incident.attachments))
    ).one_or_none()
    if incident is None:
        raise IncidentNotFound()
    person_id = incident.person_id
    others: list[Incident] = []
    points: list[DrivingPoints] = []
    if person_id:
        others = list(
            db.session.scalars(
                select(Incident)
                .where(Incident.person_id == person_id, Incident.id != incident.id)
                .order_by(Incident.filed_at.desc())
            )
        )
        points = list(
            db.session.scalars(
                select(DrivingPoints)
                .where(DrivingPoints.person_id == person_id)
                .order_by(DrivingPoints.violation_on.desc(), DrivingPoints.id.desc())
            )
        )
    page = IncidentPage(
        incident=incident,
        live=live_verdict(incident.snapshot, today),
        lookup_event=db.session.get(AuditEvent, incident.lookup_event_id) if incident.lookup_event_id else None,
        others=others,
        points=points,
        driving=driving.statuses([person_id], today).get(person_id) if person_id else None,
        reviewers=queue.reviewers(),
    )
    audit.record(
        "incident.view",
        "ok",
        actor=actor,
        record_ids=[f"incident:{incident.reference}", *([f"person:{person_id}"] if person_id else [])],
    )
    db.session.commit()
    return page


def live_verdict(snapshot: dict[str, Any], today: date) -> dict[str, Any] | None:
    """What the registry says today about what the officer looked up: the same plate or card looked up again, or,
    for a scan or a filing without a lookup, the person the snapshot named. No audit: nobody is shown to an officer.
    """
    now = datetime.now(UTC)
    source, query = snapshot.get("source"), snapshot.get("query")
    if source == "plate" and query:
        return snapshots.of_lookup(find_plate(query, today), now)
    if source in ("card", "scan") and query:
        return snapshots.of_lookup(find_card(query, today), now)
    persons = snapshot.get("persons") or []
    if not persons:
        return None
    person = db.session.get(Person, persons[0]["id"])
    if person is None:
        return snapshots.empty() | {"looked_up_at": iso(now)}
    shown_card = persons[0].get("card") or {}
    card = card_by_number(shown_card["number"]) if shown_card.get("number") else None
    result = LookupResult(
        kind="card",
        query=card.card_number if card else person.id,
        vehicle=None,
        persons=(person_result(person, card if card and card.person_id == person.id else None, today),),
        hint=None,
        hint_mission=None,
        suggestions=(),
        data_as_of=data_as_of(),
    )
    return snapshots.of_lookup(result, now)
