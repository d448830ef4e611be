"""The OFM driving record: points recorded from the command line, shown on every lookup of the person."""

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.immunity import DrivingLevel
from app.models import AuditEvent, DrivingPoints, User
from app.registry import driving, interchange
from app.registry.seed import DEMO_CASES, seed_demo
from tests.factories import make_card, make_mission, make_person, make_vehicle, write_small_registry

TODAY = date.today()


@pytest.fixture
def person(app: Flask) -> str:
    with app.app_context():
        embassy = make_mission(plate_code="RZ")
        driver = make_person(embassy, id="P-DRV", full_name="Ivo Demo-Strand")
        make_card(driver, card_number="ZZ200001")
        make_vehicle(embassy, driver, plate="DRZ2001")
        db.session.commit()
    return "P-DRV"


def record(app: Flask, person_id: str, points: int, days_ago: int = 10, reference: str = "CIT-1") -> None:
    with app.app_context():
        driving.record_points(person_id, points, TODAY - timedelta(days=days_ago), reference, TODAY)


def point_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DrivingPoints)) or 0


def test_recorded_points_add_up_to_the_persons_status(app: Flask, person: str) -> None:
    record(app, person, 5)
    record(app, person, 4, days_ago=300)
    record(app, person, 6, days_ago=800)  # older than two years: not counted
    with app.app_context():
        status = driving.statuses([person, "P-NOBODY"], TODAY)
    assert list(status) == [person]
    assert (status[person].level, status[person].points) == (DrivingLevel.REVIEW, 9)


def test_recording_points_writes_one_audit_event_naming_the_person(app: Flask, person: str) -> None:
    record(app, person, 3, reference="CIT-  77")
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "driving.points_recorded"))
        row = db.session.scalar(select(DrivingPoints))
    assert event is not None and event.record_ids == f"person:{person}" and '"points":3' in event.detail
    assert row is not None and row.reference == "CIT- 77" and row.recorded_by.startswith("cli:")


@pytest.mark.parametrize(
    ("person_id", "points", "days_ago", "reference", "message"),
    [
        ("P-NOBODY", 3, 1, "CIT-1", "no person with id 'P-NOBODY'"),
        ("P-DRV", 0, 1, "CIT-1", "between 1 and 12"),
        ("P-DRV", 13, 1, "CIT-1", "between 1 and 12"),
        ("P-DRV", 3, -1, "CIT-1", "in the future"),
        ("P-DRV", 3, 1, "   ", "citation or case reference"),
        ("P-DRV", 3, 1, "X" * 61, "citation or case reference"),
    ],
)
def test_bad_points_are_refused_and_change_nothing(
    app: Flask, person: str, person_id: str, points: int, days_ago: int, reference: str, message: str
) -> None:
    with app.app_context(), pytest.raises(driving.DrivingRecordError, match=message):
        driving.record_points(person_id, points, TODAY - timedelta(days=days_ago), reference, TODAY)
    assert point_rows(app) == 0


def test_the_cli_records_points_and_says_the_new_status(app: Flask, runner: FlaskCliRunner, person: str) -> None:
    on = (TODAY - timedelta(days=3)).isoformat()
    result = runner.invoke(args=["registry", "points", person, "12", "--on", on, "--reference", "DUI-9"])
    assert result.exit_code == 0, result.output
    assert "driving record now 12 points in two years: suspended" in result.output


def test_the_cli_refuses_bad_points_with_a_clear_error(app: Flask, runner: FlaskCliRunner, person: str) -> None:
    result = runner.invoke(args=["registry", "points", person, "30", "--on", TODAY.isoformat(), "--reference", "X"])
    assert result.exit_code != 0
    assert "points must be between 1 and 12; nothing was recorded" in result.output
    assert point_rows(app) == 0


@pytest.mark.parametrize(("query", "kind"), [("ZZ200001", "card"), ("DRZ2001", "plate")])
def test_every_lookup_of_the_person_shows_the_driving_status(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], person: str, query: str, kind: str
) -> None:
    record(app, person, 7)
    record(app, person, 6, days_ago=100)
    login_as("officer")
    page = client.post("/lookup", data={"q": query, "kind": kind}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert b'data-driving-status="suspended"' in page.data
    assert b'data-driving-points="13"' in page.data
    assert b"Driving privileges suspended by OFM" in page.data


def test_a_person_without_points_shows_no_driving_status(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], person: str
) -> None:
    record(app, person, 9, days_ago=900)
    login_as("officer")
    page = client.post("/lookup", data={"q": "ZZ200001", "kind": "card"}, headers={"HX-Request": "true"})
    assert b'data-verdict-level="full"' in page.data
    assert b"data-driving-status" not in page.data


def test_the_demo_seed_gives_two_journeys_a_driving_record(app: Flask) -> None:
    with app.app_context():
        seed_demo(persons=200, seed=1)
        seed_demo(persons=200, seed=1)  # a second seed replaces the driving records too
        status = driving.statuses(["DEMO-SERVICE", "DEMO-UN-DIPLOMAT", "DEMO-DIPLOMAT"], TODAY)
        rows = db.session.scalar(select(func.count()).select_from(DrivingPoints))
    assert {person: s.level for person, s in status.items()} == {
        "DEMO-SERVICE": DrivingLevel.REVIEW,
        "DEMO-UN-DIPLOMAT": DrivingLevel.SUSPENDED,
    }
    assert rows == 6
    assert DEMO_CASES["service_staff"] == "ZZ000003" and DEMO_CASES["un_diplomat_car"] == "318WJD"


def test_an_import_that_drops_a_person_with_points_is_refused(app: Flask, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    folder = write_small_registry(tmp_path / "registry")
    with app.app_context():
        interchange.import_folder(folder, instance)
        driving.record_points("P3", 3, TODAY, "CIT-1", TODAY)
    for name in ("persons.csv", "cards.csv", "vehicles.csv"):  # P3 leaves the folder, with anything of theirs
        rows = (folder / name).read_text().splitlines()
        (folder / name).write_text("\n".join(r for r in rows if not r.startswith("P3,") and ",P3," not in r) + "\n")
    with app.app_context(), pytest.raises(interchange.ImportFailed) as failure:
        interchange.import_folder(folder, instance)
    assert [p for p in failure.value.problems if "'P3'" in p and "driving_points still refer" in p]
    assert point_rows(app) == 1
