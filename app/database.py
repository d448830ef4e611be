"""Database engine settings that differ by backend."""

from typing import Any

from flask import Flask
from sqlalchemy import event

from app.extensions import db


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
