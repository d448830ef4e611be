"""Card QR tokens: ES256 signing keys, issuing, strict verification and reading scanner input (SPEC §4)."""

import base64
import binascii
import json
import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.cards.numbers import IN_TOKEN
from app.key_status import KeyStatus

ALGORITHM = "ES256"
# The whole allow-list. Never add an HS* algorithm next to ES256 (qr-tokens.md T3).
ALGORITHMS = [ALGORITHM]
REQUIRED_CLAIMS = ("cid", "iat", "exp")
HEADER_FIELDS = frozenset({"alg", "kid"})
# Only for an issuer clock running ahead (T6); `exp` gets none, the server clock decides (T5).
LEEWAY = timedelta(seconds=60)
# Longest card life we accept between `iat` and `exp` (T7); a policy bound, not a printed rule.
MAX_CARD_LIFE = timedelta(days=3653)
# Our tokens are about 200 characters; anything much longer is refused before parsing (T19).
MAX_TOKEN_CHARS = 512
MAX_SCAN_CHARS = 1024
# Short, so header and URL keep the QR at version 11-M or below (qr-tokens.md §2).
KID = re.compile(r"[A-Za-z0-9_-]{1,8}")
MAX_HEADER_KID_CHARS = 64
VERIFY_PATH = "/v/"

# Scanners add line ends, tabs and sometimes a NUL; nothing else is trimmed (T15).
_SCANNER_JUNK = string.whitespace + "\x00"
_SEGMENT = re.compile(r"([A-Za-z0-9_-]*)(={0,2})")
# Every JWS header is a JSON object, so its first segment starts with base64url of '{"'.
_TOKEN_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]*={0,2}\.[A-Za-z0-9_-]*={0,2}\.[A-Za-z0-9_-]*={0,2}")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_.=-]+")
_KID_ALPHABET = string.ascii_lowercase + string.digits
_NEW_KID_LENGTH = 5


class Reason(StrEnum):
    """Why a scanned code does not verify: SPEC §4's codes, plus `not_envoy` for foreign content."""

    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    KEY_WITHDRAWN = "key_withdrawn"
    EXPIRED = "expired"
    MALFORMED = "malformed"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    NOT_IN_REGISTRY = "not_in_registry"
    NOT_ENVOY = "not_envoy"


