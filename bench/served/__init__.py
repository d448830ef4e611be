"""`make bench`: the served benchmark. Envoy under gunicorn (sync workers, production settings) driven by wrk on
loopback, each row compared with a bare route of the same app measured in the same server run (issue 14).

Run: .venv/bin/python -m bench.served [--database sqlite|postgresql|both|auto] [--sizes 1x,20x] [--workers 2]
     [--duration 8] [--rounds 1] [--connections 8] [--rows bare,healthz,...] [--lock-timing] [--json FILE] [--smoke]

For each database and registry size it builds a registry with the project's own seed code (app/registry/seed.py,
what `flask registry seed-demo` runs; timed), times `flask registry import` of the same registry exported as an
interchange folder (1x only: the import path's speed), signs an officer in through the real pages, makes a
dispatcher's API token and card QR tokens, then for each worker count starts gunicorn and runs each row with
`wrk -t1 -c<connections> -d<duration>s --latency` and prints one table. SQLite runs in a temporary file; the
1.1-million-person SQLite registry is cached (~/.cache/envoy-bench, keyed by the seed code, the migrations and
the week). PostgreSQL runs when --database says so, or (auto, the default) when BENCH_DATABASE_URL is set or a
server answers at postgresql+psycopg://envoy:envoy@127.0.0.1:5432/postgres; it works in a schema of its own,
dropped afterwards, except at 20x: the seeded registry is kept as a database `envoy_bench_20x_<key>` and each run
works in a copy (CREATE DATABASE ... TEMPLATE, dropped afterwards); --no-cache seeds afresh in a schema.
Results go to bench/results/latest.json (or --json) with the commit and the machine.

Settings changed for the bench (production otherwise, ENVOY_ENV=production): BASE_URL is a placeholder https
address (nothing is served on it; plain http on loopback), lookup rate limits are far above what wrk sends
(the limiter still counts every request in Redis), the session cookie is sent back by wrk over plain http.
"""
