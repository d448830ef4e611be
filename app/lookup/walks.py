"""A walk through sequential plates or card numbers: someone trying DAB1201, DAB1202, DAB1203, ... to find who
is registered, rather than looking up the car in front of them. Raises the `lookup.walk` alert.

Checked after every lookup of a numbered query, hits as well as misses (a walk through registered plates is the
one that harvests who is who), from the user's own recent lookups in the audit trail: read once per lookup, before
its event is written, by app.lookup.services (the page's history comes from the same read), and nothing is
written unless the alert is raised (at most once per user per WINDOW).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.audit import alerts
from app.audit.search import RecentLookup
from app.extensions import db
from app.models.audit import AuditEvent

WINDOW = timedelta(minutes=10)
MIN_RUN = 5  # this many lookups in one near-consecutive run make a walk
MAX_GAP = 3  # DAB1201 then DAB1204 is still a step of the walk
RECENT_MAX = 50  # lookups read back per check
# Letters (and anything else) before the last run of digits, the digits, anything after: DAB1201 -> DAB, 1201.
NUMBERED = re.compile(r"(.*?)(\d+)(\D*)")


def longest_run(queries: Iterable[str], max_gap: int = MAX_GAP) -> list[str]:
    """The longest run of queries that differ only in their number, each within `max_gap` of the one before.

    Queries are grouped by what surrounds their last number (same letters, same count of digits); a query
    without digits is never part of a run. The run comes back in ascending order.
    """
    groups: dict[tuple[str, int, str], dict[int, str]] = defaultdict(dict)
    for query in queries:
        match = NUMBERED.fullmatch(query)
        if match:
            before, digits, after = match.groups()
            groups[(before, len(digits), after)][int(digits)] = query
    best: list[str] = []
    for numbered in groups.values():
        run: list[int] = []
        for number in sorted(numbered):
            run = [*run, number] if run and number - run[-1] <= max_gap else [number]
            if len(run) > len(best):
                best = [numbered[n] for n in run]
    return best


def watches(query: str) -> bool:
    """Only a query with a number in it can step a walk: any other needs no read of the trail."""
    return NUMBERED.fullmatch(query) is not None


def check_after_lookup(
    user_id: int | None, lookup: tuple[str, str], earlier: Iterable[RecentLookup], now: datetime | None = None
) -> None:
    """Raise `lookup.walk` when this user's lookups of the last WINDOW hold a run of MIN_RUN, once per WINDOW.

    `lookup` is the lookup just committed (query, outcome); `earlier` the user's lookups read just before its
    audit event was written (app.audit.search.own_recent_lookups, newest first, at most RECENT_MAX): one read
    serves this check and the page's history (app.lookup.services).
    """
    if user_id is None or not watches(lookup[0]):
        return
    since = (now or datetime.now(UTC)) - WINDOW
    recent = [lookup] + [(e.query, e.outcome) for e in earlier if e.occurred_at >= since and e.query]
    recent = recent[:RECENT_MAX]
    run = longest_run({q for q, _outcome in recent})
    if len(run) < MIN_RUN or _raised_since(user_id, since):
        return
    hits = {q for q, outcome in recent if outcome == "hit"}
    detail = {
        "user_id": user_id,
        "lookups": len(run),
        "hits": sum(1 for q in run if q in hits),
        "first": run[0],
        "last": run[-1],
        "window_minutes": WINDOW.seconds // 60,
    }
    alerts.raise_alert("lookup.walk", detail=detail)


def _raised_since(user_id: int, since: datetime) -> bool:
    query = select(AuditEvent.id).where(
        AuditEvent.user_id == user_id,
        AuditEvent.occurred_at >= since,
        AuditEvent.action == alerts.ACTION_PREFIX + "lookup.walk",
    )
    return db.session.scalar(query.limit(1)) is not None