class TokenError(Exception):
    """A scanned code that must not be relied on. `detail` is a fixed phrase for logs, never token content."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


class KeyRingError(ValueError):
    """The key configuration cannot do what was asked (no signing key, duplicate kid, wrong curve)."""


@dataclass(frozen=True)
class SigningKey:
    """One ES256 key pair. `not_after`, when set, is the moment after which the key verifies nothing."""

    kid: str
    public_pem: bytes
    private_pem: bytes | None = field(repr=False)
    status: KeyStatus
    not_after: datetime | None

    def __post_init__(self) -> None:
        # A plain "withdrawn" string from storage must still compare as the enum member.
        object.__setattr__(self, "status", KeyStatus(self.status))
        if not KID.fullmatch(self.kid):
            raise KeyRingError("a kid is 1-8 characters of A-Z, a-z, 0-9, '-' and '_'")
        if self.not_after is not None and self.not_after.utcoffset() is None:
            raise KeyRingError("not_after must be timezone-aware")

    def verifies_at(self, now: datetime) -> bool:
        """Whether a token signed with this key may verify at `now` (withdrawn or lapsed keys may not)."""
        if self.status is KeyStatus.WITHDRAWN:
            return False
        return self.not_after is None or now <= self.not_after


@dataclass(frozen=True)
class VerifiedToken:
    card_number: str
    kid: str
    issued_at: datetime
    expires_at: datetime


def generate_key(kid: str) -> SigningKey:
    """Make a new active ES256 (P-256) key pair."""
    private = ec.generate_private_key(ec.SECP256R1())
    return SigningKey(
        kid=kid,
        public_pem=private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        private_pem=private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        status=KeyStatus.ACTIVE,
        not_after=None,
    )


def new_kid(existing: set[str]) -> str:
    """A short random kid not in `existing`: a letter then digits and letters, safe in URLs and shells."""
    while True:
        kid = secrets.choice(string.ascii_lowercase) + "".join(
            secrets.choice(_KID_ALPHABET) for _ in range(_NEW_KID_LENGTH - 1)
        )
        if kid not in existing:
            return kid


class KeyRing:
    """The kid → key allow-list. A kid from a token is only ever used as a key into this map (T10)."""

    def __init__(self, keys: Sequence[SigningKey]) -> None:
        self._keys: dict[str, SigningKey] = {}
        self._public: dict[str, ec.EllipticCurvePublicKey] = {}
        for key in keys:
            if key.kid in self._keys:
                raise KeyRingError(f"duplicate kid {key.kid!r}")
            self._keys[key.kid] = key
            self._public[key.kid] = _load_public(key.public_pem)
        if sum(key.status is KeyStatus.ACTIVE for key in keys) > 1:
            raise KeyRingError("more than one active key")

    def get(self, kid: str) -> SigningKey | None:
        return self._keys.get(kid)

    def signing_key(self) -> SigningKey:
        """The one active key, which signs every new token; KeyRingError if there is none or it cannot sign."""
        for key in self._keys.values():
            if key.status is KeyStatus.ACTIVE:
                if key.private_pem is None:
                    raise KeyRingError(f"active key {key.kid!r} has no private part here")
                return key
        raise KeyRingError("no active signing key; rotate keys first")

    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey:
        return self._public[kid]

    def jwks(self) -> dict[str, Any]:
        """The RFC 7517 JWK Set of the active and retired public keys. Never private parts, never withdrawn keys."""
        entries = []
        for kid, key in self._keys.items():
            if key.status is KeyStatus.WITHDRAWN:
                continue
            numbers = self._public[kid].public_numbers()
            entries.append(
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": _b64encode(numbers.x.to_bytes(32, "big")),
                    "y": _b64encode(numbers.y.to_bytes(32, "big")),
                    "kid": kid,
                    "alg": ALGORITHM,
                    "use": "sig",
                }
            )
        return {"keys": entries}


def expiry_timestamp(expires_on: date) -> int:
    """The token `exp` for a card printed with this expiry date: the last second of that day, UTC."""
    return int(datetime.combine(expires_on, time(23, 59, 59), tzinfo=UTC).timestamp())


def issue(card_number: str, expires_on: date, ring: KeyRing, now: datetime) -> str:
    """Sign a card's token with the active key: header {alg, kid} only, claims {cid, iat, exp} only.

    Raises ValueError for a card number or expiry that `verify` would refuse, so no card is ever
    printed with a code that cannot verify.
    """
    _require_aware(now)
    if not IN_TOKEN.fullmatch(card_number):
        raise ValueError("card number must be 1-20 of A-Z, 0-9 and inner hyphens")
    key = ring.signing_key()
    iat = int(now.timestamp())
    exp = expiry_timestamp(expires_on)
    if exp <= iat:
        raise ValueError("the card has already expired")
    if exp - iat > MAX_CARD_LIFE.total_seconds():
        raise ValueError(f"a card may be valid for at most {MAX_CARD_LIFE.days} days")
    if key.not_after is not None and datetime.fromtimestamp(exp, UTC) > key.not_after:
        raise KeyRingError(f"the card would outlive signing key {key.kid!r}; rotate keys first")
    private = _load_private(key, ring.public_key(key.kid))
    claims = {"cid": card_number, "iat": iat, "exp": exp}
    # typ=None drops PyJWT's default "typ": "JWT" header: 16 characters we do not need (stack-notes §2).
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": None})


def verify(raw: str, ring: KeyRing, now: datetime) -> VerifiedToken:
    """Check a scanned token's shape, key, signature, claims and times; raise TokenError with the reason.

    Only the header is read before the signature check, and only to pick the key from the ring.
    The result carries no token-derived bytes: two encodings of one card (T13 malleable signature,
    T14 padding) give equal results, so callers key revocation and caches on card number and `iat`.
    The registry check (revoked, superseded, not in registry) is the caller's next step.
    """
    _require_aware(now)
    token = _canonical(raw)
    header_segment, payload_segment, signature_segment = token.split(".")
    header = _json_object(_b64decode(header_segment))

    alg = header.get("alg")
    if not isinstance(alg, str):
        raise TokenError(Reason.MALFORMED, "header has no algorithm")
    if alg != ALGORITHM:
        # none, HS256 (public key as HMAC secret), RS256, "es256": nothing we could ever verify (T2, T3).
        raise TokenError(Reason.BAD_SIGNATURE, "algorithm not allowed")
    if header.keys() != HEADER_FIELDS:
        # jwk/jku/x5u (T11), crit (T12), typ (T20): our issuer never writes them.
        raise TokenError(Reason.MALFORMED, "unexpected header fields")
    kid = header["kid"]
    if not isinstance(kid, str) or not 1 <= len(kid) <= MAX_HEADER_KID_CHARS:
        raise TokenError(Reason.MALFORMED, "bad kid")
    key = ring.get(kid)
    if key is None:
        raise TokenError(Reason.UNKNOWN_KEY, "kid not in the key ring")
    if not key.verifies_at(now):
        raise TokenError(Reason.KEY_WITHDRAWN, "signing key withdrawn or lapsed")
    _b64decode(signature_segment)

    try:
        # PyJWT's own time checks read the wall clock, so we check times below against `now`.
        jwt.decode(
            token,
            ring.public_key(kid),
            algorithms=ALGORITHMS,
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as error:
        raise TokenError(Reason.BAD_SIGNATURE, "signature does not verify") from error
    except jwt.InvalidTokenError as error:
        raise TokenError(Reason.MALFORMED, "rejected by the decoder") from error

    claims = _json_object(_b64decode(payload_segment))
    if claims.keys() != set(REQUIRED_CLAIMS):
        # iss (T17), aud (T18), nbf or anything else: the claim set is fixed.
        raise TokenError(Reason.MALFORMED, "unexpected claims")
    card_number, iat, exp = claims["cid"], claims["iat"], claims["exp"]
    if not isinstance(card_number, str) or not IN_TOKEN.fullmatch(card_number):
        raise TokenError(Reason.MALFORMED, "bad card number")
    if type(iat) is not int or type(exp) is not int:
        # Not bool, float or numeric string, all of which PyJWT would coerce (T7, T8).
        raise TokenError(Reason.MALFORMED, "times must be integers")
    if iat < 0 or exp <= iat or exp - iat > MAX_CARD_LIFE.total_seconds():
        raise TokenError(Reason.MALFORMED, "validity exceeds policy")
    now_seconds = now.timestamp()
    if iat > now_seconds + LEEWAY.total_seconds():
        raise TokenError(Reason.MALFORMED, "issued in the future")
    if now_seconds >= exp:
        raise TokenError(Reason.EXPIRED, "past exp")
    return VerifiedToken(
        card_number=card_number,
        kid=kid,
        issued_at=datetime.fromtimestamp(iat, UTC),
        expires_at=datetime.fromtimestamp(exp, UTC),
    )


def card_url(token: str, base_url: str) -> str:
    """The URL printed in a card's QR code: BASE_URL/v/<token>."""
    return base_url.rstrip("/") + VERIFY_PATH + token


