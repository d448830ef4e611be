"""New registry rows in bulk, for an import and the demo seed: COPY on PostgreSQL, batched INSERTs elsewhere.

A 1x registry is 110,000 rows. On PostgreSQL, COPY writes them in about a second where the ORM's batched INSERTs
took eight (issue 14, bench/README.md); SQLite has no COPY and its executemany is already quick. Both run in the
caller's transaction, which commits or rolls back.
"""

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Column, insert, inspect
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models.base import Model

# Rows per INSERT batch on SQLite.
CHUNK = 5_000


def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (attribute -> value) into `model`'s table; a column no row names gets its Python default."""
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(model, rows)
        return
    # render_nulls keeps every row's parameters the same shape; without it each change in which values are None
    # starts a new statement.
    statement = insert(model).execution_options(render_nulls=True)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(statement, rows[start : start + CHUNK])


def _copy(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """Each value goes through its column type's bind processing (enums to their codes, timestamps to UTC), as
    an INSERT through SQLAlchemy would; a refusal is raised as SQLAlchemy raises a refused INSERT (DBAPIError)."""
    dialect = db.session.get_bind().dialect
    named = set().union(*(row.keys() for row in rows))
    columns: list[tuple[str, Column[Any]]] = [
        (attribute, column)
        for attribute, column in inspect(model).columns.items()
        if attribute in named or column.default is not None
    ]
    processors = [column.type.bind_processor(dialect) for _, column in columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model.__table__.name), sql.SQL(", ").join(sql.Identifier(c.name) for _, c in columns)
    )
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[a] if a in row else _default(c) for a, c in columns]
                copy.write_row([v if p is None else p(v) for v, p in zip(values, processors, strict=True)])
    except psycopg.Error as error:
        raise DBAPIError.instance(statement.as_string(cursor), None, error, psycopg.Error) from error


def _default(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined, operator]
