"""The review desk's overview (/review/overview): the numbers on a known set of incidents, and the page."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

from app.extensions import db
from app.immunity.driving import DrivingLevel
from app.incident_codes import IncidentType, Status
from app.models import Agency, DrivingPoints, Incident, User
from app.offices import Office
from app.review import charts
from app.review.overview import month_starts, overview
from tests.factories import make_mission, make_person, make_user

TODAY = date(2026, 6, 15)
T = IncidentType


def at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def add_incident(
    number: int,
    incident_type: IncidentType,
    occurred_at: datetime,
    *,
    agency: str = "Metro Police",
    office: Office = Office.NEW_YORK,
    mission: tuple[str, str] | None = ("Embassy of Ruritania", "Ruritania"),
    person_id: str | None = None,
    closed_after_days: float | None = None,
) -> Incident:
    agency_row = db.session.query(Agency).filter_by(name=agency).one_or_none() or Agency(name=agency)
    filer = db.session.query(User).filter_by(role="officer").first()
    assert filer is not None
    filed_at = occurred_at + timedelta(hours=1)
    incident = Incident(
        reference=f"INC-{occurred_at.year}-{number:06d}",
        filed_at=filed_at,
        filed_by_id=filer.id,
        agency=agency_row,
        office=office,
        incident_type=incident_type,
        occurred_at=occurred_at,
        place="Main St",
        state="NY",
        narrative="Stopped.",
        actions_taken=["released"],
        ds_called=False,
        snapshot={},
        person_id=person_id,
        mission_name=mission[0] if mission else None,
        mission_country=mission[1] if mission else None,
        status=Status.CLOSED if closed_after_days is not None else Status.SUBMITTED,
        closed_at=filed_at + timedelta(days=closed_after_days) if closed_after_days is not None else None,
    )
    db.session.add(incident)
    db.session.commit()
    return incident


@pytest.fixture
def incidents(app: Flask) -> None:
    with app.app_context():
        make_user("officer")
        add_incident(1, T.TRAFFIC, at(2026, 6), closed_after_days=2)
        add_incident(2, T.TRAFFIC, at(2026, 6), mission=("Embassy of Freedonia", "Freedonia"), closed_after_days=10)
        add_incident(3, T.DUI, at(2026, 5), agency="County Sheriff", office=Office.CHICAGO, closed_after_days=4)
        add_incident(4, T.PARKING, at(2024, 7), mission=None)  # month 24 back: the first month counted
        add_incident(5, T.PARKING, at(2024, 6))  # 25 months back: left out
        add_incident(6, T.ACCIDENT, at(2025, 1), agency="County Sheriff", office=Office.CHICAGO)


def test_month_starts_are_the_24_months_ending_with_this_one():
    months = month_starts(TODAY)
    assert len(months) == 24
    assert months[0] == date(2024, 7, 1) and months[-1] == date(2026, 6, 1)
    assert month_starts(date(2026, 1, 31), 3) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]


def test_incidents_are_counted_per_month_and_type_over_24_months(app, incidents):
    with app.app_context():
        result = overview(None, TODAY)
    assert result.total == 5
    assert list(result.by_type) == [T.TRAFFIC, T.DUI, T.ACCIDENT, T.PARKING]  # code-list order, empty types left out
    assert result.by_type[T.TRAFFIC][-1] == 2
    assert result.by_type[T.DUI][-2] == 1
    assert result.by_type[T.PARKING][0] == 1 and sum(result.by_type[T.PARKING]) == 1
    assert result.by_type[T.ACCIDENT][result.months.index(date(2025, 1, 1))] == 1
    assert result.month_totals[-1] == 2


def test_missions_countries_and_agencies_are_ranked_by_incidents(app, incidents):
    with app.app_context():
        result = overview(None, TODAY)
    assert [(r.name, r.count) for r in result.top_missions] == [
        ("Embassy of Ruritania", 3),
        ("Embassy of Freedonia", 1),
    ]
    assert [(r.name, r.count) for r in result.top_countries] == [("Ruritania", 3), ("Freedonia", 1)]
    assert [(r.name, r.count) for r in result.top_agencies] == [("Metro Police", 3), ("County Sheriff", 2)]


def test_the_median_days_from_submitted_to_closed(app, incidents):
    with app.app_context():
        result = overview(None, TODAY)
    assert result.closed == 3
    assert result.median_days_to_close == 4.0


def test_an_office_counts_only_its_own_incidents(app, incidents):
    with app.app_context():
        result = overview(Office.CHICAGO, TODAY)
    assert result.total == 2
    assert [(r.name, r.count) for r in result.top_agencies] == [("County Sheriff", 2)]
    assert result.median_days_to_close == 4.0


def test_persons_at_or_near_the_thresholds_are_listed_with_status_and_incidents(app, incidents):
    with app.app_context():
        mission = make_mission(name="Embassy of Ruritania")
        near, review, suspended, below, old = [make_person(mission, full_name=f"Demo-Person {i}") for i in range(5)]
        db.session.commit()
        rows = [
            (near.id, 6, TODAY - timedelta(days=30)),
            (review.id, 5, TODAY - timedelta(days=30)),
            (review.id, 4, TODAY - timedelta(days=300)),
            (suspended.id, 12, TODAY - timedelta(days=10)),
            (below.id, 5, TODAY - timedelta(days=10)),
            (old.id, 9, TODAY - timedelta(days=800)),  # outside the two-year window
        ]
        for person_id, points, on in rows:
            db.session.add(
                DrivingPoints(person_id=person_id, points=points, violation_on=on, reference="c", recorded_by="t")
            )
        db.session.commit()
        add_incident(7, T.TRAFFIC, at(2026, 6), person_id=suspended.id)
        result = overview(None, TODAY)
    listed = [(row.name, row.points, row.level, row.incidents) for row in result.near_thresholds]
    assert listed == [
        ("Demo-Person 2", 12, DrivingLevel.SUSPENDED, 1),
        ("Demo-Person 1", 9, DrivingLevel.REVIEW, 0),
        ("Demo-Person 0", 6, DrivingLevel.CLEAR, 0),
    ]
    assert result.near_thresholds[0].mission == "Embassy of Ruritania"


@pytest.fixture
def on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page counts the 24 months up to TODAY."""
    monkeypatch.setattr("app.review.views.utcnow", lambda: datetime.combine(TODAY, datetime.min.time(), UTC))


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_reviewers_and_admins_see_the_overview(client, login_as, incidents, on_today, role):
    login_as(role)
    page = client.get("/review/overview?office=all").get_data(as_text=True)
    assert "Incidents per month by type" in page
    assert re.search(r'data-count="total">5<', page)
    assert re.search(r'data-count="median-days">4.0<', page)
    assert "<td>Embassy of Freedonia</td>" in page


