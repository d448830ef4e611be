"""`flask registry seed-demo`: replace the registry with synthetic, clearly fictitious demo data.

Countries and organisations are real (the rules read real nationalities); people are not: every
surname starts with "Demo-". The guaranteed records each officer journey uses are in DEMO_CASES.
"""

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from app.audit import service as audit
from app.database import transaction
from app.extensions import db
from app.models import Card, DrivingPoints, Mission, Person, RegistryLoad, Vehicle
from app.models.base import utcnow
from app.registry import auditing, bulk, photos
from app.registry.counts import LoadCounts
from app.registry.demo.cases import DEMO_CASES, DEMO_LEVELS, DEMO_PORTRAITS, demo_driving_points
from app.registry.demo.generator import generate
from app.registry.demo.portraits import portrait

__all__ = [
    "DEFAULT_PERSONS",
    "DEFAULT_SEED",
    "DEMO_CASES",
    "DEMO_LEVELS",
    "DEMO_PORTRAITS",
    "registry_is_empty",
    "seed_demo",
]

DEFAULT_PERSONS = 55_000
DEFAULT_SEED = 2026


def registry_is_empty() -> bool:
    """True when the registry holds no mission and no person."""
    return (
        db.session.scalar(select(Mission.id).limit(1)) is None and db.session.scalar(select(Person.id).limit(1)) is None
    )


def _add_portraits(persons: list[dict[str, Any]], instance_path: Path) -> None:
    by_id = {person["id"]: person for person in persons}
    for index, person_id in enumerate(DEMO_PORTRAITS):
        by_id[person_id]["photo_file"] = photos.store(instance_path, person_id, portrait(index))


def seed_demo(persons: int, seed: int, today: date | None = None, instance_path: Path | None = None) -> LoadCounts:
    """Replace every mission, person, card and vehicle with a demo registry, in one transaction.

    `persons` people (at least the demo cases' eleven), about one mission per 32 persons and
    0.22 vehicles per person, the same rows for the same (persons, seed, today); expiries and
    departures are relative to `today`. The demo driving records (cases.DEMO_DRIVING) replace every
    driving record. With `instance_path`, the DEMO_PORTRAITS persons get synthetic photos stored there.
    Records a RegistryLoad "demo seed <seed>" and, in the same transaction, a `registry.seed` audit
    event (replacing the registry is a bulk change like an import); a failed seed is recorded after its rollback.
    """
    detail: dict[str, object] = {"source": f"demo seed {seed}", "persons_asked": persons}
    try:
        return _seed(persons, seed, today or date.today(), instance_path, detail)
    except Exception as error:
        auditing.record_unsuccessful(auditing.SEED, "failed", {**detail, "error": type(error).__name__})
        raise


def _seed(persons: int, seed: int, today: date, instance_path: Path | None, detail: dict[str, object]) -> LoadCounts:
    rows = generate(persons, seed, today, utcnow())
    if instance_path is not None:
        _add_portraits(rows.persons, instance_path)
    with transaction():
        # Children before parents; persons in one statement, so their self-reference is checked at its end.
        for model in (DrivingPoints, Vehicle, Card, Person, Mission):
            db.session.execute(delete(model))
        bulk.insert_rows(Mission, rows.missions)
        bulk.insert_rows(Person, rows.persons)
        bulk.insert_rows(Card, rows.cards)
        bulk.insert_rows(Vehicle, rows.vehicles)
        bulk.insert_rows(DrivingPoints, demo_driving_points(today, utcnow()))
        counts = LoadCounts(len(rows.missions), len(rows.persons), len(rows.cards), len(rows.vehicles))
        db.session.add(RegistryLoad(source=str(detail["source"]), **vars(counts)))
        photos_written = len(DEMO_PORTRAITS) if instance_path is not None else 0
        audit.record(auditing.SEED, "ok", detail={**detail, "photos_written": photos_written, "rows": vars(counts)})
    return counts
