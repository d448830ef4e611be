"""Fixtures for the card tests: a private instance folder, an app context on it, and a key ring."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from app.cards import keyring


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
