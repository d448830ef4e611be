"""wrk runs and what is read around them: answers checked once, audit rows and bytes, the append lock's share."""

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.served.registry import Fixture
from bench.served.rows import Row
from bench.served.server import Browser
from bench.served.settings import LUA, UNITS


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
    # An hour ago on the form's clock (America/New_York): a fixed time of day is in the future for part of each day.
    occurred = (datetime.now(ZoneInfo("America/New_York")) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    body = row.body.format(csrf=browser.csrf, kind=kind, occurred=occurred.replace(":", "%3A")) if row.body else None
    headers = {}
    if row.signed_in:
        headers["Cookie"] = browser.cookie_header()
    if row.bearer:
        headers["Authorization"] = f"Bearer {fixture.token}"
    if row.session_header:
        headers["Authorization"] = f"Session {browser.session_id()}"
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
    """PostgreSQL only: every 20 ms, how many of the server's backends (its connections carry `application`
    as application_name; other work on the same server is not counted) wait on an advisory lock (the audit
    append lock) and how many are running a statement, from pg_stat_activity, while a row runs."""

    QUERY = (
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'), "
        "count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity WHERE application_name = :application"
    )

    def __init__(self, url: str, application: str) -> None:
        from sqlalchemy import create_engine

        self.application = application
        self.engine = create_engine(url)
        self.samples: list[tuple[int, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            while not self.stop.wait(0.02):
                waiting, active = connection.execute(text(self.QUERY), {"application": self.application}).one()
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


PY_SPY = str(Path(sys.executable).parent / "py-spy")  # the virtualenv's, where pip puts it


class Spy:
    """`py-spy record` on every worker while a row's measured wrk run lasts (--py-spy): where served time goes.

    One collapsed-stack file per worker (`<row>-<pid>.txt`, for flamegraph.pl or speedscope); `hottest` sums
    them into the functions on the most sampled stacks. py-spy is not a requirement: pip install py-spy.
    """

    def __init__(self, folder: Path, row: str, pids: list[int], seconds: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.files = [folder / f"{row}-{pid}.txt" for pid in pids]
        self.processes = [
            subprocess.Popen(  # noqa: S603
                [PY_SPY, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--nonblocking"]
                + ["--duration", str(max(1, round(seconds))), "--output", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, out in zip(pids, self.files, strict=True)
        ]

    def __enter__(self) -> "Spy":
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def hottest(self, top: int = 40) -> list[tuple[str, float]]:
        """The functions on the most sampled stacks of every worker's file (hottest)."""
        return hottest(self.files, top)


def hottest(files: list[Path], top: int = 40) -> list[tuple[str, float]]:
    """Each function's share of all samples with it anywhere on the stack (inclusive), largest first, from
    py-spy's collapsed stacks ("frame;frame;frame count" lines). gunicorn's own frames (on every sample) are left
    out: what is left is the request's time."""
    inclusive: dict[str, int] = {}
    total = 0
    for path in files:
        with suppress(OSError):
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                total += int(count)
                for frame in {re.sub(r":\d+\)$", ")", f) for f in stack.split(";")}:  # the function, any line
                    inclusive[frame] = inclusive.get(frame, 0) + int(count)
    ranked = sorted(
        ((frame, n) for frame, n in inclusive.items() if "gunicorn/" not in frame and "<frozen runpy>" not in frame),
        key=lambda item: -item[1],
    )[:top]
    return [(frame, n / max(total, 1)) for frame, n in ranked]
