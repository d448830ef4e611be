"""Security bar D5: a filing that waits past SQLite's busy timeout (another writer holds the lock) answers 503 with
Retry-After and stores nothing; the officer's retry with the same key files it once. A real lock, not a mock."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Incident, User
from tests.conftest import TEST_DATABASE_URL, build_app, close_app
from tests.incidents.conftest import fields, form_for, looked_up

pytestmark = pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="SQLite's file lock")


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "envoy.db"


@pytest.fixture
def app(database_file: Path) -> Iterator[Flask]:
    """A SQLite file (a lock another connection can hold) that gives up after 0.3 s instead of 5."""
    app = build_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database_file}", SQLITE_BUSY_TIMEOUT_MS=300)
    yield app
    close_app(app)


def incidents(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Incident)) or 0


def test_a_filing_blocked_past_the_busy_timeout_gets_503_and_retry_after_and_the_retry_files_once(
    app: Flask, client: FlaskClient, officer: User, database_file: Path
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    form = {**fields(), "lookup": rid, "idempotency_key": key}
    blocker = sqlite3.connect(database_file, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock for longer than the busy timeout
    try:
        blocked = client.post("/incidents", data=form)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert blocked.status_code == 503 and int(blocked.headers["Retry-After"]) > 0
    page = blocked.get_data(as_text=True)
    assert "gives no answer" in page and "DS Command Center" in page
    assert incidents(app) == 0  # never acknowledged, never stored

    retried = client.post("/incidents", data=form)
    assert retried.status_code == 303 and "filed=new" in retried.headers["Location"]
    again = client.post("/incidents", data=form)
    assert again.status_code == 303 and "filed=again" in again.headers["Location"]
    assert incidents(app) == 1
