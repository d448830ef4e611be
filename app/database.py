"""The database session's rules: engine settings that differ by backend, and the one transaction idiom."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import Connection, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from app.extensions import db


@contextmanager
def transaction() -> Iterator[None]:
    """How a service owns its transaction: commit when the block ends, roll back if anything in it raises.

    The block's work joins db.session's open transaction, so a caller's uncommitted work commits with it;
    a service that must join a caller's transaction instead (`registry.driving.add_points`) adds without it.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def take_write_lock(connection: Connection | None = None) -> None:
    """Take SQLite's write lock now, at the start of the transaction, so its reads and writes wait for it.

    A deferred transaction that reads and then writes fails at once with "database is locked" when another
    writer holds the lock (the busy timeout is bypassed on a read-to-write upgrade); BEGIN IMMEDIATE waits
    for it instead (security-bar: 232 of 2,400 inserts committed deferred, all 2,400 immediate). PostgreSQL
    needs nothing here. When a transaction is already open, pysqlite opened it for a write statement, so the
    lock is already held.
    """
    connection = connection or db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            # Issued on the driver's own connection, so SQLAlchemy did not wrap it: wrap it as it would, so the
            # error handler answers 503 with Retry-After ("database is locked" past the busy timeout), not 500.
            raise exc.OperationalError("BEGIN IMMEDIATE", None, error) from error


def upsert_insert(model: type[DeclarativeBase]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ON CONFLICT clauses (on_conflict_do_nothing / _do_update) for this backend."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def register_connection_settings(app: Flask) -> None:
    """Settings every new connection gets. SQLite: foreign keys, WAL and a full fsync at commit. PostgreSQL:
    `synchronous_commit = on` whatever the server or role default says (security bar D8: an acknowledged incident
    or audit event is on disk before the answer goes out, also when an operator tuned the server for speed)."""
    with app.app_context():
        engine = db.engine
    busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection: Any, _record: Any) -> None:
            # SQLAlchemy's pattern for a session setting: outside any transaction, so it lasts the connection.
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION synchronous_commit = on")
            cursor.close()
            dbapi_connection.autocommit = autocommit

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an incident or audit event acknowledged to a user survives power loss (security-bar).
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
