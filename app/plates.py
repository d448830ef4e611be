"""Plate input: one canonical form, a layout hint, and the near-match variants (SPEC §4)."""

import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

MAX_LENGTH = 10
ALPHABET = string.ascii_uppercase + string.digits
_ALLOWED = frozenset(string.ascii_letters + string.digits)
# U+2212 MINUS SIGN is not a dash (category Sm) but looks like one on every keyboard that has it.
_MINUS_SIGN = "\u2212"

# SPEC §4: the usual misreads, read both ways.
MISREAD_PAIRS = ("O0", "I1", "B8", "S5", "Z2")
MISREADS = {a: b for pair in MISREAD_PAIRS for a, b in (pair, pair[::-1])}

STATUS_MEANINGS = {
    # Facts §3, "Status letters".
    "D": "Diplomat (member with diplomatic rank)",
    "C": "Consular personnel",
    "S": "Non-diplomatic staff (administrative and technical)",
    "A": (
        "UN Secretariat or international organization "
        "(meaning not confirmed: sources disagree, and State's 2007 plates list only D, S and C)"
    ),
}
NEW_YORK_CAVEAT = (
    "The reversed New York/UN layout is documented for plates before 2007; "
    "whether current plates keep it is not confirmed."
)

_WASHINGTON = re.compile(r"([DCSA])([A-Z]{2})([0-9]{1,4})")
_NEW_YORK = re.compile(r"([0-9]{1,4})([A-Z]{2})([DCSA])")


class PlateError(ValueError):
    """Plate input that cannot be a plate; the message is for the user."""


@dataclass(frozen=True)
class PlateHint:
    """What the plate's shape suggests; a hint, never proof (facts §2.2, §3).

    `code` is OFM's plate code, not an ISO code: the registry's missions resolve it.
    """

    layout: Literal["washington", "new_york"]
    status_letter: str
    status_meaning: str
    code: str
    number: str
    caveat: str | None = None


def _is_separator(char: str) -> bool:
    if char.isspace() or char in (".", _MINUS_SIGN):
        return True
    return unicodedata.category(char) == "Pd"


def normalise(raw: str) -> str:
    """Return the canonical plate: NFKC, separators removed, A–Z and 0–9 only, upper case.

    Raises PlateError for empty input, for more than MAX_LENGTH characters, and for any
    character that is not an ASCII letter, digit, whitespace, dash or dot after NFKC;
    such characters are never dropped or transliterated (so "ß" is refused, not "SS").
    """
    kept = [c for c in unicodedata.normalize("NFKC", raw) if not _is_separator(c)]
    if not kept:
        raise PlateError("Enter a plate")
    if any(c not in _ALLOWED for c in kept):
        raise PlateError("A plate has only letters and digits")
    if len(kept) > MAX_LENGTH:
        raise PlateError(f"A plate has at most {MAX_LENGTH} letters and digits")
    return "".join(kept).upper()


def decode(plate: str) -> PlateHint | None:
    """Read the layout of a normalised plate (facts §3, "Format"), or None if it has neither."""
    if match := _WASHINGTON.fullmatch(plate):
        status, code, number = match.groups()
        return PlateHint("washington", status, STATUS_MEANINGS[status], code, number)
    if match := _NEW_YORK.fullmatch(plate):
        number, code, status = match.groups()
        return PlateHint("new_york", status, STATUS_MEANINGS[status], code, number, caveat=NEW_YORK_CAVEAT)
    return None


def variants(plate: str) -> list[str]:
    """Every plate one edit from a normalised plate, most likely misread first.

    Order: the SPEC's misreads (O/0, I/1, B/8, S/5, Z/2), any other substitution, a
    deletion, an insertion, then two neighbours swapped. Excludes the plate itself, the
    empty string and anything longer than MAX_LENGTH, so every variant is storable.
    """
    n = len(plate)
    candidates = [plate[:i] + MISREADS[c] + plate[i + 1 :] for i, c in enumerate(plate) if c in MISREADS]
    candidates += [plate[:i] + a + plate[i + 1 :] for i in range(n) for a in ALPHABET]
    candidates += [plate[:i] + plate[i + 1 :] for i in range(n)]
    if n < MAX_LENGTH:
        candidates += [plate[:i] + a + plate[i:] for i in range(n + 1) for a in ALPHABET]
    candidates += [plate[:i] + plate[i + 1] + plate[i] + plate[i + 2 :] for i in range(n - 1)]
    unique = dict.fromkeys(candidates)
    unique.pop(plate, None)
    unique.pop("", None)
    return list(unique)


def _rank(order: dict[str, int], found: Iterable[str], limit: int) -> list[str]:
    return sorted({f for f in found if f in order}, key=order.__getitem__)[:limit]


def rank_near_matches(plate: str, found: Iterable[str], limit: int = 5) -> list[str]:
    """Order plates found among `variants(plate)` by that order; others are ignored."""
    return _rank({v: i for i, v in enumerate(variants(plate))}, found, limit)


def near_matches(
    plate: str,
    lookup: Callable[[list[str]], Iterable[str]],
    limit: int = 5,
    chunk_size: int = 500,
) -> list[str]:
    """Up to `limit` existing plates one edit away, best first.

    `lookup(chunk)` returns which of the given plates exist, e.g. a
    `SELECT plate … WHERE plate IN (chunk)`; chunks go most likely first and the search
    stops once `limit` plates are found, so a typical plate costs one or two queries.
    """
    ordered = variants(plate)
    order = {v: i for i, v in enumerate(ordered)}
    found: list[str] = []
    for start in range(0, len(ordered), chunk_size):
        found += _rank(order, lookup(ordered[start : start + chunk_size]), limit)
        if len(found) >= limit:
            break
    return found[:limit]
