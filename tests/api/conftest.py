"""Fixtures for the API tests: bearer tokens per role, and a demo registry with a signing key."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from app.cards import keyring
from app.extensions import db
from app.models import User
from app.registry.seed import seed_demo
from tests.factories import make_api_token, make_user

TODAY = date(2026, 12, 1)


@pytest.fixture
def token_for(app: Flask) -> Callable[..., tuple[User, dict[str, str]]]:
    """A user of a role and the Authorization header with a fresh token of theirs."""

    def make(role: str, **fields: object) -> tuple[User, dict[str, str]]:
        with app.app_context():
            user = make_user(role, **fields)  # type: ignore[arg-type]
            secret = make_api_token(user)
        return user, {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def bearer(token_for: Callable[..., tuple[User, dict[str, str]]]) -> Callable[[str], dict[str, str]]:
    """Just the Authorization header for a new user of this role."""
    return lambda role: token_for(role)[1]


@pytest.fixture
def demo(app: Flask) -> None:
    """The demo registry (every officer journey) and a card-signing key."""
    with app.app_context():
        seed_demo(persons=40, seed=1, today=date.today())
        keyring.rotate(datetime.now(UTC))
        db.session.commit()
