"""Shared fixtures: a fresh app and database per test, a client, a CLI runner."""

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text
from werkzeug.test import TestResponse

from app import create_app
from app.auth import passwords
from app.extensions import db
from app.models import User
from tests.factories import DEFAULT_PASSWORD, make_user

# CI sets this to a PostgreSQL URL for the second run of the suite; otherwise each test gets in-memory SQLite.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")


TEST_INSTANCE = "envoy_test_instance"


def make_app(**overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "https://envoy.example.gov",
        # Tests seal explicitly (app.audit.seals.seal_all); a seal after a random request would make them flaky.
        "AUDIT_SEAL_INTERVAL_SECONDS": 0,
    }
    config.update(overrides)
    return create_app(config)


def reset_database() -> None:
    """Empty every table; on PostgreSQL this is much faster than dropping and creating the schema."""
    if db.engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
    else:
        db.drop_all()


def build_app(**overrides: object) -> Flask:
    """An app with its tables created and its own empty instance folder; pair it with close_app."""
    app = make_app(**overrides)
    # Keys, photos and QR images a test writes never land in the checkout's instance/ folder.
    app.instance_path = app.extensions[TEST_INSTANCE] = tempfile.mkdtemp(prefix="envoy-test-instance-")
    with app.app_context():
        db.create_all()
    return app


def close_app(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        reset_database()
        db.engine.dispose()
    shutil.rmtree(app.extensions[TEST_INSTANCE], ignore_errors=True)


@pytest.fixture
def app() -> Iterator[Flask]:
    app = build_app()
    yield app
    close_app(app)


@pytest.fixture
def app_with() -> Iterator[Callable[..., Flask]]:
    """Builds extra apps with other settings (CSRF on, limits on, ...); each is emptied and closed afterwards."""
    made: list[Flask] = []

    def build(**overrides: object) -> Flask:
        made.append(build_app(**overrides))
        return made[-1]

    yield build
    for app in made:
        close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(response: TestResponse) -> str | None:
    """The CSRF token of the form on this page, when CSRF protection is on."""
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    return match.group(1) if match else None


def sign_in(
    client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD, totp_secret: str | None = None
) -> TestResponse:
    """Sign in through the real pages: the password form with the banner ticked, then the TOTP code if asked.

    Each TOTP code works once: signing the same user in twice within one 30-second step needs time_machine.
    """
    page = client.get("/login")
    form = {"email": email, "password": password, "acknowledge": "y", "csrf_token": csrf_from(page) or ""}
    response = client.post("/login", data=form)
    if response.status_code == 302 and response.headers["Location"].startswith("/login/code"):
        assert totp_secret is not None, "this account needs a TOTP code"
        page = client.get("/login/code")
        code = pyotp.TOTP(totp_secret).now()
        response = client.post("/login/code", data={"code": code, "csrf_token": csrf_from(page) or ""})
    return response


@pytest.fixture
def login_as(app: Flask, client: FlaskClient) -> Callable[..., User]:
    """Create a user of a role and sign `client` (or another client) in as them; returns the user."""

    def _login_as(role: str, *, client: FlaskClient = client, **fields: object) -> User:
        with app.app_context():
            user = make_user(role, **fields)  # type: ignore[arg-type]
        response = sign_in(client, user.email, str(fields.get("password", DEFAULT_PASSWORD)), user.totp_secret)
        assert response.status_code == 302 and not response.headers["Location"].startswith("/login"), (
            f"sign-in as {role} failed: {response.status_code} {response.headers.get('Location')}"
        )
        return user

    return _login_as


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its real cost (64 MiB, ~80 ms a hash) would make every sign-in test slow; the algorithm and
    the code paths stay the same. test_auth checks the production parameters."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    passwords._dummy_hash.cache_clear()
