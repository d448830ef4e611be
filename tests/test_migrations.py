"""Migrations build the whole schema from nothing and match the models exactly."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.audit import service, verify
from app.extensions import db
from tests.audit_support import seal_everything
from tests.conftest import TEST_DATABASE_URL, make_app


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    name = f"envoy_migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_on_an_empty_database_leaves_no_drift(empty_database_url: str) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    check = runner.invoke(args=["db", "check"])
    with app.app_context():
        db.engine.dispose()
    assert check.exit_code == 0, check.output


def test_migration_files_are_named_by_date_and_slug() -> None:
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names, "no migrations found"
    assert all(n[:8].isdigit() and "_" in n for n in names), names
    assert os.sep not in "".join(names)


def test_the_account_lifecycle_migration_dates_passwords_from_creation_and_marks_disabled_accounts(
    empty_database_url: str,
) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c26d70d1c1b4"]).exit_code == 0
    created = "2025-06-01 09:30:00+00:00"
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO agencies (id, name, created_at) VALUES (1, 'PD', '{created}')"))
            connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, agency_id, is_disabled, recent_failures, "
                    f"created_at) VALUES (1, 'a@pd.example.gov', 'x', 'officer', 1, false, '[]', '{created}'), "
                    f"(2, 'b@pd.example.gov', 'x', 'officer', 1, true, '[]', '{created}')"
                )
            )
        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT password_changed_at, must_change_password, disabled_reason FROM users ORDER BY id")
            ).all()
        db.engine.dispose()
    assert all(str(row[0]).startswith("2025-06-01 09:30:00") and not row[1] for row in rows)
    assert [row[2] for row in rows] == [None, "admin"]


def test_the_audit_seals_migration_keeps_events_of_the_old_chain_and_the_first_seal_covers_them(
    empty_database_url: str, tmp_path: Path
) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    app.instance_path = str(tmp_path)  # the seal key and the outside store
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "34293057b7e7"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as connection:
            for n in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO audit_events (id, occurred_at, action, outcome, record_ids, detail,"
                        " prev_hash, hash) VALUES (:id, '2026-11-30 10:00:00+00:00', 'lookup.plate', 'hit', '', '{}',"
                        " :prev, :hash)"
                    ),
                    {"id": n, "prev": f"{n - 1:064x}", "hash": f"{n:064x}"},
                )
        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        service.record_now("lookup.plate", "miss")
        seal_everything()
        report = verify.verify()
        ids = [row[0] for row in db.session.execute(text("SELECT id FROM audit_events ORDER BY id"))]
        # The append-only triggers came back after SQLite rebuilt the table.
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE audit_events SET outcome = 'x' WHERE id = 4"))
        db.session.rollback()
        db.engine.dispose()
    assert report.ok, report.problem
    assert report.events == 4 and ids == [1, 2, 3, 4]
