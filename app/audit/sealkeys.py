"""The keys that sign audit seals: Ed25519, kept in a folder outside the database, newest first.

A key ring, so keys can rotate without breaking old seals: the newest private key signs new seals, and every
key in the folder (private `<kid>.pem`, or only its public half `<kid>.pub.pem` once the private one is retired
elsewhere) still verifies the seals it signed. The folder is AUDIT_SEAL_KEY_DIR (default: the instance folder's
audit-seal-keys/); back it up apart from the database, since a seal can only be checked with its key.
"""

import os
import re
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

KID = re.compile(r"s\d{20}-[0-9a-f]{6}")
PRIVATE_SUFFIX = ".pem"
PUBLIC_SUFFIX = ".pub.pem"


class SealKeyError(RuntimeError):
    """No usable signing key, or a key file that must not be used (readable by others, not Ed25519)."""


@dataclass(frozen=True)
class SealKey:
    kid: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None


def folder() -> Path:
    configured = current_app.config.get("AUDIT_SEAL_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-seal-keys"


def ring() -> dict[str, SealKey]:
    """Every key in the folder, by kid."""
    keys: dict[str, SealKey] = {}
    base = folder()
    if not base.is_dir():
        return keys
    for path in sorted(base.iterdir()):
        if path.name.endswith(PUBLIC_SUFFIX):
            kid = path.name.removesuffix(PUBLIC_SUFFIX)
            if KID.fullmatch(kid) and kid not in keys:
                public = serialization.load_pem_public_key(path.read_bytes())
                if not isinstance(public, Ed25519PublicKey):
                    raise SealKeyError(f"{path} is not an Ed25519 public key")
                keys[kid] = SealKey(kid, public, None)
        elif path.name.endswith(PRIVATE_SUFFIX):
            kid = path.name.removesuffix(PRIVATE_SUFFIX)
            if KID.fullmatch(kid):
                private = _load_private(path)
                keys[kid] = SealKey(kid, private.public_key(), private)
    return keys


def signing_key(*, create: bool = True) -> SealKey:
    """The newest private key; the first one is made when there is none and `create` allows it."""
    usable = [key for key in ring().values() if key.private is not None]
    if usable:
        return max(usable, key=lambda key: key.kid)
    if not create:
        raise SealKeyError(f"no audit seal key in {folder()}: run `flask audit keys rotate`")
    return rotate()


def rotate() -> SealKey:
    """Make a new key; it signs every seal from now on, and the older keys stay to verify theirs."""
    base = folder()
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    kid = f"s{datetime.now(UTC):%Y%m%d%H%M%S%f}-{secrets.token_hex(3)}"
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: never overwrite a key; 0600 from the start, never readable by others even for a moment.
    descriptor = os.open(base / f"{kid}{PRIVATE_SUFFIX}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return SealKey(kid, private.public_key(), private)


def sign(key: SealKey, message: bytes) -> str:
    if key.private is None:
        raise SealKeyError(f"audit seal key {key.kid} has no private half here")
    return key.private.sign(message).hex()


def signature_holds(key: SealKey, message: bytes, signature: str) -> bool:
    try:
        key.public.verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _load_private(path: Path) -> Ed25519PrivateKey:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise SealKeyError(f"{path} is readable by other users; run `chmod 600 {path}`")
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise SealKeyError(f"{path} is not an Ed25519 private key")
    return private
