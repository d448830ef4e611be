"""Proof that no acknowledged incident is lost or doubled: concurrent filings, duplicate keys and SIGKILLed workers
against the production server (gunicorn sync workers), then a count from the database.

Run: .venv/bin/python bench/incident_durability.py [--database-url URL] [--workers 2] [--clients 8]
     [--submissions 300] [--kills 3] [--duplicates 0.2] [--seed S] [--claim-stale SECONDS] [--report FILE.json]

Without --database-url it uses a new SQLite file in a temporary folder. A PostgreSQL URL names a database the
script may create a schema in: it runs in a new schema (search_path) and drops it afterwards, so it never
touches the tables already there.

Each officer signs in through the real pages; each submission has its own idempotency key and is re-sent with
the same key on a timeout, a dropped connection, 409, 429 or 5xx, with backoff, until a 2xx/303 names its
reference (a client never discards a draft until then). A share of them (--duplicates) is sent again: after
the acknowledgement (a retry, which must name the same reference), at the same moment from two threads (a
concurrent duplicate: one incident), or after the acknowledgement with changed content (422, nothing stored).
Meanwhile a gunicorn worker, never the arbiter, is SIGKILLed --kills times. Then, with the server stopped, the
database must hold every acknowledged incident exactly once under the reference it was acknowledged with. The
script prints a table and exits 1 on any loss, double or surprise.
"""

import argparse
import hashlib
import http.client
import json
import os
import queue
import random
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import ENVIRONMENT  # noqa: E402
from app.totp_keys import new_key_text  # noqa: E402

