"""The card-signing key ring: public halves from the database, the active private half from disk or environment.

Private keys never go in the database, a response or a log. The active key's private half is read
from `ENVOY_SIGNING_KEY_PEM` when `ENVOY_SIGNING_KID` names it (production), else from
`<instance>/keys/<kid>.pem` (mode 0600). Verification needs only public halves and never reads them.
"""

import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import func, select

from app.audit import service as audit
from app.cards import tokens
from app.cards.tokens import KeyRing, KeyRingError, KeyStatus
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models import Card
from app.models import SigningKey as KeyRow

KEY_FOLDER = "keys"
ENV_KID = "ENVOY_SIGNING_KID"
ENV_PEM = "ENVOY_SIGNING_KEY_PEM"
# A retired key keeps verifying until the last card it can have signed expires, plus this grace, so that
# an expired card still reads "expired" (the true reason) rather than "key withdrawn" for a while.
RETIRED_GRACE = timedelta(days=30)
_CACHE = "envoy.keyring"


class KeyAdminError(DomainError, ValueError):
    """A key operation that cannot be done as asked (unknown kid, already withdrawn, no private key)."""


@dataclass(frozen=True)
class KeyInfo:
    """What `keys list` shows: never private material."""

    kid: str
    status: KeyStatus
    created_at: datetime
    retired_at: datetime | None
    withdrawn_at: datetime | None
    not_after: datetime | None
    private_here: bool


@dataclass(frozen=True)
class Rotation:
    kid: str
    retired_kid: str | None
    retired_not_after: datetime | None
    key_file: Path | None


@dataclass(frozen=True)
class _Cached:
    fingerprint: tuple[tuple[Any, ...], ...]
    ring: KeyRing
    keys: tuple[tokens.SigningKey, ...]


def load_ring() -> KeyRing:
    """The verification ring (public halves only), cached per app until the signing_keys table changes.

    One small query per call compares every row's kid, status, not_after and public key with the
    cached copy, so a withdrawal made by any process takes effect on the next scan everywhere.
    """
    return _verification_cache().ring


def verifying_keys(now: datetime) -> tuple[tokens.SigningKey, ...]:
    """The keys that may verify a token at `now` (public halves only)."""
    return tuple(key for key in _verification_cache().keys if key.verifies_at(now))


def jwks(now: datetime) -> dict[str, Any]:
    """The public JWK Set for offline verifiers: keys that verify at `now`, never private parts."""
    return KeyRing(verifying_keys(now)).jwks()


def signing_ring() -> KeyRing:
    """A ring whose active key carries its private half, for issuing tokens; KeyRingError says what is missing."""
    rows = _rows()
    active = next((row for row in rows if row[1] is KeyStatus.ACTIVE), None)
    if active is None:
        raise KeyRingError("no active signing key: run `flask --app wsgi keys rotate`")
    private = read_private(active[0])
    keys = [_key(row, private if row is active else None) for row in rows]
    return KeyRing(keys)


def read_private(kid: str) -> bytes:
    """The private PEM for `kid`: from the environment when ENVOY_SIGNING_KID names it, else the key file."""
    if _setting(ENV_KID) == kid:
        pem = _setting(ENV_PEM)
        if not pem:
            raise KeyRingError(f"{ENV_KID} names {kid!r} but {ENV_PEM} is empty")
        # Environment files often carry the PEM on one line with literal "\n".
        return (pem.replace("\\n", "\n") if "\n" not in pem else pem).encode()
    path = key_path(kid)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyRingError(
            f"the private key of active key {kid!r} is not here: expected {path} or {ENV_KID}/{ENV_PEM}"
        ) from None
    if stat.S_IMODE(mode) & 0o077:
        raise KeyRingError(f"{path} is readable by other users; run `chmod 600 {path}`")
    return path.read_bytes()


def key_path(kid: str) -> Path:
    if not tokens.KID.fullmatch(kid):
        raise KeyAdminError("not a key id")
    return Path(current_app.instance_path) / KEY_FOLDER / f"{kid}.pem"


def list_keys() -> list[KeyInfo]:
    rows = db.session.scalars(select(KeyRow).order_by(KeyRow.created_at, KeyRow.id)).all()
    env_kid = _setting(ENV_KID)
    return [
        KeyInfo(
            kid=row.kid,
            status=row.status,
            created_at=row.created_at,
            retired_at=row.retired_at,
            withdrawn_at=row.withdrawn_at,
            not_after=row.not_after,
            private_here=row.kid == env_kid or key_path(row.kid).exists(),
        )
        for row in rows
    ]


