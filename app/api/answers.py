"""The API's answers as plain JSON values, from the objects the pages render (shapes: app.api.schemas)."""

from typing import Any

from app.cards.services import CardCheck, Outcome
from app.models import Incident
from app.registry.results import LookupResult, PhotoUrl, iso


def lookup(result: LookupResult, photo_url: PhotoUrl | None = None) -> dict[str, Any]:
    return result.to_dict(photo_url)


def miss(result: LookupResult) -> dict[str, Any]:
    """A lookup with no record: the error, and the plate's hint and near matches the web page offers."""
    found = result.to_dict()
    what = "plate" if result.kind == "plate" else "card number"
    return {
        "error": "not_found",
        "message": f"No record for {what} {result.query}",
        "query": found["query"],
        "hint": found["hint"],
        "suggestions": found["suggestions"],
        "data_as_of": found["data_as_of"],
    }


def verify(check: CardCheck, photo_url: PhotoUrl | None = None) -> dict[str, Any]:
    """A scan: `verified` or the reason, each step, and the card's person as a lookup shows them."""
    found = check.to_dict(photo_url)
    return {
        "result": "verified" if check.outcome is Outcome.VALID else str(check.outcome),
        "card_number": found["card_number"],
        "checks": found["checks"],
        "checked_at": found["checked_at"],
        "data_as_of": found["data_as_of"],
        "replaced_on": found["replaced_on"],
        "persons": [found["person"]] if found["person"] else [],
    }


def incident(item: Incident) -> dict[str, Any]:
    """What the filer sees of an incident: the filed fields, the snapshot, where it stands (no reviewer notes)."""
    return {
        "reference": item.reference,
        "status": str(item.status),
        "office": str(item.office),
        "filed_at": iso(item.filed_at),
        "updated_at": iso(item.updated_at),
        "closed_at": iso(item.closed_at),
        "type": str(item.incident_type),
        "occurred_at": iso(item.occurred_at),
        "place": item.place,
        "state": item.state,
        "narrative": item.narrative,
        "actions_taken": list(item.actions_taken),
        "citation_number": item.citation_number,
        "report_number": item.report_number,
        "ds_called": item.ds_called,
        "ds_confirmed_by": item.ds_confirmed_by,
        "ds_confirmed_at": iso(item.ds_confirmed_at),
        "impairment_signs": item.impairment_signs,
        "sobriety_tests": item.sobriety_tests,
        "snapshot": item.snapshot,
        "attachments": [
            {
                "position": a.position,
                "filename": a.filename,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in sorted(item.attachments, key=lambda a: a.position)
        ],
    }
