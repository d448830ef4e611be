"""The served benchmark (bench/served/, `make bench`) starts, serves, signs in and reads its own output.

The real benchmark is too noisy for a gate and takes minutes; this runs its --smoke mode: a 300-person SQLite
registry, gunicorn with one worker, the bare route and the audited plate lookup for one second each (wrk's part
is skipped by the script itself when wrk is not installed). The wrk output parser is checked on a real output.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.served.measure import hottest, parse_wrk

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:40111
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.39ms    9.02ms  98.95ms   77.31%
    Req/Sec   376.63     61.37   505.00     72.50%
  Latency Distribution
     50%   20.02ms
     75%   25.46ms
     90%   32.06ms
     99%    1.05s
  3001 requests in 8.00s, 4.51MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:    375.07
Transfer/sec:    577.40KB
"""


def test_parse_wrk_reads_rate_percentiles_in_ms_and_failures() -> None:
    numbers = parse_wrk(WRK_OUTPUT)
    assert numbers == {
        "rps": 375.07,
        "p50_ms": 20.02,
        "p99_ms": 1050.0,
        "requests": 3001,
        "failed": 7,
        "socket_errors": 3,
    }


def test_the_py_spy_summary_counts_each_function_once_per_sample_whatever_its_line(tmp_path: Path) -> None:
    worker = tmp_path / "lookup-1.txt"
    worker.write_text(
        "run (gunicorn/app/base.py:72);officer_post (app/lookup/views.py:51);find_plate (app/registry/results.py:9) 3\n"
        "run (gunicorn/app/base.py:72);officer_post (app/lookup/views.py:52);render (app/rendering.py:14) 1\n"
        "run (gunicorn/app/base.py:72);accept (gunicorn/workers/sync.py:30) 4\n"
    )
    shares = dict(hottest([worker, tmp_path / "a-worker-that-wrote-nothing.txt"]))
    assert shares == {
        "officer_post (app/lookup/views.py)": 0.5,
        "find_plate (app/registry/results.py)": 0.375,
        "render (app/rendering.py)": 0.125,
    }


@pytest.mark.skipif(TEST_DATABASE_URL.startswith("postgresql"), reason="runs once, in the SQLite pass of the suite")
def test_smoke_run_serves_the_audited_lookup_and_writes_its_table_and_json(tmp_path: Path) -> None:
    report = tmp_path / "latest.json"
    storage = os.environ.get("TEST_REDIS_URL") or "memory://"
    result = subprocess.run(
        [sys.executable, "-m", "bench.served", "--smoke", "--workers", "1", "--json", str(report)]
        + ["--ratelimit-storage", storage],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "ENVOY_BENCH_CACHE": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    numbers = json.loads(report.read_text())
    rows = {row["row"]: row for row in numbers["results"]}
    assert set(rows) == {"bare", "lookup"}
    assert numbers["builds"][0]["backend"] == "sqlite" and numbers["builds"][0]["persons"] == 300
    assert numbers["machine"]["cpus"] >= 1 and numbers["commit"]
    table = [line for line in result.stdout.splitlines() if "plate lookup, htmx" in line]
    assert len(table) == 1
    if shutil.which("wrk") is None:
        return  # the script checked each row's answer once, and ran no wrk
    lookup = rows["lookup"]
    assert lookup["requests"] > 0 and lookup["failed"] == 0 and lookup["rps"] > 0
    assert lookup["audit_rows_per_request"] >= 0.9  # each answer was a real, audited lookup
    cpu = lookup["worker_cpu_ms_per_request"]  # the workers' CPU time from /proc, in 10 ms ticks: 0 is possible
    assert cpu is not None and 0 <= cpu < 1000 and table[0].rstrip().endswith(f"{cpu:.2f}")
    assert 0 < lookup["ratio"] < 1.5
    assert f"{lookup['rps']:.1f}" in table[0]
