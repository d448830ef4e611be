"""The app as `wsgi:app` serves it, plus what only the benchmark needs: `gunicorn bench.wsgi_bench:app`.

- `/bench/bare` answers a constant through the same app, hooks and server settings: the limit every row of
  bench/served/ is compared with. It exists only here, never in the product.
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

from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.audit import chain
from app.permissions import public

app = create_app({"RATELIMIT_KEY_PREFIX": os.environ.get("BENCH_RATELIMIT_PREFIX", "envoy-bench")})
if os.environ.get("BENCH_INSTANCE"):
    app.instance_path = os.environ["BENCH_INSTANCE"]


@app.get("/bench/bare")
@public
def bare() -> str:
    return "ok"


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