AGENCY = "Durability Bench Police"
PASSWORD = "bench river lantern shift 42"  # noqa: S105  (a throwaway database's accounts)
REQUEST_TIMEOUT = 10.0  # seconds; gunicorn's worker timeout is 30
RETRY_BUDGET = 120.0  # seconds a client keeps retrying one submission before it gives up (and the run fails)
REFERENCE = re.compile(r"INC-\d{4}-\d{6}")
HTML_REFERENCE = re.compile(r'data-incident-reference="(INC-\d{4}-\d{6})"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MARKER = re.compile(r"\[bench ([A-Za-z0-9_-]{16,64})\]")
TYPES = ("traffic", "dui", "accident", "criminal", "parking", "suspected_fraud", "other")
PLACES = (
    ("NY", "America/New_York"),
    ("IL", "America/Chicago"),
    ("CA", "America/Los_Angeles"),
    ("TX", "America/Chicago"),
)
# A retry resends the same request later; a concurrent duplicate fires it twice at once; a conflict changes it.
DUPLICATE_KINDS = ("retry", "concurrent", "conflict")


@dataclass
class Submission:
    """One incident as a client would file it, with its own key; `duplicate` says how it is sent again."""

    key: str
    fields: list[tuple[str, str]]
    attachment: bytes | None
    htmx: bool
    duplicate: str | None

    @property
    def narrative(self) -> str:
        return dict(self.fields)["narrative"]

    def changed(self) -> "Submission":
        fields = [(name, value + " (changed)" if name == "narrative" else value) for name, value in self.fields]
        return Submission(self.key, fields, self.attachment, self.htmx, None)


@dataclass
class Tally:
    """What the clients saw; every counter is changed under the lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    acknowledgements: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    refused_conflicts: set[str] = field(default_factory=set)
    surprises: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    done: int = 0

    def count(self, status: str) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1

    def acknowledge(self, email: str, key: str, reference: str) -> None:
        with self.lock:
            self.acknowledgements[(email, key)].append(reference)

    def surprise(self, what: str) -> None:
        with self.lock:
            self.surprises.append(what)


def tiny_png(text_: str) -> bytes:
    """A valid 1x1 PNG whose tEXt chunk carries the key, so each attachment's SHA-256 is its own."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + text_.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def make_submissions(count: int, duplicates: float, rng: random.Random) -> list[Submission]:
    made = []
    for number in range(count):
        key = "".join(rng.choices(KEY_ALPHABET, k=32))  # a client may make its own key
        kind = rng.choice(TYPES)
        state, zone = rng.choice(PLACES)
        occurred = datetime.now(ZoneInfo(zone)) - timedelta(minutes=rng.randint(5, 600))
        actions = rng.sample(("released", "citation_issued", "towed_to_clear_danger", "driven_home"), 2)
        fields = [
            ("type", kind),
            ("occurred_at", occurred.strftime("%Y-%m-%dT%H:%M")),
            ("time_zone", zone),
            ("place", f"{rng.randint(1, 999)} Bench Avenue"),
            ("state", state),
            ("narrative", f"Stopped for the durability bench, submission {number} [bench {key}]."),
            *[("actions_taken", action) for action in actions],
            ("citation_number", f"C-{rng.randint(10000, 99999)}"),
            ("report_number", f"R-{number:05d}"),
        ]
        if rng.random() < 0.5:
            fields += [("ds_called", "yes"), ("ds_confirmed_by", "Watch officer Bench")]
        if kind == "dui":
            fields += [("impairment_signs", "Odour of alcohol, slurred speech"), ("sobriety_tests", "HGN: 6 clues")]
        attachment = tiny_png(key) if rng.random() < 0.1 else None
        duplicate = rng.choice(DUPLICATE_KINDS) if rng.random() < duplicates else None
        made.append(Submission(key, fields, attachment, rng.random() < 0.5, duplicate))
    return made


class Client:
    """One officer's browser: a session cookie, the CSRF token, and plain HTTP/1.1 over loopback."""

    def __init__(self, port: int, email: str) -> None:
        self.port = port
        self.email = email
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            with self.lock:
                cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body=body, headers={**(headers or {}), "Cookie": cookie})
            response = connection.getresponse()
            text_ = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                parsed = SimpleCookie(header)
                with self.lock:
                    self.cookies.update({name: morsel.value for name, morsel in parsed.items()})
            return response.status, dict(response.headers), text_
        finally:
            connection.close()

    def sign_in(self) -> None:
        # Before any worker is killed, on a loaded machine: argon2 (64 MiB) for 8 officers on 2 workers is slow.
        _status, _headers, page = self.request("GET", "/login", timeout=60)
        form = {"email": self.email, "password": PASSWORD, "acknowledge": "y", "csrf_token": csrf_in(page)}
        status, headers, _body = self.request(
            "POST",
            "/login",
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
        if status != 302 or headers.get("Location", "").startswith("/login"):
            raise RuntimeError(f"{self.email} could not sign in: {status} {headers.get('Location')}")
        status, _headers, page = self.request("GET", "/incidents/new", timeout=60)
        if status != 200 or 'name="idempotency_key"' not in page:
            raise RuntimeError(f"GET /incidents/new answered {status} without the filing form")
        self.csrf = csrf_in(page)

    def file(self, submission: Submission) -> tuple[str, str | None]:
        """POST it once: (what happened, the acknowledged reference or None)."""
        fields = [("csrf_token", self.csrf), ("idempotency_key", submission.key), *submission.fields]
        boundary = secrets.token_hex(16)
        body = multipart(fields, submission.attachment, boundary)
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if submission.htmx:
            headers["HX-Request"] = "true"
        try:
            status, answer, page = self.request("POST", "/incidents", body, headers)
        except TimeoutError:
            return "timeout", None
        except (ConnectionError, http.client.HTTPException, OSError):
            return "dropped", None
        if status == 303:
            found = REFERENCE.fullmatch(urlsplit(answer.get("Location", "")).path.rsplit("/", 1)[-1])
            return "303", found.group(0) if found else None
        if status in (200, 201):
            found = HTML_REFERENCE.search(page)
            return str(status), found.group(1) if found else None
        return str(status), None


def csrf_in(page: str) -> str:
    found = CSRF.search(page)
    if not found:
        raise RuntimeError("no csrf_token in the page")
    return found.group(1) or found.group(2)


def multipart(fields: list[tuple[str, str]], attachment: bytes | None, boundary: str) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    if attachment is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="citation.png"\r\n'
            f"Content-Type: image/png\r\n\r\n".encode()
            + attachment
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def send_until_answered(client: Client, submission: Submission, tally: Tally) -> tuple[str, str | None]:
    """Send it with the same key until the server gives an answer that is not "try again": a timeout, a dropped
    connection, 409, 429 and 5xx are retried with backoff, as the form's Retry does. ("gave up", None) after
    RETRY_BUDGET seconds."""
    deadline = time.monotonic() + RETRY_BUDGET
    for attempt in range(10_000):
        outcome, reference = client.file(submission)
        tally.count(outcome)
        if outcome not in ("timeout", "dropped", "409", "429") and not outcome.startswith("5"):
            return outcome, reference
        if time.monotonic() > deadline:
            break
        time.sleep(min(1.0, 0.02 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311  (jitter)
    with tally.lock:
        tally.gave_up.append(submission.key)
    return "gave up", None


def file_until_acknowledged(client: Client, submission: Submission, tally: Tally) -> str | None:
    """Send one submission until a 2xx/303 names its reference; anything else is a surprise."""
    outcome, reference = send_until_answered(client, submission, tally)
    if reference is not None:
        tally.acknowledge(client.email, submission.key, reference)
    elif outcome != "gave up":
        tally.surprise(f"{submission.key}: answered {outcome} without a reference")
    return reference


def run_submission(client: Client, submission: Submission, tally: Tally) -> None:
    if submission.duplicate == "concurrent":
        # Both copies leave together; whichever loses the race gets 409 (or the replay) and retries.
        start = threading.Barrier(2)

        def fire() -> None:
            start.wait()
            file_until_acknowledged(client, submission, tally)

        twins = [threading.Thread(target=fire) for _ in range(2)]
        for twin in twins:
            twin.start()
        for twin in twins:
            twin.join()
        return
    reference = file_until_acknowledged(client, submission, tally)
    if reference is None or submission.duplicate is None:
        return
    if submission.duplicate == "retry":
        file_until_acknowledged(client, submission, tally)
        return
    outcome, _reference = send_until_answered(client, submission.changed(), tally)
    if outcome == "422":
        with tally.lock:
            tally.refused_conflicts.add(submission.key)
    else:
        tally.surprise(f"{submission.key}: same key, different content answered {outcome}, not 422")


def client_loop(client: Client, work: "queue.Queue[Submission]", tally: Tally) -> None:
    while True:
        try:
            submission = work.get_nowait()
        except queue.Empty:
            return
        try:
            run_submission(client, submission, tally)
        except Exception as error:  # noqa: BLE001  (one broken submission must not hide the others' results)
            tally.surprise(f"{submission.key}: {error!r}")
        with tally.lock:
            tally.done += 1


def worker_pids(arbiter: int) -> list[int]:
    """gunicorn's workers: the arbiter's child processes (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == arbiter:
            pids.append(int(entry.name))
    return pids


def killer(arbiter: int, workers: int, kills: int, total: int, tally: Tally, killed: list[int]) -> None:
    """SIGKILL a random worker each time another 1/(kills+1) of the submissions is done, while the rest run."""
    rng = random.Random()  # noqa: S311
    for number in range(1, kills + 1):
        while True:
            with tally.lock:
                if tally.done >= total * number // (kills + 1):
                    break
                if tally.done >= total:
                    return
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        pids = worker_pids(arbiter)
        if not pids:
            continue
        victim = rng.choice(pids)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            continue
        killed.append(victim)
        # The arbiter starts a replacement; wait for it so the next kill finds two workers again.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len([p for p in worker_pids(arbiter) if p != victim]) < workers:
            time.sleep(0.05)


def flask_command(environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", *arguments],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


# `flask db upgrade`, then `flask users create` for each officer, in one process: each run of the flask command
# spends about 2 s importing the app.
PREPARE = """
import sys
from wsgi import app
runner = app.test_cli_runner()
password = sys.stdin.readline()
commands = [["db", "upgrade"]]
commands += [["users", "create", email, "--role", "officer", "--agency", sys.argv[1]] for email in sys.argv[2:]]
for command in commands:
    result = runner.invoke(args=command, input=password)
    if result.exit_code != 0:
        sys.exit(f"flask {' '.join(command)}: {result.output}")
"""


def prepare(environ: dict[str, str], emails: list[str]) -> None:
    """Migrate the empty database and create the officers, with the app's own commands."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PREPARE, AGENCY, *emails],
        cwd=ROOT,
        env=environ,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"preparing the database failed:\n{result.stdout}{result.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A new, empty database for the run, removed afterwards: a SQLite file, or a PostgreSQL schema."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="envoy-durability-") as folder:
            yield f"sqlite:///{folder}/envoy.db"
        return
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit("--database-url: give a PostgreSQL URL, or none for a temporary SQLite file")
    # A schema rather than a database: it needs no CREATEDB right, and the tables already there stay untouched.
    schema = f"durability_{secrets.token_hex(4)}"
    engine = create_engine(parsed)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def server(
    environ: dict[str, str], port: int, workers: int, folder: Path, claim_stale: float | None
) -> Iterator[subprocess.Popen[bytes]]:
    """The production server configuration (the Makefile's run target): gunicorn, sync workers, gunicorn.conf.py.

    With claim_stale, INCIDENT_CLAIM_STALE_SECONDS is that many seconds instead of the app's default: the
    takeover of a dead submission's claim then happens within the test's time.
    """
    log = folder / "gunicorn.log"
    config = ROOT / "gunicorn.conf.py"
    if claim_stale is not None:
        environ = {**environ, "INCIDENT_CLAIM_STALE_SECONDS": str(claim_stale)}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--config", str(config), "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "wsgi:app"],
        cwd=ROOT,
        env=environ,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-2000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.1)
        yield process
    finally:
        # Its own process group (start_new_session): the arbiter and every worker it started, nothing else.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        try:
            os.killpg(process.pid, signal.SIGKILL)  # any worker left behind by its arbiter
        except ProcessLookupError:
            pass


