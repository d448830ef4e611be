"""The audit events of bulk registry changes (import, export, demo seed): counts and the folder, never a person.

A change that succeeded is recorded with `audit.record` inside its own transaction by the caller;
what is here records the ones that did not, after their rollback, in a transaction of their own.
"""

from collections.abc import Mapping
from pathlib import Path

from flask import current_app

from app.audit import alerts
from app.audit import service as audit
from app.extensions import db

IMPORT = "registry.import"
EXPORT = "registry.export"
SEED = "registry.seed"


def folder_name(folder: Path) -> str:
    """The folder as the audit trail names it: its absolute path (an operator's path, not a person's data)."""
    return str(folder.resolve())


def record_unsuccessful(action: str, outcome: str, detail: Mapping[str, object]) -> None:
    """Record a refused or failed bulk change after rolling back what it left in db.session.

    An audit write that fails here raises an alert, not the error: the caller is already raising the reason the
    change did not happen, which the operator needs more, and nothing in the registry changed.
    """
    db.session.rollback()
    try:
        audit.record_now(action, outcome, detail=detail)
    except Exception:
        current_app.logger.exception("audit trail could not record %s %s", action, outcome)
        alerts.raise_alert("audit.write_failed", detail={"action": action, "outcome": outcome})
