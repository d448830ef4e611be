"""`make bench`: the served benchmark. Envoy under gunicorn (sync workers, production settings) driven by wrk on
loopback, each row compared with a bare route of the same app measured in the same server run (issue 14).

Run: .venv/bin/python bench/served.py [--database sqlite|postgresql|both|auto] [--sizes 1x,20x] [--workers 2]
     [--duration 8] [--connections 8] [--rows bare,healthz,...] [--lock-timing] [--json FILE] [--smoke]

For each database and registry size it builds a registry with the project's own seed code (app/registry/seed.py,
what `flask registry seed-demo` runs; timed), times `flask registry import` of the same registry exported as an
interchange folder (1x only: the import path's speed), signs an officer in through the real pages, makes a
dispatcher's API token and card QR tokens, then for each worker count starts gunicorn and runs each row with
`wrk -t1 -c<connections> -d<duration>s --latency` and prints one table. SQLite runs in a temporary file; the
1.1-million-person SQLite registry is cached (~/.cache/envoy-bench, keyed by the seed code, the migrations and
the date). PostgreSQL runs when --database says so, or (auto, the default) when BENCH_DATABASE_URL is set or a
server answers at postgresql+psycopg://envoy:envoy@127.0.0.1:5432/postgres; it works in a schema of its own,
dropped afterwards. Results go to bench/results/latest.json (or --json) with the commit and the machine.

Settings changed for the bench (production otherwise, ENVOY_ENV=production): BASE_URL is a placeholder https
address (nothing is served on it; plain http on loopback), lookup rate limits are far above what wrk sends
(the limiter still counts every request in Redis), the session cookie is sent back by wrk over plain http.
"""

import argparse
import hashlib
import http.client
import io
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {"1x": 55_000, "20x": 1_100_000}
SMOKE_PERSONS = 300
DEFAULT_PG = "postgresql+psycopg://envoy:envoy@127.0.0.1:5432/postgres"
CACHE = Path(os.environ.get("ENVOY_BENCH_CACHE", Path.home() / ".cache" / "envoy-bench"))
LUA = ROOT / "bench" / "wrk" / "envoy.lua"
PASSWORD = "bench river lantern shift 42"  # noqa: S105  (accounts of a throwaway database)
OFFICER = "bench-officer@example.gov"
DISPATCHER = "bench-cad@example.gov"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# Production settings as far as they work on plain http over loopback (check_production must accept them).
SERVER_ENV = {
    "ENVOY_ENV": "production",
    "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
    "BASE_URL": "https://envoy.bench.invalid",
    "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    # The bench measures a lookup's work, not the limiter's refusal: limits far above what wrk sends.
    "LOOKUP_RATE_PER_USER": "100000000/minute",
    "LOOKUP_RATE_PER_IP": "100000000/minute",
}


@dataclass(frozen=True)
class Row:
    """One line of the table: what wrk sends and what a correct answer contains (checked once before the run)."""

    name: str
    label: str
    method: str
    path: str
    keys: str | None = None  # which key file fills {key}
    body: str | None = None
    htmx: bool = False
    signed_in: bool = False
    bearer: bool = False
    expect_status: int = 200
    expect_text: str = ""
    audited: bool = False


