"""Record audit events: who, from where, when (UTC, ms), what was asked, the outcome, the records touched.

`record` joins the caller's transaction (an incident change and its audit event commit
together, or not at all); `record_now` commits on its own, for failures whose transaction
the caller rolls back. Nothing secret is ever stored: see `redact`.
"""

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TypedDict, Unpack

from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.actor import CONTROL, Actor, current_actor
from app.extensions import db
from app.models.audit import AuditEvent

NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
QUERY_MAX = 256
DETAIL_VALUE_MAX = 500
DETAIL_MAX = 4000

# Keys whose values never reach the trail, matched on the words of the key (api_token, sessionId, ...).
SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "totp",
        "otp",
        "token",
        "session",
        "secret",
        "cookie",
        "jwt",
        "csrf",
        "credential",
        "credentials",
        "apikey",
        "authorization",
    }
)
# "code" alone, or with one of these words, is a one-time or recovery code; plate_code is not.
CODE_WORDS = frozenset(
    {"mfa", "auth", "verification", "recovery", "backup", "login", "security", "reset", "one", "time"}
)
REDACTED = "[redacted]"

# Three base64url segments joined by dots, header and signature of a real token's length:
# a signed JWT (a QR card token, an API token). Host names and emails are too short to match. Not inside
# a longer word, but it may follow `=` (a query parameter's value, `?t=<jwt>`) or a %XX escape (a URL inside
# a url-encoded parameter), whose dots may be escaped too (%2E).
JWT_LIKE = re.compile(
    r"(?:(?<![A-Za-z0-9_.-])|(?<=%[0-9A-Fa-f]{2}))"
    r"[A-Za-z0-9_-]{10,}={0,2}(?:\.|%2[Ee])[A-Za-z0-9_-]{2,}={0,2}(?:\.|%2[Ee])[A-Za-z0-9_-]{16,}={0,2}"
    r"(?![A-Za-z0-9_-])"
)
JWT_KEEP = 12


class Fields(TypedDict, total=False):
    """What an event says beyond its action and outcome; the keywords of `record`, `record_now` and `build_event`."""

    query: str | None
    record_ids: Sequence[str]
    detail: Mapping[str, object] | None


def record(action: str, outcome: str, *, actor: Actor | None = None, **fields: Unpack[Fields]) -> AuditEvent:
    """Add an audit event to db.session and return it; it is written when the caller commits.

    Who and from where is `actor`, by default this request's (`current_actor()`: outside a
    request, `cli:<os user>`).
    """
    audit_event = build_event(action, outcome, actor=actor, **fields)
    db.session.add(audit_event)
    return audit_event


def record_now(action: str, outcome: str, *, actor: Actor | None = None, **fields: Unpack[Fields]) -> None:
    """Write an audit event in its own transaction, committed before returning.

    For failures (denials, bad input, rate limits) whose own transaction is rolled back:
    roll back first, then call this; the caller's uncommitted work is never included.
    """
    if db.session.info.get(chain.WRITING):
        # On SQLite the caller's flushed event holds the write lock, which this transaction would wait for.
        raise RuntimeError("record_now while db.session has an unfinished audit write: commit or roll back first")
    audit_event = build_event(action, outcome, actor=actor, **fields)
    try:
        with Session(db.engine) as session:
            session.add(audit_event)
            session.commit()
    except Exception:
        chain.mark_write_failed()  # the error handler answers 503 and raises the alert
        raise


def build_event(action: str, outcome: str, *, actor: Actor | None = None, **fields: Unpack[Fields]) -> AuditEvent:
    """A new event, not yet written; the database gives it its id when it is flushed."""
    if not NAME.fullmatch(action):
        raise ValueError(f"audit action must be a short lower-case name like lookup.plate, not {action!r}")
    if not NAME.fullmatch(outcome):
        raise ValueError(f"audit outcome must be a short lower-case word like hit, not {outcome!r}")
    record_ids = fields.get("record_ids", ())
    if isinstance(record_ids, str):
        raise TypeError("record_ids is a sequence of ids, not one string")
    ids = [str(r).strip() for r in record_ids]
    if any("," in r or not r for r in ids):
        raise ValueError("audit record ids must be non-empty and contain no commas")
    audit_event = AuditEvent(
        occurred_at=_now_ms(),
        action=action,
        outcome=outcome,
        query=clean_query(fields.get("query")),
        record_ids=",".join(ids),
        detail=_detail_json(fields.get("detail")),
        **(actor or current_actor()).columns(),
    )
    return audit_event


def redact(detail: Mapping[str, object]) -> dict[str, object]:
    """The detail with every secret-named key's value replaced and every JWT-looking string cut short."""
    return {str(key): _redact_value(key, value) for key, value in detail.items()}


def truncate_tokens(value: str) -> str:
    """Cut any JWT-looking string down to its first 12 characters and an ellipsis."""

    return JWT_LIKE.sub(lambda match: match.group(0)[:JWT_KEEP] + "…", value)


def clean_query(query: str | None) -> str | None:
    """The query as stored: tokens cut short, control characters escaped (no log injection), capped."""
    if query is None:
        return None
    cleaned = CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", truncate_tokens(query))
    return cleaned if len(cleaned) <= QUERY_MAX else cleaned[: QUERY_MAX - 1] + "…"


def is_secret_key(key: object) -> bool:
    words = set(_words(str(key)))
    if words & SECRET_WORDS:
        return True
    return "code" in words and (len(words) == 1 or bool(words & CODE_WORDS))


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _redact_value(key: object, value: object) -> object:
    if is_secret_key(key):
        return REDACTED
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, str):
        value = truncate_tokens(value)
        return value if len(value) <= DETAIL_VALUE_MAX else value[: DETAIL_VALUE_MAX - 1] + "…"
    if isinstance(value, list | tuple):
        return [_redact_value("", v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _redact_value("", str(value))


def _detail_json(detail: Mapping[str, object] | None) -> str:
    text = json.dumps(redact(detail or {}), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) > DETAIL_MAX:
        raise ValueError(f"audit detail is {len(text)} characters; keep it under {DETAIL_MAX}")
    return text


def _now_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
