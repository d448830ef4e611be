"""Issue 12 item 9: the dependency check never passes when it checked nothing.

pip-audit itself prints "No known vulnerabilities found" and exits 0 when every package "could not be
audited"; `make audit-deps` must fail, loudly, both then and when the database cannot be reached at all.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
NO_PIP = "--no-deps --disable-pip"  # audit the pins as listed, without pip resolving (and downloading) them


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "tools" / "audit_deps.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_report_where_nothing_could_be_audited_is_a_failure_not_a_pass() -> None:
    """What pip-audit gives here: exit 0 and "No known vulnerabilities found", each package skipped."""
    reason = "Dependency not found on PyPI and could not be audited: flask (3.1.3)"
    report = {"dependencies": [{"name": "flask", "skip_reason": reason}, {"name": "jinja2", "skip_reason": reason}]}
    code, lines = _tool().verdict(report)
    assert code == 2
    assert "2 of 2 package(s) could not be checked" in lines[0] and "NOT a pass" in lines[1]


def test_one_unchecked_package_among_clean_ones_still_fails() -> None:
    report = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}, {"name": "x", "skip_reason": "?"}]}
    assert _tool().verdict(report)[0] == 2
    assert _tool().verdict({"dependencies": []})[0] == 2


def test_a_known_vulnerability_fails_and_names_it() -> None:
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["3.1.4"]}
    report = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": [vuln]}]}
    code, lines = _tool().verdict(report)
    assert code == 1 and "flask 3.1.3: PYSEC-2099-1 (fixed in 3.1.4)" in lines


def test_every_package_checked_and_clean_passes() -> None:
    report = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}]}
    assert _tool().verdict(report) == (0, ["audit-deps: all 1 package(s) checked; no known vulnerabilities."])


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_make_audit_deps_fails_loudly_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # The real interpreter (with pip-audit) behind a stand-in virtualenv whose stamps say it is installed.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "bin" / "python").chmod(0o755)
    (venv / ".dev").touch()
    (venv / ".runtime").touch()
    env = {key: value for key, value in os.environ.items() if key != "MAKEFLAGS"}
    # A database nobody answers at (nothing listens on port 9), and no pip resolution: no network needed.
    env.update(PIP_AUDIT_VULNERABILITY_SERVICE="osv", PIP_AUDIT_OSV_URL="http://127.0.0.1:9/v1/query")
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            "audit-deps",
            f"VENV={venv}",
            "AUDIT_ARGS=--no-deps --disable-pip",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    assert "audit-deps FAILED" in result.stdout and "NOT a pass" in result.stdout
    assert "No known vulnerabilities found" not in result.stdout + result.stderr
