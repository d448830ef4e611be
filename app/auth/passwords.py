"""Password rules and Argon2 hashing (CJIS v6.0 IA-5(1)(a); OWASP ASVS 5.0 §6.2)."""

import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.auth import breached

# NIST SP 800-63B-4 and ASVS 6.2.1 recommend 15 for a password that may be the only factor; officers
# may sign in without TOTP unless MFA_REQUIRED_ROLES says otherwise, so 15 applies to everyone.
MIN_LENGTH = 15
# ASVS 6.2.9 wants at least 64 accepted; the cap only stops absurd inputs. Never truncated.
MAX_LENGTH = 128
MIN_DISTINCT_CHARACTERS = 5

# CJIS v6.0 IA-5 f: change memorized secrets annually. ASVS 6.2.10 forbids periodic rotation; where the
# two differ the stricter rule wins (security-bar.md), so Envoy asks for a new password once a year.
MAX_AGE = timedelta(days=365)

# A temporary password Envoy makes for an administrator to read out (users.set_temporary_password): lower-case
# letters and digits without the ones that look alike (i, l, o, 0, 1), in five groups of four. 20 symbols from 31
# is 99 bits, far past guessing; the dashes are part of it and make it easy to read back.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_GROUPS = 5
TEMPORARY_GROUP_LENGTH = 4

LISTED = "This password is on the list of passwords found in breaches or commonly used; choose another."

# argon2-cffi's defaults are RFC 9106's low-memory profile (Argon2id, t=3, m=64 MiB, p=4, 16-byte salt).
# The test suite swaps `_hasher` for a cheap one (tests/conftest.py); nothing else may.
DEFAULT_HASHER = PasswordHasher()
_hasher = DEFAULT_HASHER


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))


def problems(password: str, *, email: str = "") -> list[str]:
    """Why this password is refused, in words the user can act on; an empty list means it is accepted.

    No composition rules (ASVS 6.2.5): length, the breached and common password list (in the forms an attacker
    tries first, breached.forms) and the account's own name only.
    """
    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append(f"Use at least {MIN_LENGTH} characters; a few words with spaces between them work well.")
    if len(password) > MAX_LENGTH:
        found.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS:
        found.append("This password repeats too few different characters; choose another.")
    elif len(password) <= MAX_LENGTH and breached.is_listed(password):
        found.append(LISTED)
    local_part = email.partition("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        found.append("Do not use your email address in your password.")
    return found


def temporary_password(*, email: str = "") -> str:
    """A new random password for an administrator to hand over, from `secrets`; it passes the rules for `email`."""
    while True:  # a draw the rules refuse (the email's name in it) is vanishingly rare: draw again
        groups = (
            "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_GROUP_LENGTH))
            for _ in range(TEMPORARY_GROUPS)
        )
        password = "-".join(groups)
        if not problems(password, email=email):
            return password


def change_due(changed_at: datetime, must_change: bool, now: datetime) -> bool:
    """True when the user must choose a new password before doing anything else."""
    return must_change or now - changed_at >= MAX_AGE


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def burn_verify_time(password: str) -> None:
    """Spend the time a real verification would, so an unknown email answers as slowly as a known one."""
    verify_password(_dummy_hash(), password)