LOOKUP_BODY = "csrf_token={csrf}&q={{key}}&kind={kind}"
INCIDENT_BODY = (
    "csrf_token={csrf}&idempotency_key={{unique}}&type=traffic&occurred_at={occurred}&time_zone=America%2FNew_York"
    "&place=1+Bench+Avenue&state=NY&narrative=Stopped+for+the+served+benchmark.&actions_taken=released"
    "&citation_number=C-10001"
)
ROWS = (
    Row("bare", "bare route (/bench/bare, the limit)", "GET", "/bench/bare", expect_text="ok"),
    Row("healthz", "/healthz (SELECT 1)", "GET", "/healthz"),
    Row(
        "lookup",
        "plate lookup, htmx (POST /lookup)",
        "POST",
        "/lookup",
        keys="plates",
        body=LOOKUP_BODY,
        htmx=True,
        signed_in=True,
        expect_text='data-result="hit"',
        audited=True,
    ),
    Row(
        "api",
        "plate lookup, API (GET /api/v1/plates/…)",
        "GET",
        "/api/v1/plates/{key}",
        keys="plates",
        bearer=True,
        expect_text='"vehicle"',
        audited=True,
    ),
    Row(
        "card",
        "card lookup, htmx (POST /lookup)",
        "POST",
        "/lookup",
        keys="cards",
        body=LOOKUP_BODY,
        htmx=True,
        signed_in=True,
        expect_text='data-result="hit"',
        audited=True,
    ),
    Row(
        "miss",
        "plate miss with near matches (POST /lookup)",
        "POST",
        "/lookup",
        keys="misses",
        body=LOOKUP_BODY,
        htmx=True,
        signed_in=True,
        expect_text="data-suggestions",  # with data-result="miss"
        audited=True,
    ),
    Row(
        "qr",
        "QR verification (GET /v/<token>)",
        "GET",
        "/v/{key}",
        keys="tokens",
        signed_in=True,
        expect_text='data-card-check="valid"',
        audited=True,
    ),
    Row(
        "incident",
        "incident filing, htmx (POST /incidents)",
        "POST",
        "/incidents",
        body=INCIDENT_BODY,
        htmx=True,
        signed_in=True,
        expect_status=201,
        expect_text="data-incident-reference=",
        audited=True,
    ),
)
ROW_NAMES = tuple(row.name for row in ROWS)


# --- Output: a progress line on a terminal, the table always ---------------------------------------------


class Progress:
    """One line redrawn in place when stdout is a terminal (what is running, elapsed); silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self.live = sys.stdout.isatty()

    def step(self, what: str) -> None:
        self.done += 1
        if not self.live:
            return
        width = 24
        filled = width * min(self.done, self.total) // max(self.total, 1)
        elapsed = time.monotonic() - self.started
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {elapsed:5.0f}s  {what}"
        sys.stdout.write("\r" + line[:110].ljust(110))
        sys.stdout.flush()

    def clear(self) -> None:
        if self.live:
            sys.stdout.write("\r" + " " * 110 + "\r")
            sys.stdout.flush()


def say(message: str) -> None:
    """A line on stderr: the table alone goes to stdout."""
    print(message, file=sys.stderr, flush=True)


# --- Databases ------------------------------------------------------------------------------------------


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
        shutil.rmtree(photos, ignore_errors=True)
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

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(instance)
    return app


def cache_key() -> str:
    """What the cached 20x SQLite registry depends on: the seed code, the migrations, the day (expiries)."""
    digest = hashlib.sha256()
    sources = sorted((ROOT / "app" / "registry").rglob("*.py")) + sorted((ROOT / "migrations").rglob("*.py"))
    sources += sorted((ROOT / "app" / "models").rglob("*.py"))
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(datetime.now(UTC).date().isoformat().encode())
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
            interchange.import_folder(exported, folder / "import-instance")
            seconds = time.perf_counter() - started
            db.engine.dispose()
    shutil.rmtree(exported, ignore_errors=True)
    return seconds


# --- What the rows send: accounts, a token, card tokens and key files ----------------------------------


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
            create_user(email, role, "Bench Police", PASSWORD, actor=Actor.cli())
        token = api_tokens.create_token(DISPATCHER, name="bench", days=1, actor=Actor.cli()).secret
        keyring.rotate(now)
        plates = db.session.scalars(select(Vehicle.plate).order_by(func.random()).limit(samples)).all()
        cards = db.session.scalars(select(Card.card_number).order_by(func.random()).limit(samples)).all()
        misses = []
        for plate in plates:
            if len(misses) >= min(200, samples):
                break
            candidate = near_miss(plate, rng)
            result = find_plate(candidate, now.date())
            if not result.found and result.suggestions:
                misses.append(candidate)
        qr_tokens = []
        for number in cards:
            if len(qr_tokens) >= 50:
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


# --- The server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the arbiter's children (from /proc)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress(OSError, IndexError, ValueError):
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        pids.append(int(entry.name))
        return pids

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) of the current workers, in MiB."""
        peaks = [0.0]
        for pid in self.worker_pids():
            with suppress(OSError):
                found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                if found:
                    peaks.append(int(found.group(1)) / 1024)
        return max(peaks)


