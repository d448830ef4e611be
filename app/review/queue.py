"""The review queue's filter: read from and written back to the URL's query string, turned into a select.

One `Filters` value drives the queue page, its counts, the bulk assignment and the CSV export, so all four
always agree on which incidents "the current filter" means.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db
from app.incident_codes import IncidentType, Status
from app.models import Agency, Incident, User
from app.models.accounts import Role
from app.offices import Office

PAGE_SIZE = 50
TEXT_MAX = 200
ME = "me"
UNASSIGNED = "unassigned"


class FilterError(DomainError, ValueError):
    """The filter in the URL has bad input; `problems` maps each field to what is wrong with it."""

    status = 422

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class Filters:
    """Which incidents the queue shows. Empty strings and None mean "any"."""

    status: Status | None = None
    incident_type: IncidentType | None = None
    office: Office | None = None
    mission: str = ""  # the mission's name contains this
    country: str = ""
    agency: str = ""  # the filing agency's name contains this
    date_from: date | None = None  # occurred_at, UTC dates, both ends included
    date_to: date | None = None
    assignee: str = ""  # "", "me", "unassigned" or a user id
    page: int = 1

    def as_params(self, *, page: bool = False) -> dict[str, str]:
        """The filter as query-string parameters. `office` is always there (empty: all offices), because its
        absence means "open on my home office"; the page number only when asked for and not the first."""
        params = {
            "status": self.status.value if self.status else "",
            "type": self.incident_type.value if self.incident_type else "",
            "mission": self.mission,
            "country": self.country,
            "agency": self.agency,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "assignee": self.assignee,
        }
        kept = {k: v for k, v in params.items() if v}
        kept["office"] = self.office.value if self.office else ""
        if page and self.page > 1:
            kept["page"] = str(self.page)
        return kept

    def on_page(self, number: int) -> dict[str, str]:
        return replace(self, page=number).as_params(page=True)

    def without_status(self) -> "Filters":
        return replace(self, status=None, page=1)


def home_office(viewer: User) -> Office | None:
    """Where the viewer's queue opens: their office; headquarters, no office or an admin see every office."""
    if viewer.role == Role.ADMIN or viewer.office in (None, Office.HEADQUARTERS):
        return None
    return viewer.office


def parse(args: Mapping[str, str], viewer: User) -> Filters:
    """Read the filter from a query string; every problem is reported at once, nothing is guessed."""
    problems: dict[str, str] = {}

    def text(name: str) -> str:
        value = " ".join((args.get(name) or "").split())
        if len(value) > TEXT_MAX:
            problems[name] = f"at most {TEXT_MAX} characters"
        return value

    def code(name: str, choices: type[StrEnum]) -> Any:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        try:
            return choices(raw)
        except ValueError:
            problems[name] = "not one of the choices"
            return None

    def day(name: str) -> date | None:
        raw = (args.get(name) or "").strip()
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            problems[name] = "a date like 2026-11-23"
            return None

    office = code("office", Office) if "office" in args else home_office(viewer)
    date_from, date_to = day("from"), day("to")
    if date_from and date_to and date_from > date_to:
        problems["to"] = "must not be before the start date"
    assignee = (args.get("assignee") or "").strip()
    if assignee not in ("", ME, UNASSIGNED) and not (assignee.isdigit() and len(assignee) < 10):
        problems["assignee"] = "not one of the choices"
    raw_page = (args.get("page") or "1").strip()
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 100_000:
        problems["page"] = "not a page of this list"
    filters = Filters(
        status=code("status", Status),
        incident_type=code("type", IncidentType),
        office=office,
        mission=text("mission"),
        country=text("country"),
        agency=text("agency"),
        date_from=date_from,
        date_to=date_to,
        assignee=assignee,
        page=int(raw_page) if "page" not in problems else 1,
    )
    if problems:
        raise FilterError(problems)
    return filters


def matching(filters: Filters, viewer_id: int) -> Select[tuple[Incident]]:
    """The incidents the filter selects, oldest filed first (ties by id, so pages never overlap)."""
    query = select(Incident)
    if filters.status:
        query = query.where(Incident.status == filters.status)
    if filters.incident_type:
        query = query.where(Incident.incident_type == filters.incident_type)
    if filters.office:
        query = query.where(Incident.office == filters.office)
    if filters.mission:
        query = query.where(func.lower(Incident.mission_name).contains(filters.mission.lower(), autoescape=True))
    if filters.country:
        query = query.where(func.lower(Incident.mission_country).contains(filters.country.lower(), autoescape=True))
    if filters.agency:
        agencies = select(Agency.id).where(func.lower(Agency.name).contains(filters.agency.lower(), autoescape=True))
        query = query.where(Incident.agency_id.in_(agencies))
    if filters.date_from:
        query = query.where(Incident.occurred_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        query = query.where(Incident.occurred_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC))
    if filters.assignee == ME:
        query = query.where(Incident.assignee_id == viewer_id)
    elif filters.assignee == UNASSIGNED:
        query = query.where(Incident.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Incident.assignee_id == int(filters.assignee))
    return query.order_by(Incident.filed_at, Incident.id)


@dataclass(frozen=True)
class QueuePage:
    filters: Filters
    incidents: list[Incident]
    total: int  # matching the whole filter
    counts: dict[Status, int]  # per status, for the filter without its status
    pages: int

    @property
    def first_number(self) -> int:
        return (self.filters.page - 1) * PAGE_SIZE + 1


def page(filters: Filters, viewer_id: int) -> QueuePage:
    """One page of the queue, with the total and the counts per status."""
    query = matching(filters, viewer_id)
    total = _count(query)
    incidents = list(
        db.session.scalars(
            query.options(joinedload(Incident.assignee), joinedload(Incident.agency))
            .limit(PAGE_SIZE)
            .offset((filters.page - 1) * PAGE_SIZE)
        )
    )
    return QueuePage(
        filters=filters,
        incidents=incidents,
        total=total,
        counts=counts(filters, viewer_id),
        pages=max(1, ceil(total / PAGE_SIZE)),
    )


def counts(filters: Filters, viewer_id: int) -> dict[Status, int]:
    """How many incidents of each status match the filter, its status aside (so the counts say where to look)."""
    inner = matching(filters.without_status(), viewer_id).order_by(None).subquery()
    rows = db.session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))
    found = {Status(status): number for status, number in rows}
    return {status: found.get(status, 0) for status in Status}


def reviewers() -> list[User]:
    """Who an incident can be assigned to: enabled reviewers and admins."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.REVIEWER, Role.ADMIN]), User.is_disabled.is_(False))
            .order_by(User.email)
        )
    )


def _count(query: Select[tuple[Incident]]) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
