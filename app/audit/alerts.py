"""Alerts: what someone must look at within the hour (security-bar), raised two ways at once.

Each alert is a structured JSON line on the `envoy.alerts` logger (stderr under gunicorn, for a SIEM to pick up)
and, when the database takes it, an audit event of its own kind (`alert.<kind>`, outcome `raised`). The log line
comes first: an alert about the database failing must not depend on the database.
"""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from app.audit import service as audit

log = logging.getLogger("envoy.alerts")


def raise_alert(kind: str, *, detail: Mapping[str, object] | None = None) -> None:
    """Log the alert, then try to record it in the audit trail (a failure there is logged, never raised)."""
    clean = audit.redact(detail or {})
    line = {"alert": kind, "at": datetime.now(UTC).isoformat(timespec="milliseconds"), **clean}
    log.critical(json.dumps(line, sort_keys=True, default=str))
    try:
        audit.record_now(f"alert.{kind}", "raised", detail=clean)
    except Exception:  # noqa: BLE001 - the log line above is the alert of record when the database is down
        log.exception("the alert %s could not be written to the audit trail", kind)
