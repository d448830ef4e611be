"""The backup drill of the security bar: back up a working database, restore it, and the audit trail still verifies.

SQLite with its online backup API (what `sqlite3 envoy.db ".backup FILE"` runs); PostgreSQL with pg_dump and
pg_restore. The restored copy must hold the same events and the same newest seal, and `flask audit verify` must
say OK against the same seal keys and outside store: the README's backup section is this procedure.
"""

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.audit import seals, service
from app.audit.actor import Actor
from app.extensions import db
from app.models.audit import AuditEvent, AuditSeal
from tests.audit_support import seal_everything
from tests.conftest import TEST_DATABASE_URL, build_app, close_app

CLI = Actor.cli()


def _working_trail(app: Flask) -> tuple[int, str]:
    """Events in two sealed batches and one not sealed yet; returns (event count, newest seal hash)."""
    with app.app_context():
        for batch in range(3):
            for n in range(3):
                db.session.add(service.build_event("lookup.plate", "hit", query=f"DAB{batch}{n:03d}", actor=CLI))
                db.session.commit()
            if batch < 2:
                seal_everything()
        return _state()


def _state() -> tuple[int, str]:
    count = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    newest = db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq.desc()).limit(1)).one()
    db.session.rollback()
    return count, newest.seal_hash


def _restored_app(app_with: Callable[..., Flask], original: Flask, url: str) -> Flask:
    """An app on the restored database, with the original's seal keys and outside store (kept apart from it)."""
    return app_with(
        SQLALCHEMY_DATABASE_URI=url,
        AUDIT_SEAL_KEY_DIR=original.config["AUDIT_SEAL_KEY_DIR"],
        AUDIT_SEAL_STORE=original.config["AUDIT_SEAL_STORE"],
    )


def _verifies(app: Flask, expected: tuple[int, str]) -> None:
    with app.app_context():
        assert _state() == expected
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 2 seal(s) cover 6 event(s)"), result.output
    assert "; 3 unsealed event(s)" in result.output


@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="the SQLite drill; PostgreSQL's is below")
def test_an_online_sqlite_backup_restores_with_a_trail_that_verifies(
    tmp_path: Path, app_with: Callable[..., Flask]
) -> None:
    database = tmp_path / "envoy.db"
    app = app_with(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    expected = _working_trail(app)
    # Taken while the app still holds its connections open (WAL mode): the backup API copies a consistent state.
    backup = tmp_path / "backups" / "envoy.db"
    backup.parent.mkdir()
    with sqlite3.connect(database) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    restored = tmp_path / "restored" / "envoy.db"
    restored.parent.mkdir()
    shutil.copy(backup, restored)
    _verifies(_restored_app(app_with, app, f"sqlite:///{restored}"), expected)


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump and pg_restore")
def test_a_pg_dump_restores_with_a_trail_that_verifies(tmp_path: Path, app: Flask) -> None:
    expected = _working_trail(app)
    source = make_url(TEST_DATABASE_URL)
    dump = tmp_path / "envoy.dump"
    libpq = source.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq], check=True, capture_output=True)
    copy_name = f"{source.database}_restored"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{copy_name}"'))
    try:
        target = source.set(drivername="postgresql", database=copy_name).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True, capture_output=True)
        restored = _restored_app(build_app, app, source.set(database=copy_name).render_as_string(hide_password=False))
        try:
            _verifies(restored, expected)
        finally:
            close_app(restored)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="transaction ids are PostgreSQL's")
def test_sealing_refuses_loudly_in_a_cluster_whose_transaction_ids_are_behind_the_seals(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restore into a fresh cluster: its transaction ids start low, below what the seals already cover."""
    _working_trail(app)
    monkeypatch.setattr(seals, "horizon", lambda connection, kind: 1000)
    with app.app_context(), pytest.raises(seals.SealError, match="transaction ids went backwards"):
        seals.seal_once()
