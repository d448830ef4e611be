"""The database models; import them from here."""

from app.models.accounts import Agency, Passkey, User, UserSession
from app.models.api_tokens import ApiToken
from app.models.audit import AuditEvent
from app.models.devices import KnownDevice
from app.models.driving import DrivingPoints
from app.models.incidents import IdempotencyKey, Incident, IncidentAttachment, IncidentCounter, IncidentEvent
from app.models.keys import SigningKey
from app.models.registry import Card, Mission, Person, RegistryLoad, Vehicle

__all__ = [
    "Agency",
    "ApiToken",
    "AuditEvent",
    "Card",
    "DrivingPoints",
    "IdempotencyKey",
    "Incident",
    "IncidentAttachment",
    "IncidentCounter",
    "IncidentEvent",
    "KnownDevice",
    "Mission",
    "Passkey",
    "Person",
    "RegistryLoad",
    "SigningKey",
    "User",
    "UserSession",
    "Vehicle",
]
