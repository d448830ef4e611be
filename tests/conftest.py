"""Shared fixtures: a fresh app and database per test, a client, a CLI runner.

`make test` runs the suite in parallel (pytest-xdist, `-n`): on PostgreSQL each worker gets a database of its own.
"""

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from app import create_app
from app.auth import passwords
from app.extensions import db
from app.models import User
from tests.auth_support import TEST_TOTP_KEYS
from tests.factories import DEFAULT_PASSWORD, make_user


def worker_database_url(url: str, worker: str | None) -> str:
    """The database of one xdist worker (gw0, gw1, ...): the PostgreSQL test database's name plus the worker's.

    Workers run tests at the same time, and each test empties every table when it ends: a shared database would
    have one worker's test lose the rows another is using. In-memory SQLite is private to each app already.
    """
    if not worker or not url.startswith("postgresql"):
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


# CI sets this to a PostgreSQL URL for the second run of the suite; otherwise each test gets in-memory SQLite.
BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
TEST_DATABASE_URL = worker_database_url(BASE_DATABASE_URL, os.environ.get("PYTEST_XDIST_WORKER"))


def recreate_database(base_url: str, url: str) -> None:
    """Drop and create the worker's database, connected to the base one (the role must be allowed CREATEDB).

    Fresh each run, as .ci/run makes the base one: tables left by an older checkout would not match the models.
    """
    name = make_url(url).database
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as error:
        raise pytest.UsageError(
            f"Could not create the database {name} for test worker {os.environ.get('PYTEST_XDIST_WORKER')}: "
            f"{error.orig}. Let the role of TEST_DATABASE_URL create databases, or run the tests in one process "
            "(`make test TEST_WORKERS=0`, or pytest without -n)."
        ) from error
    finally:
        admin.dispose()


def cache_url_builders() -> None:
    """Reuse the URL-building code Werkzeug compiles for each route, across the apps the tests create.

    Every test builds a new app, and compiling ~70 routes' builders (Python code made from an AST) was over half
    of create_app's time: ~50 ms a test. The code depends only on the rule's parts and defaults' names; each Rule
    still gets its own bound builder, so URLs come out exactly as before.
    """
    compile_builder = Rule._compile_builder
    cache: dict[tuple, Callable] = {}

    def cached(self: Rule, append_unknown: bool = True) -> Callable:
        defaults = self.defaults or {}
        if any(dynamic and name in defaults for dynamic, name in self._trace):
            return compile_builder(self, append_unknown)  # a default folded into the code: not shared
        key = (self.rule, append_unknown, tuple(self._trace), tuple(map(str, defaults)))
        if key not in cache:
            cache[key] = compile_builder(self, append_unknown)
        return cache[key]

    Rule._compile_builder = cached  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    cache_url_builders()
    # Apps that tests and their subprocesses build with create_app itself read TOTP_KEYS from the environment:
    # without it they would make a key file in the checkout's instance/ folder.
    os.environ.setdefault("TOTP_KEYS", TEST_TOTP_KEYS)
    if TEST_DATABASE_URL != BASE_DATABASE_URL:
        recreate_database(BASE_DATABASE_URL, TEST_DATABASE_URL)
        # Modules and subprocesses (the durability bench) read the variable too.
        os.environ["TEST_DATABASE_URL"] = TEST_DATABASE_URL


TEST_INSTANCE = "envoy_test_instance"
# What the tests that are not about the second factor require: the roles that always need one (app/auth/roles.py).
RELAXED_MFA_ROLES = ("reviewer", "admin")

# What no test may write: the checkout's own seal key and outside store belong to `make run`'s database. A test that
# seals into them leaves a store that no longer matches that database, and `flask audit verify` then fails there.
CHECKOUT_AUDIT_FILES = [
    Path(__file__).resolve().parent.parent / "instance" / name for name in ("audit-seals.jsonl", "audit-seal-keys")
]


def _audit_files_state() -> list[float | None]:
    return [path.stat().st_mtime if path.exists() else None for path in CHECKOUT_AUDIT_FILES]


_AUDIT_FILES_AT_START = _audit_files_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _audit_files_state() != _AUDIT_FILES_AT_START:
        session.exitstatus = 1
        folder = CHECKOUT_AUDIT_FILES[0].parent
        print(
            f"\nFAILED: a test wrote the checkout's audit seal files in {folder}; give its app a temporary"
            " instance folder, or AUDIT_SEAL_INTERVAL_SECONDS=0"
        )


# Hypothesis checks behaviour here, not speed (benchmarks measure that, under real load): its 200 ms per-example
# deadline failed a plate property once when one example took 448 ms on the 2-core machine busy with two test
# workers and Chromium.
settings.register_profile("envoy", deadline=None)
settings.load_profile("envoy")


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for every app this test process builds.

    Each test builds a new app, and each app's Jinja environment would compile every page it renders again (about
    50 ms for the sign-in page: most of a sign-in's cost in a test). Jinja keys the code by the template's name and a
    checksum of its source, so an edited template is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


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
        # A fixed ring: an app made here without build_app's temporary instance folder (the migration tests)
        # would otherwise make a key file in the checkout's instance/ folder.
        "TOTP_KEYS": TEST_TOTP_KEYS,
    }
    if overrides.get("ENVOY_ENV") != "production":  # production refuses the shorter list
        # Officers and dispatchers sign in with a password alone in the tests that are not about the second
        # factor, so they need no code each time. The MFA tests (test_mfa.py, test_passkeys.py) use the real
        # default, every role: make_app(MFA_REQUIRED_ROLES=config.DEFAULTS["MFA_REQUIRED_ROLES"]).
        config["MFA_REQUIRED_ROLES"] = RELAXED_MFA_ROLES
    # Each app's own seal key and outside store, never the checkout's instance folder (see pytest_sessionfinish).
    seals_folder = Path(tempfile.mkdtemp(prefix="envoy-test-seals-"))
    config["AUDIT_SEAL_KEY_DIR"] = str(seals_folder / "audit-seal-keys")
    config["AUDIT_SEAL_STORE"] = str(seals_folder / "audit-seals.jsonl")
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


def reset_database() -> None:
    """Empty every table and restart every id, so the next test starts as on a new database.

    On PostgreSQL this keeps the schema (much faster than dropping and creating it) and DELETEs only from the
    tables that hold rows: a TRUNCATE of every table cost ~0.3 s a test, as it makes new files for each one.
    """
    db.session.expunge_all()  # their rows are going: nothing loaded before may stand in for a new row's id
    if db.engine.dialect.name != "postgresql":
        db.drop_all()
        return
    tables = db.metadata.sorted_tables
    holding_rows = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
    written = set(db.session.execute(text(holding_rows)).scalars())
    for table in reversed(tables):  # children before parents
        if table.name in written:
            db.session.execute(text(f'DELETE FROM "{table.name}"'))
    used_sequences = text(
        "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
        " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    )
    for sequence in db.session.execute(used_sequences).scalars().all():
        db.session.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
    db.session.commit()


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
