"""The demo incident history (issue 10, item 8): a few hundred incidents over the last 24 months, so the review
desk and its overview show something on first start.

`generate` plans them from a random seed, the accounts that file and review them (`Cast`) and snapshots of
real lookups of the demo registry (`Subjects`); the same inputs give the same history. Each incident's history
is what the desk itself would have written: filed → assigned → in review → referred, waiver or closed, with
notes, and confirmed points for some (a POINTS event and a driving_points row under the incident's reference).
`app.incidents.demo_seed` looks up the inputs and writes the plan.
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.incident_codes import ActionTaken, EventKind, IncidentType, Status
from app.incidents import demo_files
from app.incidents.snapshot import subject
from app.offices import Office, office_for
from app.registry.results import iso

DEMO_INCIDENTS = 300
DAYS = 730

TYPE_WEIGHTS = {
    IncidentType.TRAFFIC: 30,
    IncidentType.PARKING: 18,
    IncidentType.ACCIDENT: 15,
    IncidentType.DUI: 9,
    IncidentType.CRIMINAL: 6,
    IncidentType.SUSPECTED_FRAUD: 12,
    IncidentType.OTHER: 10,
}
# Points OFM confirms for one violation of each type (low, high); facts §4.2 (1 to 12 per violation).
POINTS = {IncidentType.TRAFFIC: (2, 4), IncidentType.ACCIDENT: (3, 5), IncidentType.DUI: (6, 8)}
NEIGHBOURS = {
    "DC": ("MD", "VA"), "NY": ("NJ", "CT"), "IL": ("IN", "WI"), "CA": ("NV",), "TX": ("OK", "LA"), "FL": ("GA",)
}  # fmt: skip
CITIES = {
    "DC": "Washington", "MD": "Bethesda", "VA": "Arlington", "NY": "New York", "NJ": "Fort Lee", "CT": "Stamford",
    "IL": "Chicago", "IN": "Gary", "WI": "Milwaukee", "CA": "Los Angeles", "NV": "Las Vegas", "TX": "Houston",
    "OK": "Tulsa", "LA": "New Orleans", "FL": "Miami", "GA": "Atlanta",
}  # fmt: skip
STREETS = ("Main St", "Park Ave", "5th St", "Lake Shore Dr", "Ocean Dr", "Market St", "Elm St", "Highway 1 exit 12",
           "Embassy Row", "Station Rd", "Harbor Blvd", "Airport Rd")  # fmt: skip
NARRATIVES = {
    IncidentType.TRAFFIC: "Stopped for {what}. Driver produced a diplomatic card; status confirmed, citation issued.",
    IncidentType.PARKING: "Vehicle parked {where}. Ticket left on the windscreen; no driver present.",
    IncidentType.ACCIDENT: "Two-vehicle collision, minor damage, no injuries. Driver claimed immunity.",
    IncidentType.DUI: "Driver stopped for weaving; smelled of alcohol. Not allowed to drive on; driven home.",
    IncidentType.CRIMINAL: "Called to a disturbance at a restaurant; the person claimed immunity. Report filed.",
    IncidentType.SUSPECTED_FRAUD: "Plate or card did not match the registry; the driver insisted on immunity.",
    IncidentType.OTHER: "Welfare check after a neighbour's call; the person showed a mission card.",
}
WHAT = ("speeding, 52 in a 30 zone", "running a red light", "an illegal U-turn", "driving without lights")
WHERE = ("in a fire lane", "at a bus stop", "across two disabled bays", "on the sidewalk")
ACTIONS = {
    IncidentType.TRAFFIC: [ActionTaken.CITATION_ISSUED, ActionTaken.RELEASED],
    IncidentType.PARKING: [ActionTaken.CITATION_ISSUED],
    IncidentType.ACCIDENT: [ActionTaken.RELEASED],
    IncidentType.DUI: [ActionTaken.DRIVEN_HOME, ActionTaken.CITATION_ISSUED],
    IncidentType.CRIMINAL: [ActionTaken.RELEASED],
    IncidentType.SUSPECTED_FRAUD: [ActionTaken.DETAINED, ActionTaken.RELEASED],
    IncidentType.OTHER: [ActionTaken.NONE],
}
NOTES = (
    "Asked the filing agency for the full police report.",
    "Mission's protocol office contacted by phone.",
    "Prior incidents of this person reviewed.",
    "Waiting for the citation photo from the officer.",
    "Discussed with the regional office.",
)


@dataclass(frozen=True)
class Filer:
    user_id: int
    email: str
    agency_id: int
    state: str
    weight: int


@dataclass(frozen=True)
class Reviewer:
    user_id: int
    email: str
    office: Office | None  # None: takes incidents of every office


@dataclass(frozen=True)
class Cast:
    filers: tuple[Filer, ...]
    reviewers: tuple[Reviewer, ...]


@dataclass(frozen=True)
class Subjects:
    """Snapshots of real lookups (app.incidents.snapshot): hits by plate and by card, misses ("plate as seen"),
    and a few persons who come back again and again (the ones who reach the points thresholds)."""

    plates: tuple[dict[str, Any], ...]
    cards: tuple[dict[str, Any], ...]
    misses: tuple[dict[str, Any], ...]
    repeat: tuple[dict[str, Any], ...]


@dataclass
class Planned:
    row: dict[str, Any]  # Incident columns
    events: list[dict[str, Any]] = field(default_factory=list)  # IncidentEvent columns, version order
    attachments: list[dict[str, Any]] = field(default_factory=list)
    points: dict[str, Any] | None = None  # a DrivingPoints row


@dataclass(frozen=True)
class History:
    incidents: list[Planned]
    counters: dict[int, int]  # year -> last reference number used


def generate(
    seed: int,
    now: datetime,
    cast: Cast,
    subjects: Subjects,
    last_numbers: dict[int, int] | None = None,
    overrides: dict[str, Office] | None = None,
    count: int = DEMO_INCIDENTS,
) -> History:
    """`count` incidents filed over the `DAYS` before `now`, numbered after `last_numbers` (year -> last)."""
    rng = random.Random(f"incidents-{seed}")  # noqa: S311 -- demo data, never secrets
    # More of them recently than two years ago, as a new desk's use grows.
    filed = sorted(now - timedelta(days=DAYS * rng.random() ** 1.3, minutes=30) for _ in range(count))
    counters = dict(last_numbers or {})
    planned = []
    for filed_at in filed:
        counters[filed_at.year] = counters.get(filed_at.year, 0) + 1
        reference = f"INC-{filed_at.year:04d}-{counters[filed_at.year]:06d}"
        planned.append(_incident(rng, reference, filed_at, now, cast, subjects, overrides or {}))
    years = {filed_at.year for filed_at in filed}
    return History(planned, {year: last for year, last in counters.items() if year in years})


def _incident(
    rng: random.Random,
    reference: str,
    filed_at: datetime,
    now: datetime,
    cast: Cast,
    subjects: Subjects,
    overrides: dict[str, Office],
) -> Planned:
    incident_type = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
    filer = rng.choices(cast.filers, weights=[f.weight for f in cast.filers])[0]
    state = filer.state if rng.random() < 0.85 else rng.choice(NEIGHBOURS.get(filer.state, (filer.state,)))
    occurred_at = filed_at - timedelta(minutes=rng.randint(10, 360))
    shown = dict(_pick_subject(rng, incident_type, subjects))
    # As if looked up at the stop, on the registry of the night before (the registry's nightly import).
    shown["looked_up_at"] = iso(occurred_at + timedelta(minutes=2))
    shown["data_as_of"] = iso(occurred_at.replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1))
    person_id, mission_name, mission_country = subject(shown)
    narrative = NARRATIVES[incident_type].format(what=rng.choice(WHAT), where=rng.choice(WHERE))
    office = office_for(state, overrides)
    row = {
        "reference": reference,
        "filed_at": filed_at,
        "filed_by_id": filer.user_id,
        "agency_id": filer.agency_id,
        "office": office,
        "incident_type": incident_type,
        "occurred_at": occurred_at,
        "place": f"{rng.randint(100, 2999)} {rng.choice(STREETS)}, {CITIES.get(state, state)}",
        "state": state,
        "narrative": narrative,
        "actions_taken": [str(action) for action in ACTIONS[incident_type]],
        "citation_number": f"DEMO-C{rng.randint(100000, 999999)}" if incident_type != IncidentType.OTHER else None,
        "report_number": f"DEMO-R{rng.randint(10000, 99999)}" if rng.random() < 0.6 else None,
        "ds_called": (called := rng.random() < 0.7),
        "ds_confirmed_by": f"DS Command Center, desk {rng.randint(1, 9)}" if called else None,
        "ds_confirmed_at": occurred_at + timedelta(minutes=5) if called else None,
        "impairment_signs": "Odour of alcohol, slurred speech, unsteady on feet" if incident_type == "dui" else None,
        "sobriety_tests": "Walk-and-turn: failed; one-leg stand: failed" if incident_type == "dui" else None,
        "snapshot": shown,
        "person_id": person_id,
        "mission_name": mission_name,
        "mission_country": mission_country,
        "lookup_event_id": None,
    }
    planned = Planned(row)
    if rng.random() < 0.12:
        planned.attachments = _attachments(rng, reference)
    _history(rng, planned, filer, now, cast)
    return planned


def _pick_subject(rng: random.Random, incident_type: IncidentType, subjects: Subjects) -> dict[str, Any]:
    if incident_type == IncidentType.SUSPECTED_FRAUD:
        return rng.choice(subjects.misses if rng.random() < 0.6 else subjects.cards)
    if incident_type in POINTS and rng.random() < 0.12:
        return rng.choice(subjects.repeat)
    return rng.choice(subjects.plates if rng.random() < 0.6 else subjects.cards)


def _attachments(rng: random.Random, reference: str) -> list[dict[str, Any]]:
    files = [("citation.png", "image/png", demo_files.citation_png(reference))]
    if rng.random() < 0.4:
        files.append(("report.pdf", "application/pdf", demo_files.report_pdf(reference)))
    return [
        {
            "position": position,
            "filename": name,
            "media_type": media_type,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "content": content,
        }
        for position, (name, media_type, content) in enumerate(files, start=1)
    ]


def _target(rng: random.Random, age: timedelta) -> list[Status]:
    """The statuses the incident moves through after `submitted`, by how long ago it was filed."""
    if age < timedelta(days=5):
        return [] if rng.random() < 0.6 else [Status.IN_REVIEW]
    roll = rng.random()
    paths = [
        [Status.IN_REVIEW, Status.CLOSED],
        [Status.IN_REVIEW, Status.REFERRED_TO_MISSION, Status.CLOSED],
        [Status.IN_REVIEW, Status.WAIVER_REQUESTED, Status.CLOSED],
        [Status.IN_REVIEW, Status.REFERRED_TO_MISSION, Status.WAIVER_REQUESTED, Status.CLOSED],
    ]
    if age > timedelta(days=60) and roll < 0.85:
        return rng.choice(paths)
    if roll < 0.15:
        return []
    path = rng.choice(paths)
    return path[: rng.randint(1, len(path))]


def _history(rng: random.Random, planned: Planned, filer: Filer, now: datetime, cast: Cast) -> None:
    """Append the events and set the projection (status, assignee, version, updated_at, closed_at) from them."""
    row = planned.row
    at = row["filed_at"]
    events = planned.events

    def add(kind: EventKind, author: Reviewer | Filer, detail: dict[str, Any]) -> None:
        events.append(
            {"version": len(events) + 1, "at": at, "author_id": author.user_id, "author": author.email}
            | {"kind": kind, "detail": detail}
        )

    add(EventKind.FILED, filer, {"office": str(row["office"]), "attachments": len(planned.attachments)})
    status, assignee, closed_at = Status.SUBMITTED, None, None
    path = _target(rng, now - at)
    if path:
        local = [r for r in cast.reviewers if r.office == row["office"]]
        reviewer = rng.choice(local if local and rng.random() < 0.7 else cast.reviewers)
        at += timedelta(hours=rng.randint(2, 72))
        if at < now:
            assignee = reviewer
            add(EventKind.ASSIGNED, reviewer, {"assignee": reviewer.email})
        for to in path:
            at += timedelta(hours=rng.randint(4, 24 * 12))
            if assignee is None or at >= now:
                break
            if to == Status.REFERRED_TO_MISSION or (to == Status.CLOSED and rng.random() < 0.3):
                add(EventKind.NOTE, reviewer, {"note": rng.choice(NOTES)})
                at += timedelta(minutes=rng.randint(5, 120))
            add(EventKind.STATUS, reviewer, {"from": str(status), "to": str(to)})
            status = to
            closed_at = at if to == Status.CLOSED else None
            if status == Status.IN_REVIEW:
                _maybe_points(rng, planned, reviewer, add)
    row.update(
        status=status,
        assignee_id=assignee.user_id if assignee else None,
        version=len(events),
        updated_at=events[-1]["at"],
        closed_at=closed_at,
    )


def _maybe_points(rng: random.Random, planned: Planned, reviewer: Reviewer, add: Any) -> None:
    row = planned.row
    span = POINTS.get(row["incident_type"])
    if span is None or row["person_id"] is None or rng.random() < 0.6:
        return
    points = rng.randint(*span)
    violation_on = row["occurred_at"].date()
    add(EventKind.POINTS, reviewer, {"points": points, "violation_on": violation_on.isoformat()})
    planned.points = {
        "person_id": row["person_id"],
        "violation_on": violation_on,
        "points": points,
        "reference": row["reference"],
        "recorded_by": reviewer.email,
        "recorded_at": planned.events[-1]["at"],
    }
