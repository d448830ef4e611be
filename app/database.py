"""The database session's rules: engine settings that differ by backend, and the one transaction idiom."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

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


def register_sqlite_pragmas(app: Flask) -> None:
    """Enforce foreign keys and use WAL on SQLite; PostgreSQL needs nothing here."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: an incident or audit event acknowledged to a user survives power loss (security-bar).
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