@contextmanager
def serve(url: str, instance: Path, workers: int, folder: Path, lock_stats: Path | None) -> Iterator[Server]:
    """gunicorn as the Makefile's run target starts it (sync workers, gunicorn.conf.py), on bench.wsgi_bench:app."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    environ = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": url,
        "BENCH_INSTANCE": str(instance),
        "BENCH_RATELIMIT_PREFIX": f"envoy-bench-{secrets.token_hex(4)}",
    }
    environ.pop("BENCH_LOCK_STATS", None)
    if lock_stats is not None:
        lock_stats.mkdir(parents=True, exist_ok=True)
        environ["BENCH_LOCK_STATS"] = str(lock_stats)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "bench.wsgi_bench:app"],
        cwd=ROOT,
        env=environ,
        start_new_session=True,
    )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            with suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200 and len(server.worker_pids()) >= workers:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # any worker its arbiter left behind


class Browser:
    """An officer's browser on plain HTTP/1.1: cookies and the CSRF token, as the pages hand them out."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = self.cookie_header()
            if body is not None:
                sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text_ = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
            return response.status, dict(response.headers), text_
        finally:
            connection.close()

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def sign_in(self, email: str) -> None:
        _status, _headers, page = self.request("GET", "/login")
        form = {"email": email, "password": PASSWORD, "acknowledge": "y", "csrf_token": csrf_in(page)}
        status, headers, _body = self.request("POST", "/login", urlencode(form))
        if status != 302 or headers.get("Location", "").startswith("/login"):
            raise SystemExit(f"{email} could not sign in: {status} {headers.get('Location')}")
        status, _headers, page = self.request("GET", "/lookup")
        if status != 200:
            raise SystemExit(f"GET /lookup after sign-in answered {status}")
        self.csrf = csrf_in(page)


def csrf_in(page: str) -> str:
    found = CSRF.search(page)
    if not found:
        raise SystemExit("no csrf_token in the page")
    return found.group(1) or found.group(2)


# --- wrk -----------------------------------------------------------------------------------------------


@dataclass
class Request:
    """A row made concrete for one server: path and body with {key}/{unique} left for the Lua script."""

    method: str
    path: str
    body: str | None
    headers: dict[str, str]
    keys: Path | None


def concrete(row: Row, browser: Browser, fixture: Fixture) -> Request:
    kind = "card" if row.keys == "cards" else "plate"
    occurred = datetime.now(UTC).strftime("%Y-%m-%dT") + "06:00"
    body = row.body.format(csrf=browser.csrf, kind=kind, occurred=occurred.replace(":", "%3A")) if row.body else None
    headers = {}
    if row.signed_in:
        headers["Cookie"] = browser.cookie_header()
    if row.bearer:
        headers["Authorization"] = f"Bearer {fixture.token}"
    if row.htmx:
        headers["HX-Request"] = "true"
    return Request(row.method, row.path, body, headers, fixture.keys.get(row.keys) if row.keys else None)


