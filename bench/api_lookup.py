"""Benchmark the JSON API's plate lookup against a bare route of the same app, on the same gunicorn server.

Run: .venv/bin/python bench/api_lookup.py [--persons 55000] [--workers 2] [--connections 8] [--seconds 10]
Seeds a demo registry into a fresh SQLite file (or DATABASE_URL's database when --database-url is given: it is
emptied and reseeded), makes a dispatcher and a bearer token, serves `wsgi:app` with gunicorn (sync workers, as
`make run`), and drives it with wrk (a Lua script adds the Authorization header):
  - GET /api/v1/plates/DWJ1204 with the token: token check, lookup, verdict, audit event with its commit,
    response validated against the OpenAPI models;
  - GET /healthz, the bare route: the framework, the app's before/after-request hooks and one SELECT 1.
Prints requests/s, p50 and p99 of each and the ratio. Needs wrk (Debian: apt-get install wrk).
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.registry.seed import DEMO_CASES, seed_demo  # noqa: E402
from tests.factories import make_api_token, make_user  # noqa: E402

LUA = """wrk.headers["Authorization"] = "Bearer {token}"
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def wrk(url: str, args: argparse.Namespace, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} answers were not 2xx:\n{output}")
    return {"rate": rate, "p50": p50, "p99": p99}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=55_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--ratelimit-storage", default="memory://", help="e.g. redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    folder = Path(tempfile.mkdtemp(prefix="envoy-bench-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789-abcdefghij",
        "RATELIMIT_STORAGE_URI": args.ratelimit_storage,
        # The bench measures the work of a lookup, not the limiter's refusal: limits far above what wrk sends.
        "LOOKUP_RATE_PER_USER": "10000000/minute",
        "LOOKUP_RATE_PER_IP": "10000000/minute",
    }
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    app.instance_path = str(folder)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo(persons=args.persons, seed=1)
        token = make_api_token(make_user("dispatcher", email="bench-cad@example.gov"), days=1)
        db.engine.dispose()
    script = folder / "bearer.lua"
    script.write_text(LUA.format(token=token), encoding="utf-8")

    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        plate = f"{base}/api/v1/plates/{DEMO_CASES['diplomat_car']}"
        check = urllib.request.Request(plate, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
        with urllib.request.urlopen(check, timeout=5) as response:  # noqa: S310
            assert response.status == 200
        wrk(plate, argparse.Namespace(**{**vars(args), "seconds": 2}), script)  # warm up both workers
        api = wrk(plate, args, script)
        bare = wrk(f"{base}/healthz", args)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    backend = database_url.split(":", 1)[0]
    print(
        f"gunicorn {args.workers} sync workers, wrk {args.threads} threads / {args.connections} connections / "
        f"{args.seconds} s, {args.persons:,} persons, {backend}"
    )
    print(f"  {'route':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in (("GET /api/v1/plates/DWJ1204 (token)", api), ("GET /healthz (bare)", bare)):
        print(f"  {name:<34} {row['rate']:>9.1f} {row['p50']:>8.2f} {row['p99']:>8.2f}")
    print(f"  ratio API / bare: {api['rate'] / bare['rate']:.2f} ({bare['rate'] / api['rate']:.1f}x slower)")


if __name__ == "__main__":
    main()
