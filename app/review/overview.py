"""The review desk's overview: incidents per month by type, where they come from, who is near the points
thresholds, and how long a review takes (issue 10, item 7). Read-only; plain dataclasses for the page.

Everything but the driving records counts the last 24 months and, with an office, only that office's incidents.
Driving records are national (one per person, SPEC §5), so the thresholds list ignores the office.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db
from app.immunity.driving import DrivingLevel, window_start
from app.incident_codes import IncidentType
from app.models import Agency, DrivingPoints, Incident, Mission, Person
from app.offices import Office
from app.registry import driving

MONTHS = 24
TOP = 10
# "Near" the review threshold (8 points in two years): two points short of it, or over it.
NEAR_POINTS = 6
LEVEL_LABELS = {
    DrivingLevel.CLEAR: "Near review",
    DrivingLevel.REVIEW: "Under review",
    DrivingLevel.SUSPENDED: "Suspended",
}


@dataclass(frozen=True)
class Ranked:
    name: str
    count: int


@dataclass(frozen=True)
class NearThreshold:
    person_id: str
    name: str
    mission: str | None
    level: DrivingLevel
    points: int
    incidents: int


@dataclass(frozen=True)
class Overview:
    office: Office | None  # None: every office
    since: date  # the first day of the first month counted
    months: list[date]  # first day of each month, oldest first
    by_type: dict[IncidentType, list[int]]  # per type, one count per month (types with no incident left out)
    total: int
    top_missions: list[Ranked]
    top_countries: list[Ranked]
    top_agencies: list[Ranked]
    near_thresholds: list[NearThreshold]
    median_days_to_close: float | None
    closed: int

    @property
    def month_totals(self) -> list[int]:
        return [sum(counts[i] for counts in self.by_type.values()) for i in range(len(self.months))]


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first day of each of the `count` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1 - (count - 1)
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(count)]


def overview(office: Office | None, today: date) -> Overview:
    """The overview for one office (None: all), for the 24 months up to `today`."""
    months = month_starts(today)
    since = datetime(months[0].year, months[0].month, 1, tzinfo=UTC)
    by_type = _months_by_type(office, since, months)
    closed_days = _days_to_close(office, since)
    return Overview(
        office=office,
        since=months[0],
        months=months,
        by_type=by_type,
        total=sum(sum(counts) for counts in by_type.values()),
        top_missions=_top(Incident.mission_name, office, since),
        top_countries=_top(Incident.mission_country, office, since),
        top_agencies=_top_agencies(office, since),
        near_thresholds=near_thresholds(today),
        median_days_to_close=round(median(closed_days), 1) if closed_days else None,
        closed=len(closed_days),
    )


def _in_scope(query: Select[Any], office: Office | None, since: datetime) -> Select[Any]:
    query = query.where(Incident.occurred_at >= since)
    return query.where(Incident.office == office) if office is not None else query


def _months_by_type(office: Office | None, since: datetime, months: list[date]) -> dict[IncidentType, list[int]]:
    # Grouped here rather than in SQL: month truncation differs between SQLite and PostgreSQL, and two narrow
    # columns over two years of incidents are cheap to read.
    position = {(month.year, month.month): i for i, month in enumerate(months)}
    counts: dict[IncidentType, list[int]] = {}
    rows = db.session.execute(_in_scope(select(Incident.occurred_at, Incident.incident_type), office, since))
    for occurred_at, incident_type in rows:
        i = position.get((occurred_at.year, occurred_at.month))
        if i is not None:
            counts.setdefault(incident_type, [0] * len(months))[i] += 1
    return {kind: counts[kind] for kind in IncidentType if kind in counts}


def _top(column: object, office: Office | None, since: datetime) -> list[Ranked]:
    count = func.count(Incident.id)
    query = select(column, count).where(column.isnot(None)).group_by(column)  # type: ignore[attr-defined]
    query = _in_scope(query, office, since).order_by(count.desc(), column).limit(TOP)
    return [Ranked(name, n) for name, n in db.session.execute(query)]


def _top_agencies(office: Office | None, since: datetime) -> list[Ranked]:
    count = func.count(Incident.id)
    query = select(Agency.name, count).join(Agency, Agency.id == Incident.agency_id).group_by(Agency.name)
    query = _in_scope(query, office, since).order_by(count.desc(), Agency.name).limit(TOP)
    return [Ranked(name, n) for name, n in db.session.execute(query)]


def _days_to_close(office: Office | None, since: datetime) -> list[float]:
    query = select(Incident.filed_at, Incident.closed_at).where(Incident.closed_at.isnot(None))
    if office is not None:
        query = query.where(Incident.office == office)
    rows = db.session.execute(query.where(Incident.closed_at >= since))
    return [(closed_at - filed_at).total_seconds() / 86_400 for filed_at, closed_at in rows]


def near_thresholds(today: date) -> list[NearThreshold]:
    """Persons with at least NEAR_POINTS points in the two-year window, most points first, with their status
    (app.registry.driving) and how many incidents name them."""
    total = func.sum(DrivingPoints.points)
    candidates = db.session.scalars(
        select(DrivingPoints.person_id)
        .where(DrivingPoints.violation_on >= window_start(today), DrivingPoints.violation_on <= today)
        .group_by(DrivingPoints.person_id)
        .having(total >= NEAR_POINTS)
    ).all()
    statuses = {pid: s for pid, s in driving.statuses(candidates, today).items() if s.points >= NEAR_POINTS}
    if not statuses:
        return []
    people = {
        pid: (name, mission)
        for pid, name, mission in db.session.execute(
            select(Person.id, Person.full_name, Mission.name)
            .join(Mission, Mission.id == Person.mission_id)
            .where(Person.id.in_(statuses))
        )
    }
    incidents = Counter(
        dict(
            db.session.execute(
                select(Incident.person_id, func.count(Incident.id))
                .where(Incident.person_id.in_(statuses))
                .group_by(Incident.person_id)
            ).all()
        )
    )
    found = [
        NearThreshold(
            person_id=pid,
            name=people.get(pid, (pid, None))[0],
            mission=people.get(pid, (pid, None))[1],
            level=status.level,
            points=status.points,
            incidents=incidents[pid],
        )
        for pid, status in statuses.items()
    ]
    return sorted(found, key=lambda row: (-row.points, row.name))
