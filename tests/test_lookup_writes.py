"""What one signed-in lookup writes (issue 14): its audit event, once, in one transaction; and the history that
the audit events now carry stays this sign-in's own."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app.extensions import db
from app.models import User
from tests.conftest import sign_in
from tests.factories import make_mission, make_person, make_user, make_vehicle
from tests.test_lookup import HX, lookup

WRITES = ("INSERT", "UPDATE", "DELETE")
# Statements of one signed-in htmx plate hit, after this work (bench/lookup_statements.py --show lists them):
# session, user with agency, vehicle with its person, mission and cards, driving record, data-as-of, the audit
# event's write (on PostgreSQL with its append lock), the user again after the commit, the walk check (the user's
# lookups of the last 10 minutes, app/lookup/walks.py: hits too since the security-bar walk), the history.
MOST_STATEMENTS = {"sqlite": 9, "postgresql": 9}


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if s.split(None, 1)[0].upper() in WRITES]


@contextmanager
def watching(app: Flask) -> Iterator[Seen]:
    """Every statement and commit on any of the app's connections (the session store's own included)."""
    with app.app_context():
        engine = db.engine
    seen = Seen()

    def on_statement(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.statements.append(" ".join(statement.split()))

    def on_commit(_conn: object) -> None:
        seen.commits += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


@pytest.fixture
def car(app: Flask) -> None:
    with app.app_context():
        embassy = make_mission(name="Embassy of Ruritania", country="Ruritania", plate_code="RZ")
        make_vehicle(embassy, make_person(embassy, id="P-DIP", full_name="Ada Demo-Kovar"), plate="DRZ1204")
        db.session.commit()


@pytest.fixture
def officer(app: Flask) -> User:
    with app.app_context():
        return make_user("officer", email="twice@example.gov")


def history_queries(client: FlaskClient) -> list[str]:
    html = client.get("/lookup").get_data(as_text=True)
    return re.findall(r'data-query="([^"]*)"', html[html.index('id="history"') :])


def test_a_signed_in_lookup_writes_only_its_audit_event_in_one_commit(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    login_as("officer")
    lookup(client, "DRZ1204", "plate", **HX)  # a history to read, as after any first lookup
    with watching(app) as seen:
        response = lookup(client, "DRZ1204", "plate", **HX)
    assert response.status_code == 200 and b"Ada Demo-Kovar" in response.data
    assert [w.split()[:3] for w in seen.writes] == [["INSERT", "INTO", "audit_events"]], seen.writes
    assert seen.commits == 1, seen.statements


def test_a_signed_in_lookup_reads_no_more_than_it_did_when_measured(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    login_as("officer")
    lookup(client, "DRZ1204", "plate", **HX)
    with watching(app) as seen:
        lookup(client, "DRZ1204", "plate", **HX)
    with app.app_context():
        most = MOST_STATEMENTS[db.engine.dialect.name]
    assert len(seen.statements) <= most, "\n".join(seen.statements)


def test_showing_a_result_again_writes_only_its_audit_event(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    login_as("officer")
    client.get("/lookup")  # the first page after signing in stores the session's CSRF token, once
    url = lookup(client, "DRZ1204", "plate").headers["Location"]
    with watching(app) as seen:
        page = client.get(url)
    assert b"Ada Demo-Kovar" in page.data
    assert [w.split()[:3] for w in seen.writes] == [["INSERT", "INTO", "audit_events"]], seen.writes
    assert seen.commits == 1


def test_another_sign_in_of_the_same_officer_has_its_own_history(app: Flask, officer: User, car: None) -> None:
    phone, desk = app.test_client(), app.test_client()
    assert sign_in(phone, "twice@example.gov").status_code == 302
    assert sign_in(desk, "twice@example.gov").status_code == 302
    lookup(phone, "DRZ1204", "plate", **HX)
    result_url = lookup(desk, "DRZ9999", "plate").headers["Location"]
    assert history_queries(phone) == ["DRZ1204"]
    assert history_queries(desk) == ["DRZ9999"]
    # The desk's result is not one of the phone's: the phone is offered to look it up again instead.
    other = phone.get(result_url)
    assert other.status_code == 404 and b"data-result-expired" in other.data


def test_signing_in_again_starts_an_empty_history(app: Flask, client: FlaskClient, officer: User, car: None) -> None:
    assert sign_in(client, "twice@example.gov").status_code == 302
    lookup(client, "DRZ1204", "plate", **HX)
    assert history_queries(client) == ["DRZ1204"]
    client.post("/logout")
    assert sign_in(client, "twice@example.gov").status_code == 302
    assert history_queries(client) == []


def test_the_history_lists_this_sign_ins_lookups_newest_first_with_what_they_said(
    client: FlaskClient, officer: User, car: None
) -> None:
    assert sign_in(client, "twice@example.gov").status_code == 302
    lookup(client, "DRZ1204", "plate", **HX)
    lookup(client, "DRZ9999", "plate", **HX)
    html = client.get("/dispatch").get_data(as_text=True)
    history = html[html.index('id="history"') :]
    assert re.findall(r'data-query="([^"]*)"', history) == ["DRZ9999", "DRZ1204"]
    assert "no record" in history and "full immunity" in history


def test_the_session_records_activity_at_most_once_a_minute(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC), tick=False) as clock:
        login_as("officer")
        client.get("/lookup")
        clock.shift(timedelta(seconds=50))
        with watching(app) as quiet:
            client.get("/lookup")
        clock.shift(timedelta(seconds=11))
        with watching(app) as touched:
            client.get("/lookup")
    assert quiet.writes == []
    assert [w.split()[:2] for w in touched.writes] == [["UPDATE", "user_sessions"]]
    assert "last_seen_at" in touched.writes[0] and "data" not in touched.writes[0]
