"""The registries the bench serves: databases, seeding (cached at 20x), import timing, the keys wrk picks from."""

import hashlib
import io
import json
import os
import random
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.served.settings import CACHE, DEFAULT_PG, DISPATCHER, OFFICER, PASSWORD, ROOT, SERVER_ENV, TOTP_SECRET


def postgres_url(choice: str) -> str | None:
    """The PostgreSQL server to use, or None: BENCH_DATABASE_URL, else the local server when it answers."""
    if choice == "sqlite":
        return None
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001  (any failure to connect means: no PostgreSQL run)
        if choice in ("postgresql", "both"):
            raise SystemExit(f"PostgreSQL at {parsed.render_as_string()} does not answer: {error}") from None
        return None
    finally:
        engine.dispose()
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(
    backend: str, pg_url: str | None, folder: Path, name: str, template: str | None = None
) -> Iterator[str]:
    """A database for one registry, removed afterwards: a SQLite file in the run's folder; on PostgreSQL an empty
    schema, or with `template` a new database copied from that (cached) one."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    from sqlalchemy import create_engine, make_url, text

    assert pg_url is not None
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    if template is not None:
        database = f"envoy_bench_run_{secrets.token_hex(4)}"
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
        try:
            yield make_url(pg_url).set(database=database).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            engine.dispose()
        return
    schema = f"bench_{name}_{secrets.token_hex(4)}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(pg_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def pg_template(pg_url: str, persons: int) -> tuple["Build", str, Path]:
    """The cached 20x PostgreSQL registry: a database `envoy_bench_20x_<key>` kept between runs (a run copies it
    with CREATE DATABASE ... TEMPLATE, seconds instead of minutes), seeded once with the project's seed code.
    Its seed time is kept in the database's comment; its photos in the cache folder."""
    from sqlalchemy import create_engine, make_url, text

    name = f"envoy_bench_20x_{cache_key()}"
    photos = CACHE / name
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            comment = connection.execute(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"),
                {"name": name},
            ).first()
        if comment is not None and comment[0]:
            made = json.loads(comment[0])
            return Build("postgresql", "20x", persons, made["seed_s"], cached=True, counts=made["counts"]), name, photos
        with engine.connect() as connection:
            old = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'envoy\\_bench\\_20x\\_%'")
            ).scalars()
            for database in list(old):
                connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        for stale in CACHE.glob("envoy_bench_20x_*"):
            shutil.rmtree(stale, ignore_errors=True)
        photos.mkdir(parents=True)
        seconds, counts = seed(
            make_url(pg_url).set(database=name).render_as_string(hide_password=False), photos, persons
        )
        with engine.connect() as connection:
            note = json.dumps({"seed_s": seconds, "counts": counts}).replace("'", "''")
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{note}'"))
        return Build("postgresql", "20x", persons, seconds, counts=counts), name, photos
    finally:
        engine.dispose()


def make_app(url: str, instance: Path) -> Any:
    """The app in this process, for building and preparing (development settings: it serves nothing)."""
    from app import create_app

    # The server's key ring: the bench users' TOTP secrets are sealed here and opened by the served app.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TOTP_KEYS": SERVER_ENV["TOTP_KEYS"]})
    app.instance_path = str(instance)
    return app


def cache_key() -> str:
    """What a cached 20x registry depends on: the seed code, the models, the migrations, and the week (expiries and
    departures are relative to the day it was seeded; a week's drift does not change what a lookup costs)."""
    digest = hashlib.sha256()
    sources = sorted((ROOT / "app" / "registry").rglob("*.py")) + sorted((ROOT / "migrations").rglob("*.py"))
    sources += sorted((ROOT / "app" / "models").rglob("*.py"))
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    year, week, _day = datetime.now(UTC).date().isocalendar()
    digest.update(f"{year}-W{week}".encode())
    return digest.hexdigest()[:16]


@dataclass
class Build:
    backend: str
    size: str
    persons: int
    seed_s: float
    cached: bool = False
    import_s: float | None = None
    counts: str = ""


def migrate() -> None:
    """`flask db upgrade` in this app context; Alembic's INFO lines are not the bench's output."""
    from flask_migrate import upgrade

    with redirect_stderr(io.StringIO()):
        upgrade(directory=str(ROOT / "migrations"))


def seed(url: str, instance: Path, persons: int) -> tuple[float, str]:
    """Migrate and seed with the project's own code (`flask db upgrade`, `flask registry seed-demo`); seconds."""
    from app.extensions import db
    from app.registry.seed import DEFAULT_SEED, seed_demo

    app = make_app(url, instance)
    with app.app_context():
        migrate()
        started = time.perf_counter()
        counts = seed_demo(persons=persons, seed=DEFAULT_SEED, instance_path=instance)
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return seconds, str(counts)


def build(backend: str, url: str, instance: Path, size: str, persons: int, cache: bool) -> Build:
    """Seed the registry, from the cache when it is the 20x SQLite one and the cache is current."""
    if backend == "sqlite" and size == "20x" and cache:
        cached = CACHE / f"registry-20x-{cache_key()}"
        database = Path(url.removeprefix("sqlite:///"))
        if not (cached / "registry.db").exists():
            for old in CACHE.glob("registry-20x-*"):
                shutil.rmtree(old, ignore_errors=True)
            work = cached.with_name(cached.name + ".partial")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            seconds, counts = seed(f"sqlite:///{work / 'registry.db'}", work / "instance", persons)
            (work / "build.json").write_text(json.dumps({"seed_s": seconds, "counts": counts}), encoding="utf-8")
            work.rename(cached)
            fresh = True
        else:
            fresh = False
        shutil.copyfile(cached / "registry.db", database)
        shutil.copytree(cached / "instance", instance, dirs_exist_ok=True)
        made = json.loads((cached / "build.json").read_text(encoding="utf-8"))
        return Build(backend, size, persons, made["seed_s"], cached=not fresh, counts=made["counts"])
    seconds, counts = seed(url, instance, persons)
    return Build(backend, size, persons, seconds, counts=counts)


def time_import(backend: str, pg_url: str | None, folder: Path, source_url: str, source_instance: Path) -> float:
    """`flask registry import` of the registry exported as an interchange folder, into an empty database."""
    from app.extensions import db
    from app.registry import interchange

    exported = folder / "interchange"
    app = make_app(source_url, source_instance)
    with app.app_context():
        interchange.export_folder(exported, source_instance)
        db.engine.dispose()
    with fresh_database(backend, pg_url, folder, "import") as url:
        target = make_app(url, folder / "import-instance")
        with target.app_context():
            migrate()
            started = time.perf_counter()
            # The import command's own progress bars (click), on a terminal only.
            interchange.import_folder(exported, folder / "import-instance", progress=sys.stdout.isatty())
            seconds = time.perf_counter() - started
            db.engine.dispose()
    shutil.rmtree(exported, ignore_errors=True)
    return seconds


@dataclass
class Fixture:
    """What a server run needs from the database: the API token and the key files for the Lua script."""

    token: str
    keys: dict[str, Path]
    sample: dict[str, str]


def near_miss(plate: str, rng: random.Random) -> str:
    """A plate one character away from a real one (the near matches will name it)."""
    position = rng.randrange(len(plate))
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return plate[:position] + rng.choice(alphabet.replace(plate[position], "")) + plate[position + 1 :]


def prepare(url: str, instance: Path, folder: Path, samples: int = 2000) -> Fixture:
    """Users (officer, dispatcher), an API token, a card-signing key, card QR tokens, and the key files."""
    from sqlalchemy import func, select

    from app.api import tokens as api_tokens
    from app.audit.actor import Actor
    from app.auth.accounts import create_user
    from app.cards import admin, keyring
    from app.extensions import db
    from app.models import Card, Vehicle
    from app.registry.results import find_plate

    rng = random.Random(14)  # noqa: S311  (which keys, not secrets)
    app = make_app(url, instance)
    now = datetime.now(UTC)
    with app.app_context():
        for email, role in ((OFFICER, "officer"), (DISPATCHER, "dispatcher")):
            create_user(email, role, "Bench Police", PASSWORD, totp_secret=TOTP_SECRET, actor=Actor.cli())
        token = api_tokens.create_token(DISPATCHER, name="bench", days=1, actor=Actor.cli()).secret
        keyring.rotate(now)
        plates = db.session.scalars(select(Vehicle.plate).order_by(func.random()).limit(samples)).all()
        cards = db.session.scalars(select(Card.card_number).order_by(func.random()).limit(samples)).all()
        misses = []
        for plate in plates:
            if len(misses) >= samples // 10:
                break
            candidate = near_miss(plate, rng)
            result = find_plate(candidate, now.date())
            if not result.found and result.suggestions:
                misses.append(candidate)
        qr_tokens = []
        for number in cards:
            if len(qr_tokens) >= samples // 40:
                break
            with suppress(Exception):  # a card that cannot be printed (expired, revoked) has no QR
                qr_tokens.append(admin.card_url(number, now).rsplit("/v/", 1)[1])
        db.session.remove()
        db.engine.dispose()
    keys = {}
    for name, values in (("plates", plates), ("cards", cards), ("misses", misses), ("tokens", qr_tokens)):
        if not values:
            raise SystemExit(f"the registry gave no {name} to look up")
        keys[name] = folder / f"{name}.txt"
        keys[name].write_text("\n".join(values) + "\n", encoding="utf-8")
    return Fixture(token, keys, {name: path.read_text().split("\n", 1)[0] for name, path in keys.items()})
