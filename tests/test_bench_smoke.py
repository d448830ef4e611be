"""The served benchmark (bench/served/, `make bench`) starts, serves, signs in and reads its own output.

The real benchmark is too noisy for a gate and takes minutes; this runs its --smoke mode: a 300-person SQLite
registry, gunicorn with one worker, the bare route and the audited plate lookup for one second each in two
rounds (wrk's part is skipped by the script itself when wrk is not installed). The wrk output parser is checked on
a real output.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from bench.served import cli
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
def test_smoke_run_in_two_rounds_serves_the_audited_lookup_and_prints_the_medians(tmp_path: Path) -> None:
    report = tmp_path / "latest.json"
    storage = os.environ.get("TEST_REDIS_URL") or "memory://"
    result = subprocess.run(
        [sys.executable, "-m", "bench.served", "--smoke", "--workers", "1", "--rounds", "2", "--json", str(report)]
        + ["--ratelimit-storage", storage],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "ENVOY_BENCH_CACHE": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    numbers = json.loads(report.read_text())
    rounds: dict[str, list[dict]] = {}
    for row in numbers["results"]:
        rounds.setdefault(row["row"], []).append(row)
    assert {name: [row["round"] for row in each] for name, each in rounds.items()} == {
        "bare": [1, 2],
        "floor": [1, 2],
        "lookup": [1, 2],
    }
    medians = {median["row"]: median for median in numbers["medians"]}
    assert set(medians) == {"bare", "floor", "lookup"} and numbers["settings"]["rounds"] == 2
    assert numbers["builds"][0]["backend"] == "sqlite" and numbers["builds"][0]["persons"] == 300
    assert numbers["machine"]["cpus"] >= 1 and numbers["commit"]
    assert "median of 2 rounds" in result.stdout
    table = [line for line in result.stdout.splitlines() if "plate lookup, htmx" in line]
    assert len(table) == 1
    if shutil.which("wrk") is None:
        return  # the script checked each row's answer once per round, and ran no wrk
    for lookup, bare in zip(rounds["lookup"], rounds["bare"], strict=True):
        assert lookup["requests"] > 0 and lookup["failed"] == 0 and lookup["rps"] > 0
        assert lookup["audit_rows_per_request"] >= 0.9  # each answer was a real, audited lookup
        assert lookup["ratio"] == lookup["rps"] / bare["rps"]  # over the bare route of the same round
        assert 0 < lookup["ratio"] < 1.5
    for floor in rounds["floor"]:  # answered hits (checked once per round) and never wrote to the real trail
        assert floor["requests"] > 0 and floor["failed"] == 0 and floor["audit_rows_per_request"] == 0
    median = medians["lookup"]
    for key in ("rps", "p50_ms", "p99_ms", "ratio", "worker_cpu_ms_per_request", "audit_rows_per_request"):
        assert median[key] == statistics.median(row[key] for row in rounds["lookup"]), key
    ratios = [row["ratio"] for row in rounds["lookup"]]
    assert median["ratio_spread"] == [min(ratios), max(ratios)]
    cpu = median["worker_cpu_ms_per_request"]  # the workers' CPU time from /proc, in 10 ms ticks: 0 is possible
    assert cpu is not None and 0 <= cpu < 1000 and table[0].rstrip().endswith(f"{cpu:.2f}")
    assert f"{median['rps']:.1f}" in table[0]
    spread = f"1w lookup: x bare {min(ratios):.3f}–{max(ratios):.3f}"
    assert any(spread in line for line in result.stdout.splitlines()), result.stdout


def test_one_round_prints_the_rounds_own_numbers_without_a_median_note() -> None:
    lookup = cli.Result(
        "sqlite", "1x", 2, "lookup", "plate lookup, htmx (POST /lookup)", 184.04, 42.29, 65.44, 0.0575, 1500, 0, 0
    )
    lookup.worker_cpu_ms_per_request = 9.44
    printed = cli.table([], [lookup], argparse.Namespace(connections=8, duration=8, rounds=1)).splitlines()
    assert len(printed) == 3  # the settings, the header, the row: nothing about rounds
    assert printed[2].split()[-8:] == ["184.0", "42.29", "65.44", "0.058", "-", "-", "-", "9.44"]