def check_once(row: Row, request: Request, port: int, fixture: Fixture) -> None:
    """One request as wrk will send it, with a real key: the success case, or the row fails loudly."""
    key = fixture.sample.get(row.keys or "", "")
    unique = "check" + secrets.token_hex(8)
    path = request.path.replace("{key}", key)
    body = request.body.replace("{key}", key).replace("{unique}", unique) if request.body else None
    headers = dict(request.headers)
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(request.method, path, body=body, headers=headers)
        response = connection.getresponse()
        text_ = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    if response.status != row.expect_status or row.expect_text not in text_ or "Sign in" in text_[:2000]:
        raise SystemExit(
            f"row {row.name}: {request.method} {path} answered {response.status}, not {row.expect_status} with "
            f"{row.expect_text!r}:\n{text_[:1500]}"
        )


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """requests/s, p50, p99 (ms), requests, failed answers (non-2xx/3xx) and socket errors from wrk --latency."""

    def number(pattern: str) -> str:
        found = re.search(pattern, output)
        if not found:
            raise SystemExit(f"wrk output without {pattern!r}:\n{output}")
        return found.group(1)

    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(number(r"Requests/sec:\s+([\d.]+)")),
        "p50_ms": to_ms(number(r"\s50%\s+([\d.]+\w+)")),
        "p99_ms": to_ms(number(r"\s99%\s+([\d.]+\w+)")),
        "requests": int(number(r"(\d+) requests in")),
        "failed": int(failed.group(1)) if failed else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def run_wrk(request: Request, port: int, connections: int, seconds: float) -> dict[str, float]:
    environ = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_PATH": request.path,
        "BENCH_KEYS": str(request.keys or ""),
        "BENCH_COOKIE": request.headers.get("Cookie", ""),
        "BENCH_AUTH": request.headers.get("Authorization", ""),
        "BENCH_HTMX": "1" if "HX-Request" in request.headers else "",
    }
    environ.pop("BENCH_BODY", None)
    if request.body is not None:
        environ["BENCH_BODY"] = request.body
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(LUA)]
    done = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}"], env=environ, capture_output=True, text=True, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


# --- Audit rows and bytes ------------------------------------------------------------------------------


class AuditMeter:
    """Audit rows and bytes on disk, read before and after a row: rows and bytes per request."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.url = url
        self.engine = create_engine(url, poolclass=__import__("sqlalchemy.pool", fromlist=["NullPool"]).NullPool)
        self.sqlite = url.startswith("sqlite")

    def read(self) -> tuple[int, int]:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
            if self.sqlite:
                # dbstat: the pages of the table and its indexes (after a checkpoint, so they are in the file).
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                size = connection.execute(
                    text(
                        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'audit_events' OR name IN "
                        "(SELECT name FROM sqlite_master WHERE tbl_name = 'audit_events')"
                    )
                ).scalar_one()
            else:
                size = connection.execute(text("SELECT pg_total_relation_size('audit_events')")).scalar_one()
        return int(rows), int(size)

    def close(self) -> None:
        self.engine.dispose()


def lock_totals(folder: Path) -> dict[str, float]:
    """The sum of every worker's running totals (bench/wsgi_bench.py LockTimer)."""
    totals: dict[str, float] = {}
    for path in folder.glob("*.json"):
        with suppress(OSError, ValueError):
            for name, value in json.loads(path.read_text(encoding="utf-8")).items():
                totals[name] = totals.get(name, 0) + value
    return totals


