"""A card's current print: its signed verification URL and its QR images, signed and rendered once, kept on disk.

A print is identified by (card number, iat, exp, kid): `iat` is the card's `min_valid_iat`, so every
copy of the current print verifies and a reprint (which raises `min_valid_iat`) makes a new one.
ECDSA signatures are randomised, so the first URL signed for a print is kept in
`<instance>/qr-cache/` and reused by every process on the host; images are cached there too, by the
SHA-256 of the URL (rendering costs ~20 ms, stack-notes §2). Nothing here is secret beyond what is
printed on the card itself; private keys never come near this folder.
"""

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path

from flask import current_app

from app.cards import keyring, qr, tokens
from app.files import write_once
from app.models import Card

CACHE_FOLDER = "qr-cache"
FORMATS: dict[str, Callable[[str], bytes]] = {"png": qr.png, "svg": qr.svg}


def print_iat(card: Card, now: datetime) -> datetime:
    """The `iat` of the card's current print: its min_valid_iat, else the start of its issue day (never future)."""
    if card.min_valid_iat is not None:
        return card.min_valid_iat.replace(microsecond=0)
    return min(datetime.combine(card.issued_on, time(0, 0), tzinfo=UTC), now.replace(microsecond=0))


def print_url(card: Card, now: datetime) -> str:
    """BASE_URL/v/<token> for the card's current print, signed by the active key on first use.

    Raises ValueError when the card cannot carry a token (card number shape, expiry) and
    KeyRingError when there is no usable signing key.
    """
    base_url = current_app.config["BASE_URL"]
    iat = print_iat(card, now)
    exp = tokens.expiry_timestamp(card.expires_on)
    active = next((k.kid for k in keyring.verifying_keys(now) if k.status is tokens.KeyStatus.ACTIVE), None)
    if active is None:
        raise tokens.KeyRingError("no active signing key: run `flask --app wsgi keys rotate`")
    identity = f"{base_url}|{active}|{card.card_number}|{int(iat.timestamp())}|{exp}"
    memo = _folder() / (hashlib.sha256(identity.encode()).hexdigest() + ".url")
    if memo.exists():
        return memo.read_text(encoding="ascii")
    token = tokens.issue(card.card_number, card.expires_on, keyring.signing_ring(), iat)
    return write_once(memo, tokens.card_url(token, base_url).encode("ascii")).decode("ascii")


def image(url: str, fmt: str) -> bytes:
    """The QR image of `url` as PNG or SVG bytes, from the cache when rendered before."""
    render = FORMATS[fmt]
    path = _folder() / f"{hashlib.sha256(url.encode()).hexdigest()}.{fmt}"
    if path.exists():
        return path.read_bytes()
    return write_once(path, render(url))


def _folder() -> Path:
    folder = Path(current_app.instance_path) / CACHE_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder
