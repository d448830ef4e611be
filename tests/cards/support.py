"""What the card tests share besides fixtures (tests/cards/conftest.py): tokens for registry cards, audit reads."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.cards import keyring, tokens
from app.extensions import db
from app.models import AuditEvent, Card

BASE_URL = "https://envoy.example.gov"  # what tests.conftest.make_app sets


def token_for(card_number: str, expires_on: date, iat: datetime) -> str:
    """A token for a card number, signed now by the active key with the given iat."""
    return tokens.issue(card_number, expires_on, keyring.signing_ring(), iat)


def token_for_card(card: Card, iat: datetime | None = None) -> str:
    return token_for(card.card_number, card.expires_on, iat or card.min_valid_iat or datetime(2026, 1, 1, tzinfo=UTC))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
