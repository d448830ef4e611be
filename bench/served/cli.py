"""The run: every database, size and worker count, one table, and the JSON report."""

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

import bench.served as served
from bench.served.measure import (
    AuditMeter,
    Spy,
    WaitSampler,
    check_once,
    concrete,
    lock_totals,
    run_wrk,
)
from bench.served.registry import (
    Build,
    Fixture,
    build,
    fresh_database,
    pg_template,
    postgres_url,
    prepare,
    time_import,
)
from bench.served.rows import ROW_NAMES, ROWS, Row
from bench.served.server import Browser, Server, serve
from bench.served.settings import (
    OFFICER,
    ROOT,
    SERVER_ENV,
    SIZES,
    SMOKE_PERSONS,
)


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
    # The workers' CPU time per answered request: steadier than req/s when other work shares the machine.
    worker_cpu_ms_per_request: float | None = None
    lock: dict[str, float] = field(default_factory=dict)
    round: int = 1  # of --rounds, from 1


@dataclass
class Median:
    """A row of one server run over its rounds: the median of each number (the largest RSS: it is a peak), and how
    far the rounds spread, (min, max), for the ratio and the CPU time."""

    database: str
    size: str
    workers: int
    row: str
    label: str
    rounds: int
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float | None
    audit_rows_per_request: float | None
    audit_bytes_per_request: float | None
    peak_worker_rss_mb: float | None
    worker_cpu_ms_per_request: float | None
    ratio_spread: tuple[float, float] | None
    worker_cpu_ms_spread: tuple[float, float] | None