@dataclass
class Findings:
    """What the database says about what the clients were told."""

    stored: int = 0
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    conflicts_stored: list[str] = field(default_factory=list)
    attachments_wrong: list[str] = field(default_factory=list)
    never_acknowledged: list[str] = field(default_factory=list)
    integrity: str = "n/a"

    @property
    def failed(self) -> bool:
        return bool(
            self.lost
            or self.doubled
            or self.inconsistent
            or self.conflicts_stored
            or self.attachments_wrong
            or self.integrity not in ("ok", "n/a")
        )


def check(
    acknowledgements: dict[tuple[str, str], list[str]],
    incidents: list[tuple[str, str, str]],
    keys: list[tuple[str, str, int | None]],
    attachments: dict[str, list[str]],
    submissions: dict[str, Submission],
) -> Findings:
    """Compare the clients' acknowledgements with the stored rows.

    incidents: (reference, filer email, narrative); keys: (user email, key, incident id or None) from
    idempotency_keys; attachments: reference -> SHA-256s. Lost: an acknowledged key whose reference is not
    stored, or is stored for another submission. Doubled: a submission stored twice, a (user, key) pair twice.
    """
    findings = Findings(stored=len(incidents))
    by_reference = {reference: (email, narrative) for reference, email, narrative in incidents}
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for reference, email, narrative in incidents:
        marker = MARKER.search(narrative)
        by_key[(email, marker.group(1) if marker else f"(no marker in {reference})")].append(reference)
    for (email, key), references in sorted(by_key.items()):
        if len(references) > 1:
            findings.doubled.append(f"{email} {key}: stored as {', '.join(sorted(references))}")
        if (email, key) not in acknowledgements:
            findings.never_acknowledged.append(f"{email} {key}: {', '.join(references)}")
    for (email, key), count in Counter((email, key) for email, key, _incident in keys).items():
        if count > 1:
            findings.doubled.append(f"{email} {key}: {count} idempotency rows")
    for (email, key), references in sorted(acknowledgements.items()):
        if len(set(references)) > 1:
            findings.inconsistent.append(f"{email} {key}: acknowledged as {', '.join(sorted(set(references)))}")
        for reference in sorted(set(references)):
            stored = by_reference.get(reference)
            if stored is None:
                findings.lost.append(f"{email} {key}: {reference} acknowledged, not stored")
            elif stored[0] != email or MARKER.search(stored[1]) is None or f"[bench {key}]" not in stored[1]:
                findings.lost.append(f"{email} {key}: {reference} holds another submission")
            elif key in submissions and stored[1] != submissions[key].narrative:
                findings.conflicts_stored.append(f"{email} {key}: {reference} holds changed content")
            elif key in submissions and submissions[key].attachment is not None:
                expected = hashlib.sha256(submissions[key].attachment or b"").hexdigest()
                if attachments.get(reference) != [expected]:
                    findings.attachments_wrong.append(f"{email} {key}: {reference} has {attachments.get(reference)}")
    return findings