def rotate(now: datetime, from_environment: bool = False) -> Rotation:
    """Make a new active key and retire the previous one, in one transaction, audited.

    A new key pair is written to `<instance>/keys/<kid>.pem` (0600); with `from_environment`, the key in
    ENVOY_SIGNING_KID / ENVOY_SIGNING_KEY_PEM is adopted instead and nothing is written to disk.
    The retired key verifies until `retired_not_after(now)`; its private file is deleted after the commit.
    """
    existing = set(db.session.scalars(select(KeyRow.kid)))
    if from_environment:
        kid = _setting(ENV_KID) or ""
        if not tokens.KID.fullmatch(kid):
            raise KeyAdminError(f"{ENV_KID} must be 1-8 characters of A-Z, a-z, 0-9, '-' and '_'")
        if kid in existing:
            raise KeyAdminError(f"key {kid!r} is already in the ring; a key id is never reused")
        new_key = _adopt(kid, read_private(kid))
    else:
        new_key = tokens.generate_key(tokens.new_kid(existing))
    key_file: Path | None = None
    try:
        with transaction():
            previous = db.session.scalar(select(KeyRow).where(KeyRow.status == KeyStatus.ACTIVE))
            not_after = retired_not_after(now) if previous else None
            if previous is not None:
                previous.status = KeyStatus.RETIRED
                previous.retired_at = now
                previous.not_after = not_after
                # The one-active index must see the old key retired before the new one arrives.
                db.session.flush()
            db.session.add(
                KeyRow(kid=new_key.kid, public_pem=new_key.public_pem.decode(), status=KeyStatus.ACTIVE, created_at=now)
            )
            key_file = None if from_environment else _write_private(new_key)
            audit.record(
                "admin.key_rotate",
                "ok",
                record_ids=[f"key:{new_key.kid}", *([f"key:{previous.kid}"] if previous else [])],
                detail={
                    "kid": new_key.kid,
                    "retired": previous.kid if previous else None,
                    "source": "environment" if from_environment else "file",
                },
            )
    except Exception:
        if key_file is not None:
            key_file.unlink(missing_ok=True)
        raise
    if previous is not None:
        _delete_private(previous.kid)
    return Rotation(new_key.kid, previous.kid if previous else None, not_after, key_file)


def withdraw(kid: str, now: datetime) -> KeyInfo:
    """Withdraw a (compromised) key: every card it signed stops verifying at once. Audited."""
    row = db.session.scalar(select(KeyRow).where(KeyRow.kid == kid))
    if row is None:
        raise KeyAdminError(f"no key {kid!r} in the ring")
    if row.status is KeyStatus.WITHDRAWN:
        raise KeyAdminError(f"key {kid!r} was already withdrawn on {row.withdrawn_at:%Y-%m-%d %H:%M} UTC")
    was = row.status
    with transaction():
        row.status = KeyStatus.WITHDRAWN
        row.withdrawn_at = now
        audit.record("admin.key_withdraw", "ok", record_ids=[f"key:{kid}"], detail={"kid": kid, "was": str(was)})
    _delete_private(kid)
    return next(info for info in list_keys() if info.kid == kid)


def retired_not_after(now: datetime) -> datetime:
    """Until when a key retired at `now` must keep verifying.

    A retired key signs nothing more, and each token's `exp` is the printed expiry of its card, so no
    token it signed outlives the latest card expiry in the registry (capped at the longest card life).
    """
    latest = db.session.scalar(select(func.max(Card.expires_on)))
    last = now
    if latest is not None:
        last_exp = datetime.fromtimestamp(tokens.expiry_timestamp(latest), UTC)
        last = max(now, min(last_exp, now + tokens.MAX_CARD_LIFE))
    return last + RETIRED_GRACE


def _verification_cache() -> _Cached:
    rows = _rows()
    fingerprint = tuple(rows)
    cached: _Cached | None = current_app.extensions.get(_CACHE)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    keys = tuple(_key(row, None) for row in rows)
    cached = _Cached(fingerprint, KeyRing(keys), keys)
    current_app.extensions[_CACHE] = cached
    return cached


def _rows() -> list[tuple[Any, ...]]:
    result = db.session.execute(
        select(KeyRow.kid, KeyRow.status, KeyRow.not_after, KeyRow.public_pem).order_by(KeyRow.kid)
    )
    return [tuple(row) for row in result]


def _key(row: tuple[Any, ...], private: bytes | None) -> tokens.SigningKey:
    kid, status, not_after, public_pem = row
    return tokens.SigningKey(
        kid=kid, public_pem=public_pem.encode(), private_pem=private, status=status, not_after=not_after
    )


def _adopt(kid: str, private_pem: bytes) -> tokens.SigningKey:
    try:
        private = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as error:
        raise KeyAdminError(f"{ENV_PEM} is not an unencrypted PEM private key") from error
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(private.curve, ec.SECP256R1):
        raise KeyAdminError(f"{ENV_PEM} must be a P-256 (ES256) key")
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return tokens.SigningKey(
        kid=kid, public_pem=public, private_pem=private_pem, status=KeyStatus.ACTIVE, not_after=None
    )


def _write_private(key: tokens.SigningKey) -> Path:
    assert key.private_pem is not None
    path = key_path(key.kid)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.private_pem)
    return path


def _delete_private(kid: str) -> None:
    """Only the active key needs its private half; a retired or withdrawn one is removed from disk."""
    key_path(kid).unlink(missing_ok=True)


def _setting(name: str) -> str | None:
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    return str(value) if value else None
