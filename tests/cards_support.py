"""What the card tests share: a private instance folder, a key ring, tokens for registry cards, audit reads."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.cards import keyring, tokens
from app.extensions import db
from app.models import AuditEvent, Card

BASE_URL = "https://envoy.example.gov"  # what tests.conftest.make_app sets


@pytest.fixture
def instance(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Point the app's instance folder at a temporary one, so keys and QR caches never land in the repo."""
    folder = tmp_path / "instance"
    folder.mkdir()
    original = app.instance_path
    app.instance_path = str(folder)
    yield folder
    app.instance_path = original


@pytest.fixture
def ctx(app: Flask, instance: Path) -> Iterator[Flask]:
    """An app context with the temporary instance folder."""
    with app.app_context():
        yield app


@pytest.fixture
def active_kid(ctx: Flask) -> str:
    """A key ring with one active key (created a day before the tests' NOW)."""
    return keyring.rotate(datetime(2026, 11, 1, tzinfo=UTC)).kid


def token_for(card_number: str, expires_on: date, iat: datetime) -> str:
    """A token for a card number, signed now by the active key with the given iat."""
    return tokens.issue(card_number, expires_on, keyring.signing_ring(), iat)


def token_for_card(card: Card, iat: datetime | None = None) -> str:
    return token_for(card.card_number, card.expires_on, iat or card.min_valid_iat or datetime(2026, 1, 1, tzinfo=UTC))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
