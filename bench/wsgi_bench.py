"""The app as `wsgi:app` serves it, plus what only the benchmark needs: `gunicorn bench.wsgi_bench:app`.

- `/bench/bare` answers a constant through the same app, hooks and server settings: the limit every row of
  bench/served/ is compared with. It exists only here, never in the product.
- `/bench/floor/<plate>` does the least any audited plate lookup must do on this stack, with none of Envoy's
  layers: the session row and its user read by the id's hash, one rate-limit counter in Redis, the plate's
  statement, one event appended and committed (in a table of its own, `bench_floor_events`, so the real trail and
  its seals are untouched), a few escaped words back. Raw driver calls on one connection kept per worker; no
  verdict, no history, no walk check, no timeout arithmetic (microseconds). What a lookup costs above it is what
  Envoy's own work and layers cost (ORM, Flask-Login, Flask-Limiter's second limit, rules, templates).
- BENCH_INSTANCE: the instance folder of the benchmark's registry (photos, card-signing keys).
- BENCH_RATELIMIT_PREFIX: the rate limiter's Redis key prefix, so a run never shares counters with a real app.
- BENCH_LOCK_STATS (a folder): time the audit chain's append lock (app/audit/chain.py lock_chain) in every worker:
  how long each request waited for it, how long it was held until the transaction ended, and the request's own
  time. Each worker writes its running totals to <folder>/<pid>.json after every request (only when set: it
  costs a small file write per request).
"""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import abort, request
from limits import parse
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.audit import chain
from app.auth.sessions import hash_session_id
from app.extensions import db, limiter
from app.models.base import utcnow
from app.permissions import public
from app.plates import normalise
from app.registry import results

app = create_app({"RATELIMIT_KEY_PREFIX": os.environ.get("BENCH_RATELIMIT_PREFIX", "envoy-bench")})
if os.environ.get("BENCH_INSTANCE"):
    app.instance_path = os.environ["BENCH_INSTANCE"]


@app.get("/bench/bare")
@public
def bare() -> str:
    return "ok"


FLOOR_RATE = parse("1000000/minute")
FLOOR_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_floor_events (id {serial} PRIMARY KEY, occurred_at VARCHAR(32), user_id INTEGER,"
    " client_addr VARCHAR(45), user_agent VARCHAR(200), action VARCHAR(40), query VARCHAR(64), outcome VARCHAR(16),"
    " record_ids TEXT, detail TEXT)"
)
SESSION_READ = (
    "SELECT s.user_id, s.data, s.created_at, s.last_seen_at, u.email, u.role, u.is_disabled"
    " FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = {mark}"
)
EVENT_WRITE = (
    "INSERT INTO bench_floor_events (occurred_at, user_id, client_addr, user_agent, action, query, outcome,"
    " record_ids, detail) VALUES ({marks})"
)


class Floor:
    """One worker's raw driver connection and the statements compiled for it (made on the first request)."""

    def __init__(self) -> None:
        self.raw = db.engine.raw_connection()
        sqlite = db.engine.dialect.name == "sqlite"
        self.sqlite = sqlite
        mark = "?" if sqlite else "%s"
        compiled = results._plate_statement().compile(dialect=db.engine.dialect)  # noqa: SLF001
        self.plate_sql = compiled.string
        self.plate_names = compiled.positiontup  # None for named parameters (psycopg)
        self.session_sql = SESSION_READ.format(mark=mark)
        self.event_sql = EVENT_WRITE.format(marks=", ".join([mark] * 9))
        cursor = self.raw.cursor()
        cursor.execute(FLOOR_TABLE.format(serial="INTEGER" if sqlite else "BIGSERIAL"))
        self.raw.commit()

    def plate_rows(self, cursor: Any, plate: str) -> list[Any]:
        if self.plate_names is None:
            cursor.execute(self.plate_sql, {"plate": plate})
        else:
            cursor.execute(self.plate_sql, tuple(plate for _ in self.plate_names))
        return list(cursor.fetchall())


_floors: dict[int, Floor] = {}


@app.get("/bench/floor/<plate>")
@public
def floor(plate: str) -> str:
    pid = os.getpid()
    if pid not in _floors:
        _floors[pid] = Floor()
    here = _floors[pid]
    session_id = request.headers.get("Authorization", "").removeprefix("Session ")
    cursor = here.raw.cursor()
    cursor.execute(here.session_sql, (hash_session_id(session_id),))
    signed_in = cursor.fetchone()
    if signed_in is None or signed_in[6]:
        here.raw.rollback()
        abort(401)
    if not limiter.limiter.hit(FLOOR_RATE, "bench-floor", f"user:{signed_in[0]}"):
        here.raw.rollback()
        abort(429)
    canonical = normalise(plate)
    rows = here.plate_rows(cursor, canonical)
    if here.sqlite and not here.raw.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")
    cursor.execute(
        here.event_sql,
        (
            utcnow().isoformat(),
            signed_in[0],
            request.remote_addr,
            request.user_agent.string[:200],
            "lookup.plate",
            canonical,
            "hit" if rows else "miss",
            ",".join(str(row[0]) for row in rows[:1]),
            "{}",
        ),
    )
    here.raw.commit()
    return f'<p data-result="{"hit" if rows else "miss"}">{escape(rows[0][1] if rows else canonical)}</p>'


class LockTimer:
    """Running totals of one worker (sync workers: one request at a time, so plain attributes will do)."""

    def __init__(self, folder: Path, original_lock: Callable[[Any], None]) -> None:
        self.file = folder / f"{os.getpid()}.json"
        self.original_lock = original_lock
        self.totals = {"requests": 0, "request_s": 0.0, "locks": 0, "wait_s": 0.0, "held_s": 0.0}
        self.taken_at: float | None = None

    def lock(self, connection: Any) -> None:
        started = time.perf_counter()
        self.original_lock(connection)
        self.taken_at = time.perf_counter()
        self.totals["locks"] += 1
        self.totals["wait_s"] += self.taken_at - started

    def released(self, _session: Session) -> None:
        """After the commit or rollback that ends the lock's transaction (the commit itself is inside)."""
        if self.taken_at is not None:
            self.totals["held_s"] += time.perf_counter() - self.taken_at
            self.taken_at = None

    def request(self, seconds: float) -> None:
        self.totals["requests"] += 1
        self.totals["request_s"] += seconds
        self.file.write_text(json.dumps(self.totals), encoding="utf-8")


if os.environ.get("BENCH_LOCK_STATS"):
    _timers: dict[int, LockTimer] = {}
    # The audit chain's rewrite (issue 13) may drop lock_chain: then only the requests are timed (locks stay 0).
    _original_lock = getattr(chain, "lock_chain", None)

    def _timer() -> LockTimer:
        """One per worker process: gunicorn forks after import, so the pid is looked up when first used."""
        pid = os.getpid()
        if pid not in _timers:
            _timers[pid] = LockTimer(Path(os.environ["BENCH_LOCK_STATS"]), _original_lock or (lambda _c: None))
        return _timers[pid]

    if _original_lock is not None:
        chain.lock_chain = lambda connection: _timer().lock(connection)  # type: ignore[assignment]
    event.listen(Session, "after_commit", lambda session: _timer().released(session))
    event.listen(Session, "after_rollback", lambda session: _timer().released(session))
    inner = app.wsgi_app

    def timed_app(environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        try:
            return list(inner(environ, start_response))
        finally:
            _timer().request(time.perf_counter() - started)

    app.wsgi_app = timed_app  # type: ignore[method-assign]