def extract(scanned: str, base_url: str) -> str:
    """The token inside what a scanner read: a bare token, or our own BASE_URL/v/<token> URL.

    Anything else is TokenError(not_envoy). Scheme and host must equal BASE_URL's exactly, and the
    returned token holds only base64url characters, dots and '=', so it can never become a redirect
    to another site.
    """
    base = urlsplit(base_url)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ValueError("BASE_URL must be an absolute http(s) URL")
    text = scanned.strip(_SCANNER_JUNK)
    if len(text) > MAX_SCAN_CHARS:
        raise TokenError(Reason.MALFORMED, "scan too long")
    if _TOKEN_SHAPE.fullmatch(text):
        return text
    try:
        url = urlsplit(text)
    except ValueError as error:
        raise TokenError(Reason.NOT_ENVOY, "not a URL") from error
    prefix = base.path.rstrip("/") + VERIFY_PATH
    if (
        url.scheme != base.scheme.lower()
        or url.netloc.lower() != base.netloc.lower()
        or not url.path.startswith(prefix)
    ):
        raise TokenError(Reason.NOT_ENVOY, "not a State Department card code")
    token = url.path.removeprefix(prefix)
    if url.query or url.fragment or not _TOKEN_CHARS.fullmatch(token):
        raise TokenError(Reason.MALFORMED, "our URL, but no token in it")
    return token


def _canonical(raw: str) -> str:
    """Trim scanner junk, cap the size and drop base64 padding (T14, T15, T19)."""
    text = raw.strip(_SCANNER_JUNK)
    if len(text) > MAX_TOKEN_CHARS:
        raise TokenError(Reason.MALFORMED, "token too long")
    segments = text.split(".")
    if len(segments) != 3:
        raise TokenError(Reason.MALFORMED, "not three segments")
    canonical = []
    for segment in segments:
        match = _SEGMENT.fullmatch(segment)
        if match is None or (match.group(2) and len(segment) % 4):
            raise TokenError(Reason.MALFORMED, "not base64url")
        canonical.append(match.group(1))
    return ".".join(canonical)


def _b64decode(segment: str) -> bytes:
    """Decode unpadded base64url, refusing non-canonical text such as set spare bits in the last character."""
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenError(Reason.MALFORMED, "not base64url") from error
    if _b64encode(data) != segment:
        raise TokenError(Reason.MALFORMED, "non-canonical base64url")
    return data


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_object(data: bytes) -> dict[str, Any]:
    """Parse a JSON object, refusing duplicate keys at any depth (T16) and NaN/Infinity."""
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise TokenError(Reason.MALFORMED, "not a JSON object") from error
    if not isinstance(value, dict):
        raise TokenError(Reason.MALFORMED, "not a JSON object")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _load_public(pem: bytes) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as error:
        raise KeyRingError("public key is not PEM") from error
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyRingError("public key is not P-256")
    return key


def _load_private(key: SigningKey, public: ec.EllipticCurvePublicKey) -> ec.EllipticCurvePrivateKey:
    """Load the signing half and check it matches the published half, or every card it signs would fail."""
    if key.private_pem is None:
        raise KeyRingError(f"key {key.kid!r} has no private part here")
    private = serialization.load_pem_private_key(key.private_pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.public_key().public_numbers() != (
        public.public_numbers()
    ):
        raise KeyRingError(f"private and public parts of key {key.kid!r} do not match")
    return private


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