@pytest.mark.parametrize("role", ["officer", "dispatcher"])
def test_officers_and_dispatchers_may_not_see_the_overview(client, login_as, role):
    login_as(role)
    assert client.get("/review/overview").status_code == 403


def test_a_regional_reviewer_sees_their_office_first_and_may_choose_all(client, login_as, incidents, on_today):
    login_as("reviewer", office=Office.CHICAGO)
    page = client.get("/review/overview").get_data(as_text=True)
    assert 'data-overview-office="chicago"' in page and re.search(r'data-count="total">2<', page)
    page = client.get("/review/overview?office=all").get_data(as_text=True)
    assert re.search(r'data-count="total">5<', page)


def test_a_headquarters_reviewer_sees_every_office(client, login_as, incidents):
    login_as("reviewer", office=Office.HEADQUARTERS)
    page = client.get("/review/overview").get_data(as_text=True)
    assert 'data-overview-office="all"' in page


def test_an_unknown_office_is_refused(client, login_as):
    login_as("admin")
    assert client.get("/review/overview?office=atlantis").status_code == 400


def test_the_filter_swaps_only_the_body_for_htmx(client, login_as, incidents, on_today):
    login_as("admin")
    response = client.get("/review/overview?office=chicago", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'data-overview-office="chicago"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_an_empty_desk_says_so(client, login_as):
    login_as("admin")
    page = client.get("/review/overview").get_data(as_text=True)
    assert "No incidents in these two years." in page and "chart-svg" not in page  # no empty charts


def test_charts_carry_no_script_no_style_and_no_external_address(app, incidents):
    with app.app_context():
        drawn = charts.overview_charts(overview(None, TODAY))
    assert set(drawn) == {"months", "missions", "countries", "agencies"}
    for svg in drawn.values():
        assert svg.startswith("<svg") and 'role="img"' in svg
        for forbidden in ("<script", "<style", "style=", "http://pygal", "https://", "href"):
            assert forbidden not in svg
    assert "<title>Traffic, Jun 2026: 2</title>" in drawn["months"]
