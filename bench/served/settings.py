"""What every part of the served benchmark shares: sizes, accounts, the server's production settings."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SIZES = {"1x": 55_000, "20x": 1_100_000}

SMOKE_PERSONS = 300

DEFAULT_PG = "postgresql+psycopg://envoy:envoy@127.0.0.1:5432/postgres"

CACHE = Path(os.environ.get("ENVOY_BENCH_CACHE", Path.home() / ".cache" / "envoy-bench"))

LUA = ROOT / "bench" / "wrk" / "envoy.lua"

PASSWORD = "bench river lantern shift 42"  # noqa: S105  (accounts of a throwaway database)

OFFICER = "bench-officer@example.gov"

DISPATCHER = "bench-cad@example.gov"

# Production requires a second factor for every role: the bench users' TOTP secret (a throwaway database's).
TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"  # noqa: S105

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# Production settings as far as they work on plain http over loopback (check_production must accept them).
SERVER_ENV = {
    "ENVOY_ENV": "production",
    "SECRET_KEY": "bench-" + "0123456789abcdef" * 3,
    "BASE_URL": "https://envoy.bench.invalid",
    # Production runs behind a TLS proxy (check_production); wrk on loopback sends no X-Forwarded-* headers.
    "TRUSTED_PROXIES": "1",
    # A fixed key ring for a throwaway database (production refuses to start without TOTP_KEYS).
    "TOTP_KEYS": "bench1:" + "QmVuY2gta2V5LWZvci1hLXRocm93YXdheS1kYi0wMTI=",
    "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    # The bench measures a lookup's work, not the limiter's refusal: limits far above what wrk sends.
    "LOOKUP_RATE_PER_USER": "100000000/minute",
    "LOOKUP_RATE_PER_IP": "100000000/minute",
}
