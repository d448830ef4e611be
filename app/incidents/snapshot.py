"""What the officer was shown, kept with the incident: the lookup or scan it was filed from, as plain JSON.

Built from the same result objects the pages and the API render (app.registry.results, app.cards.services),
so a snapshot says what the screen said: for each person the verdict level and headline, card status,
mission and driving record; the vehicle; for a miss the plate as seen and its hint; when the data was last
updated. The registry may change later; a stored snapshot never does (the review page shows today's verdict
beside it).
"""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from app.registry.results import LookupResult, PersonResult, iso

# Where the incident was filed from: a plate or card-number lookup, a QR scan (/v/), or no lookup at all.
Source = Literal["plate", "card", "scan", "none"]
VERSION = 1


def of_lookup(result: LookupResult, looked_up_at: datetime) -> dict[str, Any]:
    """A plate or card-number lookup, hit or miss (a miss keeps the plate as seen and its hint)."""
    return {
        "version": VERSION,
        "source": result.kind,
        "query": result.query,
        "looked_up_at": iso(looked_up_at),
        "found": result.found,
        "check": None,
        "hint": {**asdict(result.hint), "mission": result.hint_mission} if result.hint else None,
        "vehicle": result.vehicle.to_dict() if result.vehicle else None,
        "persons": [_person(p) for p in result.persons],
        "data_as_of": iso(result.data_as_of),
    }


def of_scan(
    card_number: str | None,
    outcome: str,
    person: PersonResult | None,
    checked_at: datetime,
    data_as_of: datetime | None,
) -> dict[str, Any]:
    """A QR scan: the check's outcome (verified, or why not) and the card's holder when the registry knew it."""
    return {
        "version": VERSION,
        "source": "scan",
        "query": card_number,
        "looked_up_at": iso(checked_at),
        "found": person is not None,
        "check": {"outcome": outcome},
        "hint": None,
        "vehicle": None,
        "persons": [_person(person)] if person else [],
        "data_as_of": iso(data_as_of),
    }


def empty() -> dict[str, Any]:
    """Filed without a lookup: nothing was shown."""
    return {
        "version": VERSION,
        "source": "none",
        "query": None,
        "looked_up_at": None,
        "found": False,
        "check": None,
        "hint": None,
        "vehicle": None,
        "persons": [],
        "data_as_of": None,
    }


def subject(snapshot: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The person id, mission name and mission country an incident is filed against, for the queue's filters:
    the first person shown, else the vehicle's mission; a miss names no mission (a plate code is only a hint)."""
    if snapshot["persons"]:
        first = snapshot["persons"][0]
        return first["id"], first["mission"]["name"], first["mission"]["country"]
    if snapshot["vehicle"]:
        mission = snapshot["vehicle"]["mission"]
        return None, mission["name"], mission["country"]
    return None, None, None


def _person(person: PersonResult) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.full_name,
        "title": person.title,
        "mission": {"name": person.mission_name, "country": person.mission_country, "city": person.mission_city},
        "category": person.category,
        "relationship": person.relationship,
        "status": person.status,
        "card": person.card.to_dict() if person.card else None,
        "problems": list(person.problems),
        "verdict": {"level": str(person.level), "headline": person.verdict.headline},
        "driving": {"status": str(person.driving.level), "points": person.driving.points} if person.driving else None,
    }
