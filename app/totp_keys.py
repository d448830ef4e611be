"""TOTP secrets sealed at rest (issue 12 item 6): AES-256-GCM under a key ring kept outside the database.

A stored value is `<key id>:<base64url(nonce + ciphertext + tag)>`, so it names the key that sealed it. The ring
comes from TOTP_KEYS ("v2:<base64 32 bytes>,v1:<...>", newest first); outside production, when TOTP_KEYS is
empty, from the 0600 file `totp-keys` in the instance folder, made with one new key on first use. Sealing uses
the newest key; opening uses whichever key the value names, so secrets sealed before a rotation keep working
until `flask users rotate-totp-key` re-seals them and the old key can leave the ring.

AES-256 because the security bar asks for FIPS 197 with 256-bit keys at rest (CJIS SC-28). The key id is the
associated data, so a value relabelled with another key's id does not open.
"""

import base64
import binascii
import logging
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app
from sqlalchemy import String, inspect, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

KEY_FILE = "totp-keys"
KEY_ID = re.compile(r"[a-z0-9]{1,16}")
KEY_BYTES = 32
NONCE_BYTES = 12
EXTENSION = "envoy_totp_key_ring"


class KeyRingError(ValueError):
    """TOTP_KEYS (or the key file) cannot be used; the message says why, never a key."""


class UnreadableSecret(str):
    """A stored secret no key in the ring opens (changed in the database, or its key left the ring).

    It stands in for the secret so the account still counts as enrolled and every code is refused (fail
    closed); totp.matching_step refuses it before any arithmetic. Its text is no valid base32.
    """

    def __new__(cls) -> "UnreadableSecret":
        return super().__new__(cls, "!unreadable")


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]  # (id, 32-byte key), newest first

    @property
    def newest_id(self) -> str:
        return self.keys[0][0]

    def seal(self, secret: str) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, secret.encode(), key_id.encode())
        return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        """The plain secret; KeyRingError if no key in the ring opens it."""
        key_id, _, body = stored.partition(":")
        key = dict(self.keys).get(key_id)
        if key is None:
            raise KeyRingError(f"sealed with key {key_id!r}, which is not in the ring")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag):
            raise KeyRingError(f"does not open with key {key_id!r}: changed or damaged") from None


def parse(text: str) -> KeyRing:
    """`id:base64key,...`, newest first: ids unique lower-case letters and digits, keys 32 bytes."""
    keys: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, colon, encoded = item.partition(":")
        if not colon or not KEY_ID.fullmatch(key_id):
            raise KeyRingError("each TOTP key is id:base64 with an id of 1-16 lower-case letters or digits")
        try:
            key = base64.b64decode(encoded.strip().replace("-", "+").replace("_", "/"), validate=True)
        except binascii.Error:
            raise KeyRingError(f"TOTP key {key_id!r} is not base64") from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"TOTP key {key_id!r} must be {KEY_BYTES} random bytes (AES-256), not {len(key)}")
        if key_id in dict(keys):
            raise KeyRingError(f"TOTP key id {key_id!r} appears twice")
        keys.append((key_id, key))
    if not keys:
        raise KeyRingError("no TOTP key given")
    return KeyRing(tuple(keys))


def new_key_text(key_id: str = "v1") -> str:
    """One ring entry with a fresh random key, as TOTP_KEYS and the key file spell it."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def read_or_create_key_file(folder: Path) -> str:
    """The instance folder's key file, made 0600 with one new key if missing (development and tests only).

    Written under another name and linked into place, so two processes starting at once agree on one key.
    """
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key_text() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    return path.read_text()


def key_ring() -> KeyRing:
    """The current app's ring, read once per app (TOTP_KEYS, or the instance key file outside production)."""
    ring = current_app.extensions.get(EXTENSION)
    if ring is None:
        text = current_app.config["TOTP_KEYS"]
        if not text:
            if current_app.config["ENVOY_ENV"] == "production":
                raise KeyRingError("production needs TOTP_KEYS")  # check_production refuses this first
            text = read_or_create_key_file(Path(current_app.instance_path))
        ring = current_app.extensions[EXTENSION] = parse(text)
    return ring


def check_opens_stored(ring: KeyRing, stored: Iterable[str]) -> None:
    """Refuse a ring that cannot open what the database holds (KeyRingError): a key id the ring lacks, or a key
    that opens none of the first three values sealed under its id (a wrong key, not one damaged row).

    Run at start in production, so a forgotten or mistyped key stops the app instead of locking every
    enrolled user out one sign-in at a time. Plain values (not yet migrated) are left to the migration.
    """
    by_key: dict[str, list[str]] = {}
    for value in stored:
        if is_sealed(value):
            by_key.setdefault(value.partition(":")[0], []).append(value)
    known = dict(ring.keys)
    for key_id, values in sorted(by_key.items()):
        if key_id not in known:
            raise KeyRingError(
                f"{len(values)} stored TOTP secret(s) are sealed with key {key_id!r}; it is not in the ring"
            )
        if not any(_opens(ring, value) for value in values[:3]):
            raise KeyRingError(f"TOTP key {key_id!r} opens none of the stored secrets sealed with it: a wrong key")


def _opens(ring: KeyRing, stored: str) -> bool:
    try:
        ring.open(stored)
    except KeyRingError:
        return False
    return True


def is_sealed(stored: str) -> bool:
    """Sealed values carry a key id and a colon; a base32 secret never has a colon."""
    return ":" in stored


class SealedSecret(TypeDecorator[str]):
    """A column that holds the plain secret in Python and only its sealed form in the database."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, UnreadableSecret):
            raise KeyRingError("an unreadable TOTP secret cannot be written back")
        return key_ring().seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return key_ring().open(value)
        except KeyRingError as error:
            log.error("TOTP secret unreadable, its sign-ins are refused: %s", error)
            return UnreadableSecret()


def stored_secrets_check(app: Flask) -> None:
    """check_opens_stored against the database; skipped before the users table exists or if it does not answer."""
    from app.extensions import db

    with app.app_context():
        try:
            if not inspect(db.engine).has_table("users"):
                return
            with db.engine.connect() as connection:
                stored = connection.execute(text("SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL"))
                values = [row[0] for row in stored]
        except OperationalError as error:
            log.warning("TOTP keys not checked against the database, which did not answer: %s", error.orig)
            return
        finally:
            db.engine.dispose()  # no connection left open by a refused start, or carried into a forked worker
        check_opens_stored(key_ring(), values)
