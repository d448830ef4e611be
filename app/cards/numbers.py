"""Card numbers: the printed format, what a lookup and a QR token accept, and how a typed number is read."""

import re
import unicodedata

# The printed format: the card family's two letters (cards.admin.NUMBER_PREFIX), six digits. The officer page's
# "auto" field reads this shape as a card number, and a miss under Plate retries it as one.
PRINTED = re.compile(r"[A-Z]{2}[0-9]{6}")
# What a lookup takes as a card number once compacted: older and foreign registry formats too, not only PRINTED.
TYPED = re.compile(r"[A-Z0-9]{4,20}")
# What a QR token's `cid` may carry: the cards.card_number column's shape (String(20)), upper-case letters and
# digits with inner hyphens. Wider than TYPED on purpose: a token carries the stored number exactly, while a typed
# number is compacted (its hyphens dropped) first.
IN_TOKEN = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{0,18}[A-Z0-9])?")


def compact(raw: str) -> str:
    """A card number as printed or read out: no spaces or dashes, upper case; fullwidth digits as digits (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).replace("-", "").upper()
