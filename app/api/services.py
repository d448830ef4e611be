"""What the API's calls do, on the same services as the web pages (one source of truth for verdict and audit).

Lookups are app.lookup.services.lookup (the officer page's policy and audit), scans app.cards.services, filing
app.incidents.service; this module only reads the API's inputs into their arguments and says `via` the API.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app import alphabets
from app.api import schemas
from app.api.bearer import via_api
from app.audit import service as audit
from app.audit.actor import current_actor
from app.cards.services import CardCheck, verify_card_token
from app.database import transaction
from app.incidents import service as incidents
from app.lookup import services as lookups
from app.models import Incident, User
from app.registry.results import Kind, LookupResult

SHAPES = {
    "plate": (re.compile(schemas.PLATE_PATTERN), "A plate has 1 to 10 letters and digits (spaces, dots, hyphens)"),
    "card": (re.compile(schemas.CARD_NUMBER_PATTERN), "A card number has 4 to 20 letters and digits"),
}
REFERENCE = re.compile(schemas.REFERENCE_PATTERN)


def look_up(raw: str, kind: Kind, rid: str | None = None) -> LookupResult:
    """The web page's lookup of a plate or card number from the URL; LookupInputError (400) when it cannot be
    one. A path parameter outside the document's pattern is refused here, audited like any invalid query.
    `rid` names the answer, as on the page: its photo addresses are bound to it."""
    pattern, message = SHAPES[kind]
    if not pattern.fullmatch(raw):
        letters = alphabets.foreign_letters(raw)
        audit.record_now(f"lookup.{kind}", "invalid", detail=via_api())
        raise lookups.LookupInputError(alphabets.retype_message(letters) if letters else message)
    return lookups.lookup(raw, kind, rid=rid, via=via_api())


def verify(token: str, rid: str | None = None) -> CardCheck:
    return verify_card_token(token, datetime.now(UTC), rid=rid, via=via_api())


class SubjectError(incidents.IncidentInputError):
    """The plate or card number an incident is filed about cannot be read."""


def file_incident(body: Mapping[str, Any], key: str, user: User) -> incidents.Filed:
    """File the incident in `body` (IncidentRequest's fields) once per key, about the plate or card number it
    names: its snapshot is that lookup's live verdict now. Raises what app.incidents.service raises."""
    now = datetime.now(UTC)
    data = {name: value for name, value in body.items() if name not in schemas.SUBJECT_FIELDS}
    source = _subject(body.get("plate"), body.get("card_number"), now)
    return incidents.file_incident(data, source, [], key, user, current_actor(), now, via=via_api())


def _subject(plate: object, card_number: object, now: datetime) -> incidents.Source:
    if plate and card_number:
        raise SubjectError({"plate": "give the plate or the card number looked up, not both"})
    field, kind = ("plate", "plate") if plate else ("card_number", "card")
    raw = plate or card_number
    if not raw:
        return incidents.NO_SOURCE
    try:
        kind, query = lookups.normalise(str(raw), kind)  # type: ignore[arg-type]
    except lookups.LookupInputError as error:
        raise SubjectError({field: str(error)}) from None
    return incidents.Source(kind, query, None, None, now)


def incident(reference: str, viewer: User) -> Incident:
    """The incident if this user may see it (its filer, reviewers, admins), else IncidentNotFound; audited."""
    if not REFERENCE.fullmatch(reference):
        audit.record_now("incident.view", "not_found", detail=via_api())
        raise incidents.IncidentNotFound(f"no incident {reference[:20]} that you can open")
    try:
        found = incidents.incident_for(reference, viewer)
    except incidents.IncidentNotFound:
        audit.record_now("incident.view", "not_found", record_ids=[f"incident:{reference}"], detail=via_api())
        raise
    with transaction():
        audit.record("incident.view", "ok", record_ids=[f"incident:{found.reference}"], detail=via_api())
    return found
