"""Two gunicorn processes share one set of rate-limit counters in Redis (security-bar: limits hold across workers).

Skipped unless TEST_REDIS_URL points at a Redis server (.ci/run starts one and sets it).
Everything runs on loopback, with bounded waits, and the servers are stopped at the end.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from tests.auth_support import login_form

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
LIMIT = 4
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0

pytestmark = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set: no Redis server to share rate limits (.ci/run sets it)"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, fields: dict[str, str]) -> tuple[int, dict[str, str]]:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 - loopback only
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


@pytest.fixture
def key_prefix() -> Iterator[str]:
    prefix = f"envoy-test-{uuid.uuid4().hex}"
    yield prefix
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    for key in client.scan_iter(match=f"*{prefix}*", count=500):
        client.delete(key)
    client.close()


@pytest.fixture
def two_servers(tmp_path: Path, key_prefix: str) -> Iterator[tuple[str, str]]:
    yield from _two_servers(tmp_path, key_prefix, signin_rate=f"{LIMIT}/minute")


@pytest.fixture
def two_servers_with_room(tmp_path: Path, key_prefix: str) -> Iterator[tuple[str, str]]:
    """As two_servers, with the flat sign-in limit far away: what refuses is the growing delay."""
    yield from _two_servers(tmp_path, key_prefix, signin_rate="1000/minute")


def _two_servers(tmp_path: Path, key_prefix: str, *, signin_rate: str) -> Iterator[tuple[str, str]]:
    database_url = f"sqlite:///{tmp_path / 'envoy.db'}"
    setup = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "setup", "RATELIMIT_ENABLED": False})
    with setup.app_context():
        db.create_all()
        db.engine.dispose()
    env = {
        **os.environ,
        "ENVOY_TEST_DATABASE_URL": database_url,
        "ENVOY_TEST_KEY_PREFIX": key_prefix,
        "ENVOY_TEST_SIGNIN_RATE": signin_rate,
        "TEST_REDIS_URL": TEST_REDIS_URL,
    }
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    logs = [tmp_path / "gunicorn-a.log", tmp_path / "gunicorn-b.log"]
    try:
        for log in logs:
            port = _free_port()
            with log.open("wb") as output:
                process = subprocess.Popen(  # noqa: S603 - fixed argv, loopback only
                    [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "-t", "30", "tests.ratelimit_wsgi:app"],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
        for base, process, log in zip(bases, processes, logs, strict=True):
            _wait_until_up(base, process, log)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def test_sign_in_attempts_on_one_process_count_against_the_limit_on_the_other(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    # A new account each time: the growing per-account delay (app/auth/throttle.py) is not what this test is about.
    attempts = [login_form(f"nobody{n}@agency.example.gov", "not the password") for n in range(LIMIT + 2)]
    # LIMIT attempts spread over both processes: each process alone has seen fewer than LIMIT.
    statuses = [
        _post(f"{base}/login", attempt)[0] for base, attempt in zip((a, b, a, b)[:LIMIT], attempts, strict=False)
    ]
    assert statuses == [401] * LIMIT, statuses
    status_b, headers_b = _post(f"{b}/login", attempts[LIMIT])
    status_a, headers_a = _post(f"{a}/login", attempts[LIMIT + 1])
    assert (status_b, status_a) == (429, 429)
    assert int(headers_b["Retry-After"]) >= 1
    assert int(headers_a["Retry-After"]) >= 1


def test_the_growing_sign_in_delay_holds_across_processes(two_servers_with_room: tuple[str, str]) -> None:
    """Failures on either process count towards one delay (app/auth/throttle.py): 1 s, then 2 s, then 4 s."""
    a, b = two_servers_with_room
    attempt = login_form("kim.lee@agency.example.gov", "not the password")
    assert _post(f"{a}/login", attempt)[0] == 401
    time.sleep(1.2)
    assert _post(f"{b}/login", attempt)[0] == 401
    time.sleep(2.2)  # B's own 1-second delay, had it kept its own count, would be long over
    assert _post(f"{a}/login", attempt)[0] == 401  # the third failure seen by the pair: 4 s to wait
    status_b, headers_b = _post(f"{b}/login", attempt)
    assert status_b == 429
    assert 1 <= int(headers_b["Retry-After"]) <= 4