class WaitSampler:
    """PostgreSQL only: every 20 ms, how many backends of this database wait on an advisory lock (the audit
    append lock) and how many are running a statement, from pg_stat_activity, while a row runs."""

    QUERY = (
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'), "
        "count(*) FILTER (WHERE state = 'active') - 1 FROM pg_stat_activity WHERE datname = current_database()"
    )

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url)
        self.samples: list[tuple[int, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            while not self.stop.wait(0.02):
                waiting, active = connection.execute(text(self.QUERY)).one()
                connection.commit()
                self.samples.append((int(waiting), int(active)))

    def __enter__(self) -> "WaitSampler":
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    def summary(self) -> dict[str, float]:
        count = max(len(self.samples), 1)
        return {
            "samples": len(self.samples),
            "advisory_waiting_avg": sum(w for w, _a in self.samples) / count,
            "active_avg": sum(a for _w, a in self.samples) / count,
            "share_of_samples_with_a_waiter": sum(1 for w, _a in self.samples if w) / count,
        }


# --- The run -------------------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    size: str
    workers: int
    row: str
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float | None
    requests: int
    failed: int
    socket_errors: int
    audit_rows_per_request: float | None = None
    audit_bytes_per_request: float | None = None
    peak_worker_rss_mb: float | None = None
    lock: dict[str, float] = field(default_factory=dict)


def measure_server(
    args: argparse.Namespace,
    backend: str,
    size: str,
    workers: int,
    url: str,
    instance: Path,
    folder: Path,
    fixture: Fixture,
    rows: list[Row],
    progress: Progress,
) -> list[Result]:
    """One gunicorn with `workers` workers: every row, the bare route first (the ratios' denominator)."""
    lock_folder = folder / f"locks-{backend}-{size}-{workers}" if args.lock_timing else None
    results: list[Result] = []
    meter = AuditMeter(url)
    try:
        with serve(url, instance, workers, folder, lock_folder) as server:
            browser = Browser(server.port)
            browser.sign_in(OFFICER)
            bare_rps = None
            for row in rows:
                progress.step(f"{backend} {size} {workers}w: {row.name}")
                request = concrete(row, browser, fixture)
                check_once(row, request, server.port, fixture)
                if not args.wrk:
                    results.append(Result(backend, size, workers, row.name, row.label, 0, 0, 0, None, 0, 0, 0))
                    continue
                run_wrk(request, server.port, args.connections, args.warmup)  # every worker warm, caches filled
                before = meter.read()
                locks_before = lock_totals(lock_folder) if lock_folder else {}
                if lock_folder and backend == "postgresql":
                    with WaitSampler(url) as sampler:
                        numbers = run_wrk(request, server.port, args.connections, args.duration)
                    waits = sampler.summary()
                else:
                    numbers = run_wrk(request, server.port, args.connections, args.duration)
                    waits = {}
                after = meter.read()
                if numbers["failed"]:
                    raise SystemExit(
                        f"row {row.name} ({backend} {size}, {workers} workers): {numbers['failed']} of "
                        f"{numbers['requests']} answers were not 2xx/3xx"
                    )
                check_once(row, request, server.port, fixture)  # still the success case after the run
                if row.name == "bare":
                    bare_rps = numbers["rps"]
                result = Result(
                    backend,
                    size,
                    workers,
                    row.name,
                    row.label,
                    numbers["rps"],
                    numbers["p50_ms"],
                    numbers["p99_ms"],
                    numbers["rps"] / bare_rps if bare_rps else None,
                    int(numbers["requests"]),
                    int(numbers["failed"]),
                    int(numbers["socket_errors"]),
                )
                # Requests still in flight when wrk stops are in `after` too: a per-request figure a hair high.
                served = max(int(numbers["requests"]), 1)
                result.audit_rows_per_request = (after[0] - before[0]) / served
                result.audit_bytes_per_request = (after[1] - before[1]) / served
                if row.audited and result.audit_rows_per_request < 0.9:
                    raise SystemExit(
                        f"row {row.name}: {after[0] - before[0]} audit events for {served} requests: "
                        "the answers were not audited lookups"
                    )
                if lock_folder:
                    locks_after = lock_totals(lock_folder)
                    result.lock = {k: locks_after.get(k, 0) - locks_before.get(k, 0) for k in locks_after}
                    result.lock.update(waits)
                result.peak_worker_rss_mb = server.peak_rss_mb()
                results.append(result)
    finally:
        meter.close()
    return results


def run_database(
    args: argparse.Namespace, backend: str, pg_url: str | None, folder: Path, progress: Progress
) -> tuple[list[Build], list[Result]]:
    builds: list[Build] = []
    results: list[Result] = []
    rows = [row for row in ROWS if row.name in args.rows]
    for size in args.sizes:
        persons = SMOKE_PERSONS if args.smoke else SIZES[size]
        instance = folder / f"instance-{backend}-{size}"
        instance.mkdir()
        template = None
        if backend == "postgresql" and size == "20x" and args.cache and not args.smoke:
            progress.step(f"{backend} {size}: seeding {persons:,} persons (or the cached copy)")
            made, template, photos = pg_template(pg_url, persons)  # type: ignore[arg-type]
            shutil.copytree(photos, instance, dirs_exist_ok=True)
        with fresh_database(backend, pg_url, folder, size, template) as url:
            if template is None:
                progress.step(f"{backend} {size}: seeding {persons:,} persons")
                made = build(backend, url, instance, size, persons, args.cache)
            if size == "1x" and args.import_timing:
                progress.step(f"{backend} {size}: registry import")
                made.import_s = time_import(backend, pg_url, folder, url, instance)
            builds.append(made)
            say(
                f"{backend} {size}: seeded {made.counts} in {made.seed_s:.1f} s"
                + (" (cached)" if made.cached else "")
                + (f"; registry import {made.import_s:.1f} s" if made.import_s is not None else "")
            )
            fixture = prepare(url, instance, folder, samples=2000 if not args.smoke else 50)
            for workers in args.workers:
                results += measure_server(args, backend, size, workers, url, instance, folder, fixture, rows, progress)
        shutil.rmtree(instance, ignore_errors=True)
        with suppress(FileNotFoundError):
            (folder / f"{size}.db").unlink()
    return builds, results


def machine(pg_url: str | None) -> dict[str, Any]:
    model = ""
    with suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else ""
    facts: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_at_end": os.getloadavg(),  # other work on the machine makes every number noisier
    }
    with suppress(OSError, subprocess.SubprocessError):
        facts["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]  # noqa: S607
    if pg_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(pg_url)
        with engine.connect() as connection:
            facts["postgresql"] = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
    return facts


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "app"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    return done.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def lock_line(r: Result) -> str:
    """The append lock's share of a row's requests (--lock-timing): wait for it, and hold it until the commit."""
    per = r.lock["requests"]
    app_ms, wait_ms, held_ms = (r.lock[k] / per * 1000 for k in ("request_s", "wait_s", "held_s"))
    line = (
        f"lock {r.database} {r.size} {r.workers}w {r.row}: {app_ms:.2f} ms in the app per request, taking the append "
        f"lock (its statements and any wait) {wait_ms:.2f} ms ({wait_ms / app_ms:.0%}), holding it to the end of the "
        f"commit {held_ms:.2f} ms "
        f"(wait+hold {(wait_ms + held_ms) / app_ms:.0%})"
    )
    if "advisory_waiting_avg" in r.lock:
        line += (
            f"; pg_stat_activity: {r.lock['advisory_waiting_avg']:.2f} backends waiting on the advisory lock, "
            f"{r.lock['active_avg']:.2f} active, on average"
        )
    return line


def table(builds: list[Build], results: list[Result], args: argparse.Namespace) -> str:
    """The one table: a line per row and server, then the builds."""
    lines = [
        f"wrk -t1 -c{args.connections} -d{args.duration:g}s on loopback; gunicorn sync workers; ratio: req/s over "
        "the bare route's in the same server run",
        f"{'db':<10} {'size':<4} {'w':>2}  {'row':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x bare':>6} "
        f"{'audit/req':>9} {'B/req':>6} {'RSS MB':>6}",
    ]
    for r in results:
        audit_rows = f"{r.audit_rows_per_request:.2f}" if r.audit_rows_per_request is not None else "-"
        audit_bytes = f"{r.audit_bytes_per_request:.0f}" if r.audit_bytes_per_request is not None else "-"
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
        rss = f"{r.peak_worker_rss_mb:.0f}" if r.peak_worker_rss_mb else "-"
        lines.append(
            f"{r.database:<10} {r.size:<4} {r.workers:>2}  {r.label:<44} {r.rps:>8.1f} {r.p50_ms:>7.2f} "
            f"{r.p99_ms:>7.2f} {ratio:>6} {audit_rows:>9} {audit_bytes:>6} {rss:>6}"
        )
    lines += [lock_line(r) for r in results if r.lock.get("requests")]
    for b in builds:
        imported = f", registry import {b.import_s:.1f} s" if b.import_s is not None else ""
        cached = " (cached build)" if b.cached else ""
        lines.append(f"build {b.backend} {b.size}: seed {b.seed_s:.1f} s{cached}{imported} — {b.counts}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("auto", "sqlite", "postgresql", "both"), default="auto")
    parser.add_argument("--sizes", default="1x,20x")
    parser.add_argument("--workers", default="2", help="comma-separated, e.g. 1,2,4")
    parser.add_argument("--duration", type=int, default=8, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of wrk before each measured run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rows", default=None, help=f"from {','.join(ROW_NAMES)} (default: all; smoke: bare,lookup)")
    parser.add_argument("--lock-timing", action="store_true", help="time the audit append lock in every worker")
    parser.add_argument(
        "--no-cache", dest="cache", action="store_false", help="seed the 20x registries afresh, cache nothing"
    )
    parser.add_argument("--no-import", dest="import_timing", action="store_false", help="skip the import timing")
    parser.add_argument(
        "--ratelimit-storage",
        default=SERVER_ENV["RATELIMIT_STORAGE_URI"],
        help="Redis for the limiter (BENCH_REDIS_URL); memory:// runs with ENVOY_ENV=development (smoke test only)",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--smoke", action="store_true", help=f"SQLite, {SMOKE_PERSONS} persons, 1 s per row")
    args = parser.parse_args(argv)
    default_rows = "bare,lookup" if args.smoke else ",".join(ROW_NAMES)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    args.rows = [r.strip() for r in (args.rows or default_rows).split(",") if r.strip()]
    for size in args.sizes:
        if size not in SIZES:
            parser.error(f"--sizes: {size} is not one of {', '.join(SIZES)}")
    for name in args.rows:
        if name not in ROW_NAMES:
            parser.error(f"--rows: {name} is not one of {', '.join(ROW_NAMES)}")
    if "bare" in args.rows:  # the ratios' denominator comes first
        args.rows = ["bare", *[r for r in args.rows if r != "bare"]]
    if args.smoke:
        args.database, args.sizes, args.duration, args.warmup = "sqlite", ["1x"], 1.0, 1.0
        args.workers = args.workers[:1]
        args.import_timing = False
    SERVER_ENV["RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    if args.ratelimit_storage.startswith("memory://"):
        SERVER_ENV["ENVOY_ENV"] = "development"  # production refuses a per-process limiter
    args.wrk = shutil.which("wrk") is not None
    if not args.wrk and not args.smoke:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pg_url = postgres_url(args.database)
    backends = (["sqlite"] if args.database != "postgresql" else []) + (["postgresql"] if pg_url else [])
    steps = len(backends) * len(args.sizes) * (1 + len(args.workers) * len(args.rows)) + int(args.import_timing)
    progress = Progress(steps)
    started = time.monotonic()
    builds: list[Build] = []
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="envoy-served-") as temporary:
        for backend in backends:
            made, measured = run_database(args, backend, pg_url, Path(temporary), progress)
            builds += made
            results += measured
    progress.clear()
    report = {
        "commit": commit(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(pg_url),
        "settings": {
            "connections": args.connections,
            "duration_s": args.duration,
            "wrk_threads": 1,
            "server": "gunicorn sync workers, gunicorn.conf.py, bench.wsgi_bench:app",
            "environment": {k: v for k, v in SERVER_ENV.items() if k != "SECRET_KEY"},
            "smoke": args.smoke,
            "wrk": args.wrk,
        },
        "builds": [asdict(b) for b in builds],
        "results": [asdict(r) for r in results],
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(builds, results, args))
    print(f"written to {args.json} in {report['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
