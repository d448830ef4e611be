"""This sign-in's lookups ("This session" on the pages, result links /lookup/r/<rid>), read from the audit trail.

Each page lookup's audit event already says who looked up what and when, and names its result (`rid`); it also
carries the sign-in's tag and the history line's summary. So the history needs no write of its own and the
lookup's audit event is the only write of a lookup (issue 14). Only the user's own events of this sign-in are
read: another device's or an earlier session's lookups are not "this session".
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from app.audit.search import own_marked_events
from app.lookup.wording import DRIVING_SHORT, LEVEL_WORDS
from app.registry.results import Kind, LookupResult, PersonResult

ACTIONS = ("lookup.plate", "lookup.card")
SIZE = 20
# The detail keys a page lookup's audit event carries for the history.
TAG_KEY = "signin"
SUMMARY_KEY = "summary"


@dataclass(frozen=True)
class Entry:
    """One line of the history: the result's id, what was looked up, when (UTC), what it said."""

    rid: str
    kind: Kind
    query: str
    at: str
    summary: str


def detail(tag: str, result: LookupResult) -> dict[str, str]:
    """What a page lookup's audit event carries so that the history can show it later."""
    return {TAG_KEY: tag, SUMMARY_KEY: summary(result)}


def recent(user_id: int, tag: str, since: datetime) -> list[Entry]:
    """This sign-in's lookups (tagged `tag`, begun at `since`), newest first, at most SIZE."""
    entries = []
    for action, query, occurred_at, carried_json in own_marked_events(user_id, ACTIONS, since, {TAG_KEY: tag}, SIZE):
        carried = json.loads(carried_json or "{}")
        entries.append(
            Entry(
                rid=str(carried.get("rid", "")),
                kind="plate" if action == "lookup.plate" else "card",
                query=query or "",
                at=occurred_at.astimezone(UTC).strftime("%H:%M UTC"),
                summary=str(carried.get(SUMMARY_KEY, "")),
            )
        )
    return [e for e in entries if e.rid]


def summary(result: LookupResult) -> str:
    """What the history line says: each person's level, and a driving record worth relaying."""
    if not result.found:
        return "no record"
    if not result.persons:
        return "official car, no person"
    return ", ".join(_person_summary(p) for p in result.persons)


def _person_summary(person: PersonResult) -> str:
    words = LEVEL_WORDS[person.level].lower()
    if person.driving is not None and person.driving.level in DRIVING_SHORT:
        words += f" ({DRIVING_SHORT[person.driving.level]})"
    return words
