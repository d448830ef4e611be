"""Alerts: what someone must look at within the hour (security-bar), raised two ways at once.

Each alert is a structured JSON line on the `envoy.alerts` logger (stderr under gunicorn, for a SIEM to pick up)
and, when the database takes it, an audit event of its own kind (`alert.<kind>`, outcome `raised`). The log line
comes first: an alert about the database failing must not depend on the database.

Raised for: `audit.write_failed`, `audit.tampering`, `auth.lockout` (an account locked by failed attempts: detail
`lock` says the whole account or its unknown devices, app/auth/devices.py), `auth.spray` (one source failing on many
accounts, or one account failing from many sources: app/auth/throttle.py), `ratelimit.exceeded` (throttled like
its audit event: once a minute per limit and key), `lookup.walk` (one user's lookups step through sequential
plates or card numbers: app/lookup/walks.py) and `auth.passkey_clone` (a passkey's signature counter did not grow:
two copies of one key may exist, app/auth/passkeys.py).
"""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Row, case, func, select

from app.audit import service as audit
from app.audit.actor import Actor, current_actor
from app.extensions import db
from app.models.audit import AuditEvent

log = logging.getLogger("envoy.alerts")

ACTION_PREFIX = "alert."


def raise_alert(kind: str, *, detail: Mapping[str, object] | None = None, actor: Actor | None = None) -> None:
    """Log the alert, then try to record it in the audit trail (a failure there is logged, never raised).

    The event is written in its own transaction: for alerts about something already refused or failed.
    """
    clean = _log_line(kind, detail, actor)
    try:
        audit.record_now(ACTION_PREFIX + kind, "raised", detail=clean, actor=actor)
    except Exception:  # noqa: BLE001 - the log line above is the alert of record when the database is down
        log.exception("the alert %s could not be written to the audit trail", kind)


def raise_alert_with(kind: str, *, detail: Mapping[str, object] | None = None, actor: Actor | None = None) -> None:
    """Log the alert and add its event to the caller's transaction (written when the caller commits).

    For alerts about a state change, such as an account lock: the lock, its audit event and the alert's event
    commit together or not at all.
    """
    clean = _log_line(kind, detail, actor)
    audit.record(ACTION_PREFIX + kind, "raised", detail=clean, actor=actor)


def _log_line(kind: str, detail: Mapping[str, object] | None, actor: Actor | None) -> dict[str, object]:
    """Write the JSON line and return the redacted detail. Who by id and address only: no emails in the log."""
    clean = audit.redact(detail or {})
    who = actor or current_actor()
    line = {
        "alert": kind,
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "by_user_id": who.user_id,
        "from": who.client_addr,
        **clean,
    }
    log.critical(json.dumps(line, sort_keys=True, default=str))
    return clean


RECENT_MAX = 100
# The columns of an alert the page shows.
SHOWN = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.action,
    AuditEvent.user_email,
    AuditEvent.user_role,
    AuditEvent.client_addr,
    AuditEvent.detail,
)


@dataclass(frozen=True)
class KindCount:
    kind: str
    last_day: int
    last_week: int


@dataclass(frozen=True)
class Overview:
    """What the admin's alerts page shows: counts by kind, and the newest alerts (at most RECENT_MAX)."""

    counts: list[KindCount]
    recent: list[Row[tuple[int, datetime, str, str | None, str | None, str | None, str]]]


def kind_of(action: str) -> str:
    """`alert.auth.lockout` -> `auth.lockout`."""
    return action.removeprefix(ACTION_PREFIX)


def overview(now: datetime | None = None) -> Overview:
    """Read the alerts from the trail and audit the read (`audit.read`, page alerts; committed).

    The read is not an `alert.*` event itself, so opening the page never adds to what it shows.
    """
    now = now or datetime.now(UTC)
    is_alert = AuditEvent.action.startswith(ACTION_PREFIX, autoescape=True)
    day_ago = now - timedelta(days=1)
    rows = db.session.execute(
        select(
            AuditEvent.action,
            func.sum(case((AuditEvent.occurred_at >= day_ago, 1), else_=0)),
            func.count(),
        )
        .where(is_alert, AuditEvent.occurred_at >= now - timedelta(days=7))
        .group_by(AuditEvent.action)
        .order_by(AuditEvent.action)
    )
    counts = [KindCount(kind_of(action), int(day or 0), int(week)) for action, day, week in rows]
    # Plain rows, not ORM objects: the commit below would expire those and reload each one in the template.
    recent = list(db.session.execute(select(*SHOWN).where(is_alert).order_by(AuditEvent.id.desc()).limit(RECENT_MAX)))
    shown = {"shown": len(recent), "newest": recent[0].id, "oldest": recent[-1].id} if recent else {"shown": 0}
    audit.record("audit.read", "ok", detail={"page": "alerts", **shown})
    db.session.commit()
    return Overview(counts=counts, recent=recent)
