"""gunicorn as production runs it, and an officer's browser that signs in through the real pages."""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pyotp

from bench.served.settings import CSRF, PASSWORD, ROOT, SERVER_ENV, TOTP_SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the arbiter's children (from /proc)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress(OSError, IndexError, ValueError):
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        pids.append(int(entry.name))
        return pids

    def worker_cpu_seconds(self) -> dict[int, float]:
        """Each current worker's CPU time so far (user + system, from /proc), by pid."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = {}
        for pid in self.worker_pids():
            with suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime: fields 14 and 15 of stat
        return used

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) of the current workers, in MiB."""
        peaks = [0.0]
        for pid in self.worker_pids():
            with suppress(OSError):
                found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                if found:
                    peaks.append(int(found.group(1)) / 1024)
        return max(peaks)


@contextmanager
def serve(url: str, instance: Path, workers: int, folder: Path, lock_stats: Path | None) -> Iterator[Server]:
    """gunicorn as the Makefile's run target starts it (sync workers, gunicorn.conf.py), on bench.wsgi_bench:app."""
    port = free_port()
    log = folder / f"gunicorn-{port}.log"
    environ = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": url,
        "BENCH_INSTANCE": str(instance),
        "BENCH_RATELIMIT_PREFIX": f"envoy-bench-{secrets.token_hex(4)}",
    }
    environ.pop("BENCH_LOCK_STATS", None)
    if lock_stats is not None:
        lock_stats.mkdir(parents=True, exist_ok=True)
        environ["BENCH_LOCK_STATS"] = str(lock_stats)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "bench.wsgi_bench:app"],
        cwd=ROOT,
        env=environ,
        start_new_session=True,
    )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            with suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200 and len(server.worker_pids()) >= workers:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # any worker its arbiter left behind


class Browser:
    """An officer's browser on plain HTTP/1.1: cookies and the CSRF token, as the pages hand them out."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = self.cookie_header()
            if body is not None:
                sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text_ = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
            return response.status, dict(response.headers), text_
        finally:
            connection.close()

    def session_id(self) -> str:
        """The signed-in session's id, from its cookie (the only cookie whose name says session)."""
        return next(value for name, value in self.cookies.items() if "session" in name)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def sign_in(self, email: str) -> None:
        _status, _headers, page = self.request("GET", "/login")
        form = {"email": email, "password": PASSWORD, "acknowledge": "y", "csrf_token": csrf_in(page)}
        status, headers, _body = self.request("POST", "/login", urlencode(form))
        if status == 302 and headers.get("Location") == "/login/code":  # production: every role has a second factor
            _status, _headers, page = self.request("GET", "/login/code")
            code = {"code": pyotp.TOTP(TOTP_SECRET).now(), "csrf_token": csrf_in(page)}
            status, headers, _body = self.request("POST", "/login/code", urlencode(code))
        if status != 302 or headers.get("Location", "").startswith("/login"):
            raise SystemExit(f"{email} could not sign in: {status} {headers.get('Location')}")
        status, _headers, page = self.request("GET", "/lookup")
        if status != 200:
            raise SystemExit(f"GET /lookup after sign-in answered {status}")
        self.csrf = csrf_in(page)


def csrf_in(page: str) -> str:
    found = CSRF.search(page)
    if not found:
        raise SystemExit("no csrf_token in the page")
    return found.group(1) or found.group(2)
