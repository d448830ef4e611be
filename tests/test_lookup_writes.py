"""What one signed-in lookup writes (issue 14): its audit event, once, in one transaction; and the history that
the audit events now carry stays this sign-in's own."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app.cards import keyring, tokens
from app.extensions import db
from app.lookup import walks
from app.models import Person, User
from tests.conftest import sign_in
from tests.factories import make_card, make_mission, make_person, make_user, make_vehicle
from tests.test_lookup import HX, lookup

WRITES = ("INSERT", "UPDATE", "DELETE")
# Statements of one signed-in htmx plate hit, after this work (bench/lookup_statements.py --show lists them):
# the session with its user and agency; the vehicle with its mission, person, their mission, principal and cards
# and the data-as-of time (app/registry/results.py, plain rows); the driving record; the user's recent lookups (one
# read for the walk check, app/lookup/walks.py, and the page's history, app/lookup/history.py); the audit event's
# write. Nothing after the commit: not the user again, not the history.
MOST_STATEMENTS = {"sqlite": 5, "postgresql": 5}


COMMIT = "-- commit"


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)  # each commit too, as COMMIT, where it happened
    parameters: list[object] = field(default_factory=list)
    commits: int = 0

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if s.split(None, 1)[0].upper() in WRITES]

    @property
    def executed(self) -> list[str]:
        return [s for s in self.statements if s != COMMIT]


@contextmanager
def watching(app: Flask) -> Iterator[Seen]:
    """Every statement and commit on any of the app's connections (the session store's own included)."""
    with app.app_context():
        engine = db.engine
    seen = Seen()

    def on_statement(_conn: object, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        seen.statements.append(" ".join(statement.split()))
        seen.parameters.append(parameters)

    def on_commit(_conn: object) -> None:
        seen.commits += 1
        seen.statements.append(COMMIT)
        seen.parameters.append(None)

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
    assert len(seen.executed) <= most, "\n".join(seen.statements)


def test_nothing_is_read_after_a_lookups_commit(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    """The history comes from the read before the audit write, and the commit leaves `current_user` loaded (the
    page asks its role): a read after the commit would need the connection back."""
    login_as("officer")
    lookup(client, "DRZ1204", "plate", **HX)
    with watching(app) as seen:
        page = lookup(client, "DRZ1204", "plate", **HX)
    assert b'data-action="file-incident"' in page.data  # the officer's link: current_user's role, after the commit
    assert seen.statements[-1] == COMMIT, "\n".join(seen.statements)


def test_a_card_scans_full_page_reads_nothing_after_its_commit(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    """The layout asks `current_user` whether anyone is signed in and their role: the commit no longer expires
    the user (app.extensions: expire_on_commit off), so a page drawn after it does not load the user again."""
    login_as("officer")
    with app.app_context():
        holder = db.session.get(Person, "P-DIP")
        assert holder is not None
        make_card(holder, card_number="ZZ100001", expires_on=date(2029, 1, 15))
        db.session.commit()
        keyring.rotate(datetime.now(UTC))
        token = tokens.issue("ZZ100001", date(2029, 1, 15), keyring.signing_ring(), datetime.now(UTC))
    client.get(f"/v/{token}")
    with watching(app) as seen:
        page = client.get(f"/v/{token}")
    assert page.status_code == 200 and b"Ada Demo-Kovar" in page.data and b"data-signed-in" in page.data
    assert seen.statements[-1] == COMMIT, "\n".join(seen.statements)


def test_a_signed_in_page_reads_its_session_and_user_in_one_statement_without_the_totp_secret(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    """Flask-Login's user loader finds the user the session read brought (app.auth.sessions); the sealed TOTP
    secret is deferred: opened only where a code is checked, not on every request."""
    login_as("officer")
    client.get("/lookup")
    with watching(app) as seen:
        assert client.get("/lookup").status_code == 200
    reading_users = [s for s in seen.executed if "users" in s.split(" WHERE ")[0]]
    assert len(reading_users) == 1 and "FROM user_sessions LEFT OUTER JOIN users" in reading_users[0], reading_users
    assert "totp_secret" not in reading_users[0]


def test_the_users_recent_lookups_are_read_in_index_order_without_a_sort(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], car: None
) -> None:
    """Ordered by id alone, SQLite read and sorted every lookup of the sign-in on every lookup (a temporary
    B-tree): a dispatcher's 500th lookup of a shift read 500 rows. In (user_id, occurred_at) order it stops
    at the limit, whatever the shift's length."""
    login_as("dispatcher")
    for _ in range(3):
        lookup(client, "DRZ1204", "plate", **HX)
    with watching(app) as seen:
        lookup(client, "DRZ1204", "plate", **HX)
        client.get("/dispatch")  # the history read on its own
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans by its statistics")
        reads = [
            (statement, parameters)
            for statement, parameters in zip(seen.statements, seen.parameters, strict=True)
            if statement.startswith("SELECT") and "FROM audit_events WHERE audit_events.user_id" in statement
        ]
        assert len(reads) == 2, "\n".join(seen.statements)
        for statement, parameters in reads:
            plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            steps = " / ".join(str(row[-1]) for row in plan)
            assert "ix_audit_events_user_id_occurred_at" in steps and "TEMP B-TREE" not in steps, (statement, steps)


def test_the_history_in_a_lookups_answer_is_the_history_a_reload_reads(
    client: FlaskClient, officer: User, car: None
) -> None:
    """The answer's history is the read before the lookup with the lookup on top; the page reads the trail."""
    assert sign_in(client, "twice@example.gov").status_code == 302
    for plate in ("DRZ1204", "DRZ9999", "DRZ1204"):
        answer = lookup(client, plate, "plate", "/dispatch", **HX).get_data(as_text=True)
    page = client.get("/dispatch").get_data(as_text=True)

    def lines(html: str) -> list[str]:
        listed = html[html.index('id="history"') : html.index("</ol>", html.index('id="history"'))]
        return [" ".join(item.split()) for item in re.findall(r"<li>(.*?)</li>", listed, re.DOTALL)]

    assert len(lines(answer)) == 3
    assert lines(answer) == lines(page)


def test_a_sign_in_keeps_its_history_when_the_same_user_looked_up_more_elsewhere(
    app: Flask, officer: User, car: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one read of the user's recent lookups is cut at a limit; when the user's other sign-in filled it, the
    history is read on its own rather than shown short."""
    monkeypatch.setattr(walks, "RECENT_MAX", 4)
    phone, desk = app.test_client(), app.test_client()
    assert sign_in(phone, "twice@example.gov").status_code == 302
    assert sign_in(desk, "twice@example.gov").status_code == 302
    lookup(phone, "DRZ1204", "plate", **HX)
    lookup(phone, "DRZ9999", "plate", **HX)
    for n in range(5):
        lookup(desk, f"DRZ{3000 + 7 * n}", "plate", **HX)
    answer = lookup(phone, "DRZ1204", "plate", **HX).get_data(as_text=True)
    shown = re.findall(r'data-query="([^"]*)"', answer[answer.index('id="history"') :])
    assert shown == ["DRZ1204", "DRZ9999", "DRZ1204"]


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
