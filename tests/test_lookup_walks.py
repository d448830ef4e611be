"""A walk through sequential plates or card numbers raises the `lookup.walk` alert, once per user per window."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.lookup.walks import WINDOW, longest_run
from app.models import User
from tests.auth_support import audit_events
from tests.factories import make_vehicle
from tests.test_lookup import HX, lookup

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_the_longest_run_takes_near_consecutive_numbers_with_the_same_letters() -> None:
    assert longest_run(["DAB1201", "DAB1203", "DAB1202", "DAB1206", "DAB1215"]) == [
        "DAB1201",
        "DAB1202",
        "DAB1203",
        "DAB1206",
    ]


def test_other_letters_other_lengths_and_far_numbers_break_a_run() -> None:
    assert len(longest_run(["DAB1201", "DAC1202", "DAB01203", "DAB1210", "XYZ"])) == 1
    assert longest_run([]) == []


def test_card_numbers_walk_too() -> None:
    assert longest_run([f"ZZ10000{n}" for n in (9, 7, 5, 3, 1)], max_gap=2) == [
        "ZZ100001",
        "ZZ100003",
        "ZZ100005",
        "ZZ100007",
        "ZZ100009",
    ]


@pytest.fixture
def officer(login_as: Callable[..., User]) -> User:
    return login_as("officer")


def _walk_alerts(app: Flask) -> list[dict[str, object]]:
    return [json.loads(e.detail) for e in audit_events(app, "alert.lookup.walk")]


def test_five_sequential_misses_raise_one_walk_alert_and_more_in_the_window_raise_no_more(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for n in range(1, 5):
            assert lookup(client, f"QWX{1200 + n}", "plate", **HX).status_code == 200
        assert _walk_alerts(app) == []
        lookup(client, "QWX1205", "plate", **HX)
        (alert,) = _walk_alerts(app)
        assert (alert["user_id"], alert["lookups"], alert["hits"], alert["first"], alert["last"]) == (
            officer.id,
            5,
            0,
            "QWX1201",
            "QWX1205",
        )
        for n in range(6, 12):
            lookup(client, f"QWX{1200 + n}", "plate", **HX)
        assert len(_walk_alerts(app)) == 1
        clock.shift(WINDOW + timedelta(minutes=1))
        for n in range(20, 25):
            lookup(client, f"QWX{1200 + n}", "plate", **HX)
    assert len(_walk_alerts(app)) == 2
    (event, _) = audit_events(app, "alert.lookup.walk")
    assert (event.user_id, event.outcome) == (officer.id, "raised")


def test_scattered_misses_and_a_slow_walk_raise_nothing(app: Flask, client: FlaskClient, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for plate in ("QWX1201", "KLM4410", "QWX1290", "BCD7777", "QWX1350", "TTT1000"):
            lookup(client, plate, "plate", **HX)
        for n in range(1, 6):  # one step every three minutes: never five within ten minutes
            lookup(client, f"RST{3300 + n}", "plate", **HX)
            clock.shift(timedelta(minutes=3))
    assert _walk_alerts(app) == []


def test_a_walk_through_registered_plates_raises_the_alert_too(app: Flask, client: FlaskClient, officer: User) -> None:
    """The walk that matters most finds people: five registered plates in a row."""
    with app.app_context():
        for number in range(1201, 1206):
            make_vehicle(plate=f"DWJ{number}")
        db.session.commit()
    with time_machine.travel(START, tick=False):
        for number in range(1201, 1205):
            assert 'data-result="hit"' in lookup(client, f"DWJ{number}", "plate", **HX).get_data(as_text=True)
        assert _walk_alerts(app) == []
        lookup(client, "DWJ1205", "plate", **HX)
    (alert,) = _walk_alerts(app)
    assert (alert["lookups"], alert["hits"], alert["first"], alert["last"]) == (5, 5, "DWJ1201", "DWJ1205")


def test_the_same_plate_looked_up_again_and_again_is_no_walk(app: Flask, client: FlaskClient, officer: User) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(8):
            lookup(client, "QWX1201", "plate", **HX)
    assert _walk_alerts(app) == []
