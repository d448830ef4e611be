"""The database models; import them from here."""

from app.models.accounts import Agency, User, UserSession
from app.models.audit import AuditEvent
from app.models.keys import SigningKey
from app.models.registry import Card, Mission, Person, RegistryLoad, Vehicle

__all__ = [
    "Agency",
    "AuditEvent",
    "Card",
    "Mission",
    "Person",
    "RegistryLoad",
    "SigningKey",
    "User",
    "UserSession",
    "Vehicle",
]
