"""The demo incident history (`flask incidents seed-demo`): deterministic, consistent, and the desk's first view."""

import io
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.incident_codes import EventKind, Status
from app.incidents import demo, demo_files, demo_seed
from app.models import DrivingPoints, Incident, IncidentAttachment, IncidentCounter, IncidentEvent, User
from app.offices import Office
from app.registry.seed import seed_demo

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)


def shown(person_id: str | None) -> dict:
    """A snapshot (app.incidents.snapshot) with only what the generator reads."""
    person = {"id": person_id, "mission": {"name": "Embassy of Ruritania", "country": "Ruritania", "city": "DC"}}
    return {"looked_up_at": None, "vehicle": None, "persons": [person] if person_id else []}


CAST = demo.Cast(
    filers=(demo.Filer(1, "a@pd.example", 1, "DC", 3), demo.Filer(2, "b@so.example", 2, "NY", 2)),
    reviewers=(demo.Reviewer(3, "r@ofm.example", Office.NEW_YORK), demo.Reviewer(4, "s@ofm.example", None)),
)
SUBJECTS = demo.Subjects(
    plates=tuple(shown(f"P{i}") for i in range(20)),
    cards=tuple(shown(f"C{i}") for i in range(10)),
    misses=(shown(None),),
    repeat=tuple(shown(f"R{i}") for i in range(4)),
)


def history(seed: int = 7, **kwargs) -> demo.History:
    return demo.generate(seed, NOW, CAST, SUBJECTS, **kwargs)


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    first, again, other = history(), history(), history(seed=8)
    assert first == again
    assert [p.row for p in first.incidents] != [p.row for p in other.incidents]


def test_a_few_hundred_incidents_over_the_last_two_years():
    planned = history().incidents
    assert len(planned) >= 200
    filed = [p.row["filed_at"] for p in planned]
    assert min(filed) >= datetime(2024, 6, 15, tzinfo=UTC) and max(filed) < NOW
    assert all(p.row["occurred_at"] < p.row["filed_at"] for p in planned)
    assert {p.row["status"] for p in planned} == set(Status)
    assert len({p.row["incident_type"] for p in planned}) == 7


def test_every_history_is_consistent_with_the_incident():
    for planned in history().incidents:
        row, events = planned.row, planned.events
        assert [e["version"] for e in events] == list(range(1, len(events) + 1)) == list(range(1, row["version"] + 1))
        assert events[0]["kind"] == EventKind.FILED and events[0]["at"] == row["filed_at"]
        assert [e["at"] for e in events] == sorted(e["at"] for e in events) and events[-1]["at"] < NOW
        moves = [e["detail"] for e in events if e["kind"] == EventKind.STATUS]
        assert row["status"] == (moves[-1]["to"] if moves else Status.SUBMITTED)
        assert all(a["to"] == b["from"] for a, b in zip(moves, moves[1:], strict=False))
        closes = [e["at"] for e in events if e["kind"] == EventKind.STATUS and e["detail"]["to"] == Status.CLOSED]
        assert row["closed_at"] == (closes[-1] if row["status"] == Status.CLOSED else None)
        assigned = [e for e in events if e["kind"] == EventKind.ASSIGNED]
        assert (row["assignee_id"] is not None) == bool(assigned)
        points = [e for e in events if e["kind"] == EventKind.POINTS]
        assert bool(points) == (planned.points is not None)
        if planned.points:
            assert planned.points["reference"] == row["reference"]
            assert planned.points["person_id"] == row["person_id"]
            assert planned.points["points"] == points[0]["detail"]["points"]


def test_references_are_unique_and_increasing_within_each_year_after_the_last_one_used():
    result = history(last_numbers={2025: 41})
    by_year = defaultdict(list)
    for planned in result.incidents:
        year, number = planned.row["reference"].split("-")[1:]
        assert int(year) == planned.row["filed_at"].year
        by_year[int(year)].append(int(number))
    assert by_year[2025][0] == 42
    for year, numbers in by_year.items():
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert result.counters[year] == numbers[-1]


def test_attachments_are_valid_files_with_their_hash():
    attached = [a for p in history().incidents for a in p.attachments]
    assert attached and {a["media_type"] for a in attached} == {"image/png", "application/pdf"}
    assert Image.open(io.BytesIO(demo_files.citation_png("INC-2026-000001"))).format == "PNG"
    pdf = demo_files.report_pdf("INC-2026-000001")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    for attachment in attached:
        assert attachment["size"] == len(attachment["content"])


@pytest.fixture
def demo_desk(app):
    with app.app_context():
        seed_demo(persons=400, seed=1)
        count = demo_seed.seed_demo_incidents(seed=3)
    return count


def test_seeding_writes_the_history_with_points_counters_and_accounts(app, demo_desk):
    with app.app_context():
        assert demo_desk == db.session.scalar(select(func.count(Incident.id))) == demo.DEMO_INCIDENTS
        events = db.session.scalar(select(func.count(IncidentEvent.id)))
        assert events == db.session.scalar(select(func.sum(Incident.version)))
        for year, last in db.session.execute(select(IncidentCounter.year, IncidentCounter.last)):
            newest = select(func.max(Incident.reference)).where(Incident.reference.like(f"INC-{year}-%"))
            assert db.session.scalar(newest) == f"INC-{year}-{last:06d}"
        points = db.session.scalars(select(DrivingPoints).where(DrivingPoints.reference.like("INC-%"))).all()
        assert points and not [p for p in points if p.person_id.startswith("DEMO-")]
        attachment = db.session.scalars(select(IncidentAttachment).limit(1)).one()
        assert attachment.content[:4] in (b"\x89PNG", b"%PDF")
        reviewer = db.session.scalar(select(User).where(User.email == "reviewer.ny@ofm.example"))
        assert reviewer is not None and reviewer.office == Office.NEW_YORK and reviewer.agency.name
        found = db.session.scalar(select(func.count(Incident.id)).where(Incident.person_id.isnot(None)))
        assert found > demo_desk / 2


def test_the_command_adds_the_history_once(app, runner):
    with app.app_context():
        seed_demo(persons=400, seed=1)
    first = runner.invoke(args=["incidents", "seed-demo", "--if-empty"])
    assert first.exit_code == 0 and "seeded 300 demo incidents" in first.output
    again = runner.invoke(args=["incidents", "seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not seeded" in again.output
    refused = runner.invoke(args=["incidents", "seed-demo"])
    assert refused.exit_code != 0 and "empty desk" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Incident.id))) == 300


def test_the_command_needs_the_demo_registry(runner):
    result = runner.invoke(args=["incidents", "seed-demo"])
    assert result.exit_code != 0 and "registry seed-demo" in result.output


def test_the_seeded_desk_fills_the_overview(app, demo_desk):
    from app.review.overview import overview

    with app.app_context():
        result = overview(None, date.today())
    assert result.total >= 250 and len(result.top_agencies) == 6 and result.median_days_to_close
    assert result.near_thresholds
