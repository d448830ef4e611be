"""Reading the audit trail for the admin page: filters, newest-first pages of 50, and auditing the read itself."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Row, Select, func, or_, select

from app.audit import service as audit
from app.extensions import db
from app.models.audit import AuditEvent

PAGE_SIZE = 50
FIELD_MAX = 254


class FilterError(ValueError):
    """The filter form has bad input; `problems` maps each field to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class Filters:
    user: str = ""
    action: str = ""
    outcome: str = ""
    record_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_params(self) -> dict[str, str]:
        """The filters as query-string parameters (for the pagination links), empty ones left out."""
        params = {
            "user": self.user,
            "action": self.action,
            "outcome": self.outcome,
            "record_id": self.record_id,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in params.items() if v}

    def as_detail(self) -> dict[str, object]:
        return {"filters": self.as_params()}


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    filters: Filters
    # Cursors for the neighbouring pages: show events older than `older` / newer than `newer`.
    older: int | None = None
    newer: int | None = None
    params: dict[str, str] = field(default_factory=dict)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read the filter form; every problem is reported at once, nothing is guessed."""
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    for name in ("user", "action", "outcome", "record_id"):
        value = (args.get(name) or "").strip()
        if len(value) > FIELD_MAX:
            problems[name] = f"at most {FIELD_MAX} characters"
        values[name] = value
    dates: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()
        try:
            dates[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            problems[name] = "a date like 2026-11-23"
            dates[name] = None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        problems["to"] = "must not be before the start date"
    if problems:
        raise FilterError(problems)
    return Filters(
        user=values["user"].lower(),
        action=values["action"],
        outcome=values["outcome"],
        record_id=values["record_id"],
        date_from=dates["from"],
        date_to=dates["to"],
    )


def parse_cursor(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise FilterError({"page": "not a page of this list"})
    return int(raw)


def search(filters: Filters, before: int | None = None, after: int | None = None) -> Page:
    """One page of events, newest first, and an `audit.read` event for the read (committed)."""
    query = _filtered(filters)
    if after is not None:
        rows = list(db.session.scalars(query.where(AuditEvent.id > after).order_by(AuditEvent.id).limit(PAGE_SIZE + 1)))
        has_newer = len(rows) > PAGE_SIZE
        events = list(reversed(rows[:PAGE_SIZE]))
        has_older = bool(events) and _exists(query.where(AuditEvent.id < events[-1].id))
    else:
        if before is not None:
            query = query.where(AuditEvent.id < before)
        rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
        has_older = len(rows) > PAGE_SIZE
        events = rows[:PAGE_SIZE]
        newer_exists = bool(events) and _exists(_filtered(filters).where(AuditEvent.id > events[0].id))
        has_newer = before is not None and newer_exists
    shown = {"shown": len(events), "newest": events[0].id, "oldest": events[-1].id} if events else {"shown": 0}
    audit.record("audit.read", "ok", detail={**filters.as_detail(), **shown})
    db.session.commit()
    return Page(
        events=events,
        filters=filters,
        older=events[-1].id if has_older and events else None,
        newer=events[0].id if has_newer and events else None,
        params=filters.as_params(),
    )


def record_refused(problems: Mapping[str, str]) -> None:
    """Audit a read refused for bad filter input."""
    db.session.rollback()
    audit.record_now("audit.read", "invalid", detail={"fields": sorted(problems)})


def _filtered(filters: Filters) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
    if filters.user:
        query = query.where(func.lower(AuditEvent.user_email).contains(filters.user, autoescape=True))
    if filters.action:
        query = query.where(
            or_(
                AuditEvent.action == filters.action,
                AuditEvent.action.startswith(filters.action + ".", autoescape=True),
            )
        )
    if filters.outcome:
        query = query.where(AuditEvent.outcome == filters.outcome)
    if filters.record_id:
        # record_ids is "A,B,C" (often typed, "card:DA100001"): match one whole id, with or without
        # its type, never a part of one.
        padded = "," + AuditEvent.record_ids + ","
        query = query.where(
            or_(
                padded.contains("," + filters.record_id + ",", autoescape=True),
                padded.contains(":" + filters.record_id + ",", autoescape=True),
            )
        )
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        day_after = datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC)
        query = query.where(AuditEvent.occurred_at < day_after)
    return query


def _exists(query: Select[tuple[AuditEvent]]) -> bool:
    return db.session.scalar(select(query.limit(1).exists())) is True


# One user's events newest first, in the order of the (user_id, occurred_at) index: the database walks the index
# backwards and stops at the LIMIT. Ordered by id alone it reads and sorts every event of the user in the time range
# first (SQLite: "USE TEMP B-TREE FOR ORDER BY"), so a dispatcher's 500th lookup of a shift read 500 rows (issue 14).
# The id breaks ties of the same millisecond.
OWN_NEWEST_FIRST = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())

# The id a lookup page or a scan gives its result (secrets.token_urlsafe(9)), kept in the audit event's detail.
RESULT_ID = re.compile(r"[A-Za-z0-9_-]{12}")


def own_result_event(user_id: int, rid: str, actions: tuple[str, ...], within: timedelta) -> AuditEvent | None:
    """This user's own audit event, of one of `actions`, that named result `rid`, from the last `within`.

    Result links carry only the id; what they were about is in the trail, and only their owner may read it.
    """
    if not RESULT_ID.fullmatch(rid):
        return None
    return db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.user_id == user_id,
            AuditEvent.action.in_(actions),
            AuditEvent.occurred_at >= datetime.now(UTC) - within,
            AuditEvent.detail.contains(f'"rid":"{rid}"', autoescape=True),
        )
        .order_by(*OWN_NEWEST_FIRST)
        .limit(1)
    ).first()


class RecentLookup(NamedTuple):
    """One of a user's recent lookups, as the walk check and the page's history read it (own_recent_lookups)."""

    action: str
    query: str | None
    outcome: str
    occurred_at: datetime
    detail: str | None


LOOKUP_ACTIONS = ("lookup.plate", "lookup.card")
LOOKUP_FOUND_OR_MISSED = ("hit", "miss")  # invalid input is audited too, but found nothing and steps no walk


def own_recent_lookups(user_id: int, since: datetime, limit: int) -> list[RecentLookup]:
    """This user's plate and card lookups that found or missed, since `since`, newest first, at most `limit`.

    One indexed read serves both the walk check (app.lookup.walks) and the page's history (app.lookup.history)
    on every lookup (issue 14). Plain rows, not ORM objects.
    """
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.query, AuditEvent.outcome, AuditEvent.occurred_at, AuditEvent.detail)
        .where(
            AuditEvent.user_id == user_id,
            AuditEvent.occurred_at >= since,
            AuditEvent.action.in_(LOOKUP_ACTIONS),
            AuditEvent.outcome.in_(LOOKUP_FOUND_OR_MISSED),
        )
        .order_by(*OWN_NEWEST_FIRST)
        .limit(limit)
    )
    return [RecentLookup(*row) for row in rows]


def own_marked_events(
    user_id: int, actions: tuple[str, ...], since: datetime, marks: Mapping[str, str], limit: int
) -> list[Row[tuple[str, str | None, datetime, str]]]:
    """This user's own events of `actions` since `since` whose detail holds every key and value of `marks`,
    newest first, at most `limit`: e.g. the lookups of one sign-in. Each as (action, query, occurred_at, detail):
    read on every lookup, so plain rows rather than ORM objects.

    The detail is canonical JSON, so a `"key":"value"` pair is matched as text; values are ids and tags
    (letters, digits, - and _), never free text.
    """
    query = select(AuditEvent.action, AuditEvent.query, AuditEvent.occurred_at, AuditEvent.detail).where(
        AuditEvent.user_id == user_id, AuditEvent.action.in_(actions), AuditEvent.occurred_at >= since
    )
    for key, value in marks.items():
        query = query.where(AuditEvent.detail.contains(f'"{key}":"{value}"', autoescape=True))
    return list(db.session.execute(query.order_by(*OWN_NEWEST_FIRST).limit(limit)))
