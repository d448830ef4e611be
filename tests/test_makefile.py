"""`make run` tells the truth: it serves where it says, and the CLI steps and gunicorn share BASE_URL.

The run target is executed for real against a stand-in virtualenv whose flask and gunicorn only write down
their arguments and BASE_URL, so nothing is installed, migrated or served.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAND_IN = '#!/bin/sh\necho "$(basename "$0") BASE_URL=$BASE_URL $*" >> "$(dirname "$0")/../calls.log"\n'

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def make_run(tmp_path: Path, *arguments: str, environ: dict[str, str] | None = None) -> tuple[str, list[str]]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "pip", "flask", "gunicorn"):
        (venv / "bin" / name).write_text(STAND_IN)
        (venv / "bin" / name).chmod(0o755)
    (venv / ".runtime").touch()  # newer than requirements.txt: make installs nothing
    env = {key: value for key, value in os.environ.items() if key not in ("BASE_URL", "HOST", "PORT", "MAKEFLAGS")}
    env.update(environ or {})
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "run", f"VENV={venv}", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout, (venv / "calls.log").read_text().splitlines()


def test_make_run_serves_on_the_port_it_prints_and_derives_base_url_from_it(tmp_path: Path) -> None:
    output, calls = make_run(tmp_path, "PORT=8101")
    assert "Envoy is serving on http://127.0.0.1:8101" in output
    gunicorn = [call for call in calls if call.startswith("gunicorn ")]
    assert len(gunicorn) == 1 and "--bind 127.0.0.1:8101 " in gunicorn[0]
    assert all("BASE_URL=http://127.0.0.1:8101 " in call for call in calls)
    assert any(call.startswith("flask BASE_URL=http://127.0.0.1:8101 --app wsgi users demo") for call in calls)


def test_make_run_keeps_a_base_url_set_in_the_environment(tmp_path: Path) -> None:
    output, calls = make_run(tmp_path, "PORT=8101", environ={"BASE_URL": "https://envoy.lan:8443"})
    assert all("BASE_URL=https://envoy.lan:8443 " in call for call in calls)
    assert "Envoy is serving on http://127.0.0.1:8101" in output
    assert "https://envoy.lan:8443" in output  # where the card QR codes point, said out loud


def test_make_run_with_a_certificate_serves_https_and_says_so(tmp_path: Path) -> None:
    output, calls = make_run(tmp_path, "HOST=0.0.0.0", "PORT=8443", "TLS_CERT=dev-cert.pem", "TLS_KEY=dev-key.pem")
    assert "Envoy is serving on https://0.0.0.0:8443" in output
    gunicorn = next(call for call in calls if call.startswith("gunicorn "))
    assert "--certfile dev-cert.pem --keyfile dev-key.pem" in gunicorn
