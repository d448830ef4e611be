"""Immunity rules: from a registry person's facts to a verdict an officer can act on (pure: no Flask, no database)."""

from app.immunity.codes import (
    Answer,
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    Level,
    MissionKind,
    PersonStatus,
    Relationship,
    VehicleStatus,
)
from app.immunity.consular import needs_consular_notification
from app.immunity.contacts import CONTACTS, Contact, contacts_for
from app.immunity.driving import DrivingLevel, DrivingStatus, driving_status
from app.immunity.facts import PersonFacts
from app.immunity.rules import decide
from app.immunity.status import status_problems
from app.immunity.verdict import TableAnswers, Verdict

__all__ = [
    "CONTACTS",
    "Answer",
    "CardIssuer",
    "CardStatus",
    "CardType",
    "Category",
    "Contact",
    "DrivingLevel",
    "DrivingStatus",
    "Level",
    "MissionKind",
    "PersonFacts",
    "PersonStatus",
    "Relationship",
    "TableAnswers",
    "Verdict",
    "VehicleStatus",
    "contacts_for",
    "decide",
    "driving_status",
    "needs_consular_notification",
    "status_problems",
]
