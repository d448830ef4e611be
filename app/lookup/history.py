"""This sign-in's lookups ("This session" on the pages, result links /lookup/r/<rid>), read from the audit trail.

Each page lookup's audit event already says who looked up what and when, and names its result (`rid`); it also
carries the sign-in's tag and the history line's summary. So the history needs no write of its own and the
lookup's audit event is the only write of a lookup (issue 14). Only the user's own events of this sign-in are
read: another device's or an earlier session's lookups are not "this session".
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from app.audit.search import LOOKUP_ACTIONS, RecentLookup, own_marked_events
from app.lookup.wording import DRIVING_SHORT, LEVEL_WORDS
from app.registry.results import Kind, LookupResult, PersonResult

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
    for action, query, occurred_at, carried in own_marked_events(user_id, LOOKUP_ACTIONS, since, {TAG_KEY: tag}, SIZE):
        entries += _entry(action, query, occurred_at, carried)
    return entries


def from_recent(recent: list[RecentLookup], tag: str, since: datetime, cut: bool) -> list[Entry] | None:
    """This sign-in's lookups among the user's recent ones (app.audit.search.own_recent_lookups, newest first),
    or None when that read cannot tell: it was `cut` at its limit before reaching SIZE of this sign-in's lookups
    or the sign-in's start (the user's other sign-ins or API tokens looked up in between); then read `recent`."""
    mark = f'"{TAG_KEY}":"{tag}"'  # canonical JSON, as own_marked_events matches it
    entries = []
    for lookup in recent:
        if lookup.occurred_at < since:
            return entries
        if lookup.detail and mark in lookup.detail:
            entries += _entry(lookup.action, lookup.query, lookup.occurred_at, lookup.detail)
            if len(entries) == SIZE:
                return entries
    return None if cut else entries


def with_new(entries: list[Entry], rid: str, result: LookupResult) -> list[Entry]:
    """`entries` (read before the lookup) with the lookup just made on top: what `recent` reads after it.

    The page reads the history before the lookup rather than after its commit: one read of the trail fewer
    on every lookup (issue 14), and the same lines, since the lookup's own event says what its line says.
    """
    at = result.looked_up_at or datetime.now(UTC)
    entry = Entry(rid=rid, kind=result.kind, query=result.query, at=_clock(at), summary=summary(result))
    return [entry, *(e for e in entries if e.rid != rid)][:SIZE]


def _entry(action: str, query: str | None, occurred_at: datetime, detail: str | None) -> list[Entry]:
    """The history line a page lookup's event carries: none for an event without a result id."""
    carried = json.loads(detail or "{}")
    if not carried.get("rid"):
        return []
    return [
        Entry(
            rid=str(carried["rid"]),
            kind="plate" if action == "lookup.plate" else "card",
            query=query or "",
            at=_clock(occurred_at),
            summary=str(carried.get(SUMMARY_KEY, "")),
        )
    ]


def _clock(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M UTC")


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
