"""`make audit-deps`: pip-audit, judged so that "could not check" is never read as "nothing found".

pip-audit prints "No known vulnerabilities found" and exits 0 when its database answered for no package at
all ("Dependency not found on PyPI and could not be audited" for each one, as behind a mirror without the
per-version JSON). This runs it with a JSON report and passes only when every package was checked and none
has a known vulnerability. Exit codes: 0 checked and clean, 1 vulnerabilities found, 2 not checked.

Usage: python tools/audit_deps.py -r requirements.txt [more pip-audit arguments]
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CLEAN, VULNERABLE, NOT_CHECKED = 0, 1, 2
UNCHECKED_NOTE = (
    "This is NOT a pass: the vulnerability database could not be reached or did not answer. Run "
    "`make audit-deps` on a machine with internet access to PyPI's JSON API (or set "
    "PIP_AUDIT_VULNERABILITY_SERVICE=osv where OSV's public API is reachable); see 'Checking dependencies' "
    "in the README."
)


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit code and the lines to print for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    lines = [
        f"{d['name']} {d.get('version', '')}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or 'none'})"
        for d in vulnerable
        for v in d["vulns"]
    ]
    if not dependencies or skipped:
        first = skipped[0]["skip_reason"] if skipped else "pip-audit listed no package"
        lines += [
            f"audit-deps FAILED: {len(skipped)} of {len(dependencies)} package(s) could not be checked ({first}).",
            UNCHECKED_NOTE,
        ]
        return NOT_CHECKED, lines
    if vulnerable:
        return VULNERABLE, [*lines, f"audit-deps FAILED: {len(vulnerable)} package(s) with known vulnerabilities."]
    return CLEAN, [f"audit-deps: all {len(dependencies)} package(s) checked; no known vulnerabilities."]


def main(arguments: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "-f", "json", "-o", str(output)]
        ran = subprocess.run([*command, *arguments], capture_output=True, text=True, check=False)  # noqa: S603
        if not output.exists():
            last = (ran.stderr.strip().splitlines() or ["no message"])[-1]
            print(f"audit-deps FAILED: pip-audit stopped (exit {ran.returncode}) without a report: {last}")
            print(UNCHECKED_NOTE)
            return NOT_CHECKED
        code, lines = verdict(json.loads(output.read_text()))
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