def middle(values: list[float | None]) -> float | None:
    """The median of the values measured; None when none was (no wrk, no bare route)."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def spread(values: list[float | None]) -> tuple[float, float] | None:
    known = [v for v in values if v is not None]
    return (min(known), max(known)) if known else None


def medians(results: list[Result]) -> list[Median]:
    """One Median per row of each server run, in the order the rows ran."""
    runs: dict[tuple[str, str, int, str], list[Result]] = {}
    for r in results:
        runs.setdefault((r.database, r.size, r.workers, r.row), []).append(r)
    summary = []
    for rounds in runs.values():
        first = rounds[0]
        rss = [r.peak_worker_rss_mb for r in rounds if r.peak_worker_rss_mb is not None]
        summary.append(
            Median(
                first.database,
                first.size,
                first.workers,
                first.row,
                first.label,
                len(rounds),
                statistics.median(r.rps for r in rounds),
                statistics.median(r.p50_ms for r in rounds),
                statistics.median(r.p99_ms for r in rounds),
                middle([r.ratio for r in rounds]),
                middle([r.audit_rows_per_request for r in rounds]),
                middle([r.audit_bytes_per_request for r in rounds]),
                max(rss) if rss else None,
                middle([r.worker_cpu_ms_per_request for r in rounds]),
                spread([r.ratio for r in rounds]),
                spread([r.worker_cpu_ms_per_request for r in rounds]),
            )
        )
    return summary


@dataclass
class ServerRun:
    """What every row measured on one gunicorn shares."""

    args: argparse.Namespace
    backend: str
    size: str
    workers: int
    url: str
    application: str
    server: Server
    browser: Browser
    fixture: Fixture
    meter: AuditMeter
    lock_folder: Path | None


def measure_row(run: ServerRun, row: Row, round_: int) -> Result:
    """One row measured once, its ratio left to the round: the success case checked before and after, and the run
    fails loudly on a failed answer or, for an audited row, fewer audit events than requests."""
    args, port = run.args, run.server.port
    request = concrete(row, run.browser, run.fixture)
    check_once(row, request, port, run.fixture)
    if not args.wrk:
        return Result(run.backend, run.size, run.workers, row.name, row.label, 0, 0, 0, None, 0, 0, 0, round=round_)
    if args.warmup and round_ == 1:  # later rounds run on the same workers, warmed by round 1 and never restarted
        run_wrk(request, port, args.connections, args.warmup)  # every worker warm, caches filled
    before = run.meter.read()
    cpu_before = run.server.worker_cpu_seconds()
    locks_before = lock_totals(run.lock_folder) if run.lock_folder else {}
    if run.lock_folder and run.backend == "postgresql":
        with WaitSampler(run.url, run.application) as sampler:
            numbers = run_wrk(request, port, args.connections, args.duration)
        waits = sampler.summary()
    elif args.py_spy and row.name != "bare" and round_ == 1:  # the files are named per row: one profile each
        name = f"{run.backend}-{run.size}-{run.workers}w-{row.name}"
        with Spy(args.py_spy, name, run.server.worker_pids(), args.duration) as spy:
            numbers = run_wrk(request, port, args.connections, args.duration)
        waits = {}
        say(f"py-spy, {run.backend} {run.size} {run.workers}w {row.name}: share of samples (inclusive)")
        for frame, share in spy.hottest():
            say(f"  {share:6.1%}  {frame}")
    else:
        numbers = run_wrk(request, port, args.connections, args.duration)
        waits = {}
    cpu_after = run.server.worker_cpu_seconds()
    after = run.meter.read()
    if numbers["failed"]:
        raise SystemExit(
            f"row {row.name} ({run.backend} {run.size}, {run.workers} workers): {numbers['failed']} of "
            f"{numbers['requests']} answers were not 2xx/3xx"
        )
    check_once(row, request, port, run.fixture)  # still the success case after the run
    if numbers["socket_errors"]:
        say(f"row {row.name}: wrk counted {numbers['socket_errors']} socket errors (connect/read/timeout)")
    result = Result(
        run.backend,
        run.size,
        run.workers,
        row.name,
        row.label,
        numbers["rps"],
        numbers["p50_ms"],
        numbers["p99_ms"],
        None,
        int(numbers["requests"]),
        int(numbers["failed"]),
        int(numbers["socket_errors"]),
        round=round_,
    )
    # Requests still in flight when wrk stops are in `after` too: a per-request figure a hair high.
    answered = max(int(numbers["requests"]), 1)
    result.audit_rows_per_request = (after[0] - before[0]) / answered
    result.audit_bytes_per_request = (after[1] - before[1]) / answered
    if row.audited and result.audit_rows_per_request < 0.9:
        raise SystemExit(
            f"row {row.name}: {after[0] - before[0]} audit events for {answered} requests: "
            "the answers were not audited lookups"
        )
    if run.lock_folder:
        locks_after = lock_totals(run.lock_folder)
        result.lock = {k: locks_after.get(k, 0) - locks_before.get(k, 0) for k in locks_after}
        result.lock.update(waits)
    result.peak_worker_rss_mb = run.server.peak_rss_mb()
    # Workers present before and after (a worker restarted mid-row would count from zero: left out).
    spent = sum(cpu_after[pid] - cpu_before[pid] for pid in cpu_after.keys() & cpu_before.keys())
    result.worker_cpu_ms_per_request = spent * 1000 / answered
    return result


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
    """One gunicorn with `workers` workers: every row, --rounds times in rounds, the bare route first in each round
    (the denominator of that round's ratios)."""
    lock_folder = folder / f"locks-{backend}-{size}-{workers}" if args.lock_timing else None
    results: list[Result] = []
    meter = AuditMeter(url)
    try:
        application = f"envoy-bench-{os.getpid()}-{workers}"
        served_url = url
        if backend == "postgresql":  # names the server's connections in pg_stat_activity (WaitSampler)
            served_url = (
                make_url(url).update_query_dict({"application_name": application}).render_as_string(hide_password=False)
            )
        with serve(served_url, instance, workers, folder, lock_folder) as server:
            browser = Browser(server.port)
            browser.sign_in(OFFICER)
            run = ServerRun(
                args, backend, size, workers, url, application, server, browser, fixture, meter, lock_folder
            )
            for round_ in range(1, args.rounds + 1):
                bare_rps = None
                for row in rows:
                    of_rounds = f", round {round_}/{args.rounds}" if args.rounds > 1 else ""
                    progress.step(f"{backend} {size} {workers}w: {row.name}{of_rounds}")
                    result = measure_row(run, row, round_)
                    if row.name == "bare":
                        bare_rps = result.rps
                    result.ratio = result.rps / bare_rps if bare_rps else None
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
                progress.clear()  # the import draws its own bars
                made.import_s = time_import(backend, pg_url, folder, url, instance)
            builds.append(made)
            say(
                f"{backend} {size}: seeded {made.counts} in {made.seed_s:.1f} s"
                + (" (cached)" if made.cached else "")
                + (f"; registry import {made.import_s:.1f} s" if made.import_s is not None else "")
            )
            fixture = prepare(url, instance, folder, samples=2000 if not args.smoke else 40)
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


def lock_line(r: Result, rounds: int) -> str:
    """The append lock's share of a row's requests (--lock-timing): wait for it, and hold it until the commit."""
    per = r.lock["requests"]
    app_ms, wait_ms, held_ms = (r.lock[k] / per * 1000 for k in ("request_s", "wait_s", "held_s"))
    of_rounds = f" round {r.round}" if rounds > 1 else ""
    line = (
        f"lock {r.database} {r.size} {r.workers}w {r.row}{of_rounds}: {app_ms:.2f} ms in the app per request, "
        f"taking the append lock (its statements and any wait) {wait_ms:.2f} ms ({wait_ms / app_ms:.0%}), holding it "
        f"to the end of the commit {held_ms:.2f} ms (wait+hold {(wait_ms + held_ms) / app_ms:.0%})"
    )
    if "advisory_waiting_avg" in r.lock:
        line += (
            f"; pg_stat_activity: {r.lock['advisory_waiting_avg']:.2f} backends waiting on the advisory lock, "
            f"{r.lock['active_avg']:.2f} active, on average"
        )
    return line


def span(values: tuple[float, float] | None, digits: int) -> str:
    return f"{values[0]:.{digits}f}–{values[1]:.{digits}f}" if values else "-"


def table(builds: list[Build], results: list[Result], args: argparse.Namespace) -> str:
    """The one table: a line per row and server (the median of its rounds), how far the rounds spread, then the
    builds. With one round the medians are that round's numbers."""
    lines = [
        f"wrk -t1 -c{args.connections} -d{args.duration:g}s on loopback; gunicorn sync workers; ratio: req/s over "
        "the bare route's in the same server run"
    ]
    if args.rounds > 1:
        lines.append(f"median of {args.rounds} rounds; each round's ratios are over that round's bare route")
    lines += [
        f"{'db':<10} {'size':<4} {'w':>2}  {'row':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x bare':>6} "
        f"{'audit/req':>9} {'B/req':>6} {'RSS MB':>6} {'CPU ms/req':>10}",
    ]
    summary = medians(results)
    for r in summary:
        audit_rows = f"{r.audit_rows_per_request:.2f}" if r.audit_rows_per_request is not None else "-"
        audit_bytes = f"{r.audit_bytes_per_request:.0f}" if r.audit_bytes_per_request is not None else "-"
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
        rss = f"{r.peak_worker_rss_mb:.0f}" if r.peak_worker_rss_mb else "-"
        cpu = f"{r.worker_cpu_ms_per_request:.2f}" if r.worker_cpu_ms_per_request is not None else "-"
        lines.append(
            f"{r.database:<10} {r.size:<4} {r.workers:>2}  {r.label:<44} {r.rps:>8.1f} {r.p50_ms:>7.2f} "
            f"{r.p99_ms:>7.2f} {ratio:>6} {audit_rows:>9} {audit_bytes:>6} {rss:>6} {cpu:>10}"
        )
    if args.rounds > 1:
        lines += [
            f"spread over {m.rounds} rounds, {m.database} {m.size} {m.workers}w {m.row}: x bare "
            f"{span(m.ratio_spread, 3)}, CPU ms/req {span(m.worker_cpu_ms_spread, 2)}"
            for m in summary
        ]
    lines += [lock_line(r, args.rounds) for r in results if r.lock.get("requests")]
    for b in builds:
        imported = f", registry import {b.import_s:.1f} s" if b.import_s is not None else ""
        cached = " (cached build)" if b.cached else ""
        lines.append(f"build {b.backend} {b.size}: seed {b.seed_s:.1f} s{cached}{imported} — {b.counts}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.served", description=served.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("auto", "sqlite", "postgresql", "both"), default="auto")
    parser.add_argument("--sizes", default="1x,20x")
    parser.add_argument("--workers", default="2", help="comma-separated, e.g. 1,2,4")
    parser.add_argument("--duration", type=int, default=8, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of wrk before each measured run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every row N times in one server run, print the medians"
    )
    parser.add_argument(
        "--rows", default=None, help=f"from {','.join(ROW_NAMES)} (default: all; smoke: bare,floor,lookup)"
    )
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
    parser.add_argument(
        "--py-spy",
        type=Path,
        default=None,
        metavar="DIR",
        help="sample the workers with py-spy into DIR (pip install py-spy)",
    )
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--smoke", action="store_true", help=f"SQLite, {SMOKE_PERSONS} persons, 1 s per row")
    args = parser.parse_args(argv)
    default_rows = "bare,floor,lookup" if args.smoke else ",".join(ROW_NAMES)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    args.rows = [r.strip() for r in (args.rows or default_rows).split(",") if r.strip()]
    if args.rounds < 1:
        parser.error("--rounds: at least 1")
    for size in args.sizes:
        if size not in SIZES:
            parser.error(f"--sizes: {size} is not one of {', '.join(SIZES)}")
    for name in args.rows:
        if name not in ROW_NAMES:
            parser.error(f"--rows: {name} is not one of {', '.join(ROW_NAMES)}")
    if "bare" in args.rows:  # the ratios' denominator comes first
        args.rows = ["bare", *[r for r in args.rows if r != "bare"]]
    if args.smoke:
        args.database, args.sizes, args.duration, args.warmup = "sqlite", ["1x"], 1, 0
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
    measured = len(args.workers) * len(args.rows) * args.rounds
    steps = len(backends) * len(args.sizes) * (1 + measured) + int(args.import_timing)
    progress = Progress(steps)
    started = time.monotonic()
    load_at_start = os.getloadavg()
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
        "machine": {**machine(pg_url), "load_average_at_start": load_at_start},
        "settings": {
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "wrk_threads": 1,
            "server": "gunicorn sync workers, gunicorn.conf.py, bench.wsgi_bench:app",
            "environment": {k: v for k, v in SERVER_ENV.items() if k != "SECRET_KEY"},
            "smoke": args.smoke,
            "wrk": args.wrk,
        },
        "builds": [asdict(b) for b in builds],
        "results": [asdict(r) for r in results],
        "medians": [asdict(m) for m in medians(results)],
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(builds, results, args))
    loads = f"{load_at_start[0]:.1f} at the start, {report['machine']['load_average_at_end'][0]:.1f} at the end"
    print(f"written to {args.json} in {report['elapsed_s']:.0f} s; load average {loads} ({os.cpu_count()} CPUs)")
    return 0