def read_back(
    url: str,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, int | None]], dict[str, list[str]], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            incidents = [
                (row[0], row[1], row[2])
                for row in connection.execute(
                    text(
                        "SELECT i.reference, u.email, i.narrative FROM incidents i JOIN users u ON u.id = i.filed_by_id"
                    )
                )
            ]
            keys = [
                (row[0], row[1], row[2])
                for row in connection.execute(
                    text(
                        "SELECT u.email, k.key, k.incident_id FROM idempotency_keys k JOIN users u ON u.id = k.user_id"
                    )
                )
            ]
            attachments: dict[str, list[str]] = defaultdict(list)
            for reference, sha256 in connection.execute(
                text(
                    "SELECT i.reference, a.sha256 FROM incident_attachments a JOIN incidents i ON i.id = a.incident_id"
                    " ORDER BY a.position"
                )
            ):
                attachments[reference].append(sha256)
            integrity = "n/a"
            if engine.dialect.name == "sqlite":
                integrity = ", ".join(row[0] for row in connection.execute(text("PRAGMA integrity_check")))
    finally:
        engine.dispose()
    return incidents, keys, attachments, integrity


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", help="PostgreSQL URL (a new schema is used); default: a temporary SQLite file"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8, help="concurrent officers, each signed in")
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--kills", type=int, default=3, help="gunicorn workers SIGKILLed during the run")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of submissions sent a second time")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--claim-stale",
        type=float,
        help="seconds before a dead submission's key may be taken over (default: INCIDENT_CLAIM_STALE_SECONDS); "
        "a worker killed between claim and store makes that key answer 409 until then",
    )
    parser.add_argument("--report", type=Path, help="also write the numbers here as JSON")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)  # noqa: S311
    rng = random.Random(seed)  # noqa: S311  (which submissions are duplicated; not a secret)
    started = time.monotonic()

    with fresh_database(args.database_url) as url, tempfile.TemporaryDirectory(prefix="envoy-durability-") as folder:
        port = free_port()
        environ = {
            # The app's own settings only: a DATABASE_URL or MFA_REQUIRED_ROLES from the shell would change the run.
            **{name: value for name, value in os.environ.items() if name not in ENVIRONMENT},
            "DATABASE_URL": url,
            "ENVOY_INSECURE_COOKIES": "1",
            "SECRET_KEY": secrets.token_hex(32),
            "BASE_URL": f"http://127.0.0.1:{port}",
            # This run's own seal key and outside store, never the checkout's instance folder.
            "AUDIT_SEAL_KEY_DIR": str(Path(folder) / "audit-seal-keys"),
            "AUDIT_SEAL_STORE": str(Path(folder) / "audit-seals.jsonl"),
            # This run's own TOTP key, never a key file in the checkout's instance folder.
            "TOTP_KEYS": new_key_text(),
            # The officers sign in with a password alone: this run measures filings, not the second factor
            # (development configuration may relax it for officers; production refuses to).
            "MFA_REQUIRED_ROLES": "reviewer,admin",
        }
        emails = [f"officer{number}@durability.example" for number in range(args.clients)]
        prepare(environ, emails)
        submissions = make_submissions(args.submissions, args.duplicates, rng)
        work: queue.Queue[Submission] = queue.Queue()
        for submission in submissions:
            work.put(submission)
        tally = Tally()
        killed: list[int] = []
        with server(environ, port, args.workers, Path(folder), args.claim_stale) as process:
            clients = [Client(port, email) for email in emails]
            with ThreadPoolExecutor(len(clients)) as pool:
                list(pool.map(Client.sign_in, clients))  # argon2 takes a while: all at once
            threads = [threading.Thread(target=client_loop, args=(client, work, tally)) for client in clients]
            threads.append(
                threading.Thread(
                    target=killer, args=(process.pid, args.workers, args.kills, len(submissions), tally, killed)
                )
            )
            filing_started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            filing_seconds = time.monotonic() - filing_started
        server_log = (Path(folder) / "gunicorn.log").read_text()
        incidents, keys, attachments, integrity = read_back(url)
        findings = check(tally.acknowledgements, incidents, keys, attachments, {s.key: s for s in submissions})
        findings.integrity = integrity
        # As the operator's timer would after a crash: seal what the killed workers left unsealed, then verify.
        sealed = flask_command(environ, "audit", "seal")
        audit = flask_command(environ, "audit", "verify")
        if sealed.returncode != 0:
            audit = sealed

    acknowledged = len(tally.acknowledgements)
    numbers = {
        "backend": "postgresql" if args.database_url else "sqlite",
        "seed": seed,
        "submitted": len(submissions),
        "requests": tally.requests,
        "acknowledged": acknowledged,
        "replays": sum(len(references) for references in tally.acknowledgements.values()) - acknowledged,
        "conflicts_refused": len(tally.refused_conflicts),
        "conflicts_sent": sum(1 for s in submissions if s.duplicate == "conflict"),
        "409s": tally.statuses["409"],
        "dropped": tally.statuses["dropped"] + tally.statuses["timeout"],
        "5xx": sum(count for status, count in tally.statuses.items() if status.startswith("5")),
        "kills": len(killed),
        "stored": findings.stored,
        "lost": len(findings.lost),
        "doubled": len(findings.doubled),
        "inconsistent": len(findings.inconsistent),
        "changed_by_conflict": len(findings.conflicts_stored),
        "attachments_wrong": len(findings.attachments_wrong),
        "stored_never_acknowledged": len(findings.never_acknowledged),
        "gave_up": len(tally.gave_up),
        "surprises": len(tally.surprises),
        "integrity_check": findings.integrity,
        "audit_verify": "ok" if audit.returncode == 0 else "FAILED",
        "filing_seconds": round(filing_seconds, 1),
        "seconds": round(time.monotonic() - started, 1),
        "claim_stale": args.claim_stale if args.claim_stale is not None else "app default",
    }
    width = max(len(name) for name in numbers)
    for name, value in numbers.items():
        print(f"{name:<{width}}  {value}")
    for title, items in (
        ("lost", findings.lost),
        ("doubled", findings.doubled),
        ("acknowledged with two references", findings.inconsistent),
        ("changed by a refused request", findings.conflicts_stored),
        ("attachment missing or wrong", findings.attachments_wrong),
        ("stored but never acknowledged (allowed: a commit the client never heard of)", findings.never_acknowledged),
        ("gave up", tally.gave_up),
        ("surprises", tally.surprises),
    ):
        for item in items[:20]:
            print(f"{title}: {item}")
    if audit.returncode != 0:
        print(audit.stdout + audit.stderr)
    if findings.failed or tally.surprises or tally.gave_up:
        print("gunicorn's log, last lines:\n" + server_log[-3000:])
    if args.report:
        args.report.write_text(json.dumps(numbers, indent=2))
    failed = (
        findings.failed
        or tally.gave_up
        or tally.surprises
        or audit.returncode != 0
        or acknowledged != len(submissions)
        or len(killed) != args.kills
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
