"""Making the registry tables match a checked folder: compare in bulk, then write only what differs."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update

from app.extensions import db
from app.immunity.codes import Relationship
from app.models import Person
from app.registry import bulk
from app.registry.columns import CARDS, FILES, MISSIONS, PERSONS, VEHICLES, FileSpec
from app.registry.reading import Folder, Problems, progress_bar

CHUNK = 2000
_NOUN = {MISSIONS.name: "mission", PERSONS.name: "person", CARDS.name: "card", VEHICLES.name: "vehicle"}
_KEEP_HINT = {
    MISSIONS.name: "keep it in the folder",
    PERSONS.name: "keep it in the folder, with status departed or terminated",
    CARDS.name: "keep it in the folder, with status revoked or lost",
    VEHICLES.name: "keep it in the folder, with status expired or recalled",
}


@dataclass
class TablePlan:
    """What one file changes in its table."""

    spec: FileSpec
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # full rows plus the primary key
    deletes: list[dict[str, Any]] = field(default_factory=list)  # the existing rows
    replaced_photos: list[str] = field(default_factory=list)  # photo names no row refers to afterwards

    @property
    def changes(self) -> int:
        return len(self.inserts) + len(self.updates) + len(self.deletes)

    def summary(self) -> str:
        return (
            f"{self.spec.name}: {len(self.inserts):,} added, {len(self.updates):,} changed, "
            f"{len(self.deletes):,} removed"
        )


@dataclass
class Plan:
    tables: dict[str, TablePlan]

    @property
    def changes(self) -> int:
        return sum(t.changes for t in self.tables.values())

    def __getitem__(self, spec: FileSpec) -> TablePlan:
        return self.tables[spec.name]


def _compared(spec: FileSpec) -> list[str]:
    return [c.attribute for c in spec.columns]


def _existing(spec: FileSpec) -> dict[Any, dict[str, Any]]:
    """Every row of the table, read once, by key; only the columns the folder carries (and the primary key)."""
    attributes = list(dict.fromkeys(["id", *_compared(spec)]))
    statement = select(*(getattr(spec.model, a) for a in attributes))
    key = spec.key_attribute
    return {row[key]: dict(row) for row in db.session.execute(statement).mappings()}


def plan(folder: Folder, now: datetime) -> Plan:
    """Compare the folder with the tables; nothing is written."""
    result = Plan({})
    for spec in FILES:
        table_plan = TablePlan(spec)
        existing = _existing(spec)
        compared = _compared(spec)
        for key, row in folder.rows(spec).items():
            old = existing.get(key)
            new = dict(row.values)
            if old is None:
                if spec is PERSONS:
                    new["updated_at"] = now
                table_plan.inserts.append(new)
            elif any(old[a] != new[a] for a in compared):
                if spec is PERSONS:
                    new["updated_at"] = now
                    if old["photo_file"] and old["photo_file"] != new["photo_file"]:
                        table_plan.replaced_photos.append(old["photo_file"])
                table_plan.updates.append({**new, "id": old["id"]})
        incoming = folder.rows(spec)
        table_plan.deletes = [old for key, old in existing.items() if key not in incoming]
        if spec is PERSONS:
            table_plan.replaced_photos += [old["photo_file"] for old in table_plan.deletes if old["photo_file"]]
        result.tables[spec.name] = table_plan
    return result


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _registry_tables() -> dict[str, Table]:
    return {spec.model.__table__.name: spec.model.__table__ for spec in FILES}  # type: ignore[misc]


def blocked_deletes(plan: Plan) -> Problems:
    """Rows the folder drops that other records (incidents, say) still refer to; the import must not go on.

    Found by walking the foreign keys of every table outside the registry, so a table added later is
    covered without changes here.
    """
    problems = Problems()
    registry = _registry_tables()
    for spec in FILES:
        table_plan = plan[spec]
        if not table_plan.deletes:
            continue
        target = spec.model.__table__
        for table in db.metadata.sorted_tables:
            if table.name in registry:
                continue
            for foreign_key in table.foreign_keys:
                if not foreign_key.references(target):  # type: ignore[arg-type]
                    continue
                column = foreign_key.column.name
                doomed = {old[column]: old[spec.key_attribute] for old in table_plan.deletes}
                referenced: set[Any] = set()
                for chunk in _chunks(list(doomed)):
                    statement = select(foreign_key.parent).where(foreign_key.parent.in_(chunk)).distinct()
                    referenced.update(db.session.scalars(statement))
                for value in sorted(referenced, key=str):
                    problems.add(
                        spec,
                        0,
                        f"{_NOUN[spec.name]} '{doomed[value]}' is not in the folder but {table.name} "
                        f"still refer to it; {_KEEP_HINT[spec.name]}",
                    )
    return problems


def apply(plan: Plan, progress: bool = False) -> None:
    """Write the plan in an order every foreign key accepts; the caller commits or rolls back."""
    missions, persons, cards, vehicles = (plan[spec] for spec in FILES)
    new_persons = sorted(persons.inserts, key=lambda p: p["relationship"] != Relationship.PRINCIPAL)
    steps: list[tuple[str, Any, Sequence[Any]]] = [
        ("insert", MISSIONS, missions.inserts),
        ("update", MISSIONS, missions.updates),
        # Sponsors before their families.
        ("insert", PERSONS, new_persons),
        ("update", PERSONS, persons.updates),
        ("delete", VEHICLES, vehicles.deletes),
        ("delete", CARDS, cards.deletes),
        ("insert", CARDS, cards.inserts),
        ("update", CARDS, cards.updates),
        ("insert", VEHICLES, vehicles.inserts),
        ("update", VEHICLES, vehicles.updates),
        ("unlink", PERSONS, [p for p in persons.deletes if p["principal_id"] is not None]),
        ("delete", PERSONS, persons.deletes),
        ("delete", MISSIONS, missions.deletes),
    ]
    total = sum(len(rows) for _, _, rows in steps)
    with progress_bar(progress and total > 0, total, "writing the registry") as bar:
        for action, spec, rows in steps:
            for chunk in _chunks(rows):
                _write(action, spec, chunk)
                bar.update(len(chunk))


def _write(action: str, spec: FileSpec, rows: Sequence[dict[str, Any]]) -> None:
    model = spec.model
    if action == "insert":
        bulk.insert_rows(model, rows)
    elif action == "update":
        # ORM bulk UPDATE by primary key: one executemany, no objects loaded.
        db.session.execute(update(model), list(rows))
    elif action == "unlink":
        # A departing family may name a departing sponsor; cut the link so the delete order does not matter.
        ids = [r["id"] for r in rows]
        db.session.execute(
            update(Person).where(Person.id.in_(ids)).values(principal_id=None),
            execution_options={"synchronize_session": False},
        )
    elif action == "delete":
        ids = [r["id"] for r in rows]
        db.session.execute(delete(model).where(model.id.in_(ids)), execution_options={"synchronize_session": False})
