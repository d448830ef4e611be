"""What the registry holds right now, for the start page."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Card, Mission, Person, Vehicle
from app.registry.freshness import data_as_of


@dataclass(frozen=True)
class RegistrySummary:
    missions: int
    persons: int
    cards: int
    vehicles: int
    data_as_of: datetime | None


def registry_summary() -> RegistrySummary:
    def count(model: type) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    return RegistrySummary(
        missions=count(Mission),
        persons=count(Person),
        cards=count(Card),
        vehicles=count(Vehicle),
        data_as_of=data_as_of(),
    )
