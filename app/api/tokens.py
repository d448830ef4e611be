"""API bearer tokens: made, listed and revoked (CLI and admin page), and checked on every API call (issue 11).

A token is `envoy_` and 43 URL-safe characters: 256 random bits from `secrets`. The table keeps its SHA-256 and
finds a presented token by that hash. SHA-256, not Argon2: Argon2's cost protects guessable secrets (passwords);
nobody can guess or brute-force 256 random bits from a leaked hash, and a 64 MiB, ~80 ms hash on every call would
cap the API at a dozen calls a second per worker.

A token works only while it is not revoked, not expired, and its user is enabled, not locked and not idle for
IDLE_LIMIT (CJIS AC-2(3)); every call checks all of these, so disabling a user stops their tokens at once.
Calls with a token do not count as the user's activity: an account nobody signs in to goes idle, and so do its
tokens.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.audit import service as audit
from app.audit.actor import Actor
from app.auth.services import IDLE_LIMIT, normalise_email
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models import ApiToken, User
from app.models.base import utcnow

SCHEME = "envoy_"
TOKEN = re.compile(r"envoy_[A-Za-z0-9_-]{43}")
PREFIX_LENGTH = 12  # "envoy_" and 6 characters: tells tokens apart in lists, useless for guessing
NAME_MAX = 100
DEFAULT_NAME = "API token"
# last_used_at is written at most this often per token: a busy CAD link must not write on every call.
TOUCH_INTERVAL = timedelta(seconds=60)


class TokenRequestError(DomainError, ValueError):
    """A token cannot be made as asked (unknown or disabled user, days out of range, ...)."""

    status = 400
    code = "invalid_token_request"


class TokenNotFound(DomainError, LookupError):
    status = 404
    code = "not_found"


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and the secret, which exists only here and is shown once."""

    row: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    email: str, *, name: str | None, days: int | None, actor: Actor, now: datetime | None = None
) -> NewToken:
    """Make a token for the user with this email, valid `days` (default API_TOKEN_DAYS_DEFAULT, at most
    API_TOKEN_DAYS_MAX); audited as `api_token.create`. Commits once."""
    now = now or utcnow()
    config = current_app.config
    days = config["API_TOKEN_DAYS_DEFAULT"] if days is None else days
    if not 1 <= days <= config["API_TOKEN_DAYS_MAX"]:
        raise TokenRequestError(f"a token lives 1 to {config['API_TOKEN_DAYS_MAX']} days, not {days}")
    label = " ".join((name or DEFAULT_NAME).split())[:NAME_MAX] or DEFAULT_NAME
    user = db.session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()
    if user is None:
        raise TokenRequestError(f"no account with email {normalise_email(email)}")
    if refusal := refusal_for_user(user, now):
        raise TokenRequestError(f"{user.email} cannot have a token: the account is {refusal.replace('_', ' ')}")
    secret = SCHEME + secrets.token_urlsafe(32)
    with transaction():
        row = ApiToken(
            user=user,
            name=label,
            prefix=secret[:PREFIX_LENGTH],
            token_hash=hash_secret(secret),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        db.session.add(row)
        db.session.flush()
        audit.record(
            "api_token.create",
            "success",
            actor=actor,
            record_ids=[f"api_token:{row.id}", f"user:{user.id}"],
            detail={"for": user.email, "name": label, "expires_at": row.expires_at.isoformat()},
        )
    return NewToken(row, secret)


def list_tokens(email: str | None = None) -> list[ApiToken]:
    """Every token (or one user's), newest first, with their users loaded."""
    query = select(ApiToken).join(ApiToken.user).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if email:
        query = query.where(User.email == normalise_email(email))
    return list(db.session.scalars(query))


def get_token(token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise TokenNotFound(f"no API token {token_id}")
    return row


def revoke_token(token_id: int, *, actor: Actor, now: datetime | None = None) -> ApiToken:
    """Revoke a token now (it fails on its next call); revoking it again changes nothing. Commits once."""
    now = now or utcnow()
    with transaction():
        row = get_token(token_id)
        if row.revoked_at is None:
            row.revoked_at = now
            audit.record(
                "api_token.revoke",
                "success",
                actor=actor,
                record_ids=[f"api_token:{row.id}", f"user:{row.user_id}"],
                detail={"for": row.user.email, "name": row.name},
            )
    return row


def state(row: ApiToken, now: datetime | None = None) -> str:
    """active, expired or revoked: what a list shows."""
    now = now or utcnow()
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    return "active"


def refusal_for_user(user: User, now: datetime) -> str | None:
    """Why this user's tokens do not work now (disabled, locked, idle), or None."""
    if user.is_disabled:
        return "disabled"
    if user.is_locked:
        return "locked"
    if now - user.last_active_at >= IDLE_LIMIT:
        return "idle"
    return None


@dataclass(frozen=True)
class Presented:
    """What a bearer token presented on a call came to: its user when it works, else why not."""

    user: User | None
    token_id: int | None
    refusal: str | None


def authenticate(secret: str, now: datetime | None = None) -> Presented:
    """Check a presented token and its user on this call; touch last_used_at at most once a minute."""
    now = now or utcnow()
    if not TOKEN.fullmatch(secret):
        return Presented(None, None, "malformed")
    row = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_secret(secret))
        .options(joinedload(ApiToken.user).joinedload(User.agency))  # the audit actor names the agency
    ).one_or_none()
    if row is None:
        return Presented(None, None, "unknown")
    user = row.user
    status = state(row, now)
    refusal = refusal_for_user(user, now) if status == "active" else status
    if refusal is not None:
        return Presented(None, row.id, refusal)
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        with transaction():
            db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return Presented(user, row.id, None)
