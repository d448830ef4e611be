"""Letters from another alphabet in a typed plate or card number, named so the officer can retype them.

Greek Ζ and Cyrillic О look like Latin Z and O on screen but are other letters: a lookup refuses
them (SPEC §4: never a different match) and says which they are, never maps them to Latin.
"""

import unicodedata
from dataclasses import dataclass

# Letters proper; modifier letters (Lm) are marks such as ʼ, not letters an officer would type for one.
_LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lo"})
_CASE_WORDS = frozenset({"CAPITAL", "SMALL"})


@dataclass(frozen=True)
class ForeignLetter:
    """One letter from another alphabet, and where it stands among the letters and digits typed (first = 1)."""

    char: str
    script: str | None  # "Greek", "Cyrillic"; None when Unicode's name does not say
    name: str  # "Zeta", "O"; the code point when Unicode's name has no letter name
    positions: tuple[int, ...]

    def __str__(self) -> str:
        label = f"{self.script} {self.char}" if self.script else self.char
        return f"{label} ({self.name}) at {_positions(self.positions)}"


def foreign_letters(raw: str) -> tuple[ForeignLetter, ...]:
    """Every letter of `raw` that is not Latin, one entry per letter, in the order they first appear.

    Each character is read after Unicode NFKC, as the lookup reads it (SPEC §4): fullwidth Ｚ is Latin Z
    and is not reported. Positions count letters and digits only, as an officer counts along a plate or
    card number, so spaces, dashes and dots do not shift them.
    """
    found: dict[str, list[int]] = {}
    position = 0
    for char in raw:
        normalised = unicodedata.normalize("NFKC", char)
        if any(c.isalnum() for c in normalised):
            position += 1
        for c in normalised:
            if _is_foreign(c):
                found.setdefault(c, []).append(position)
    return tuple(ForeignLetter(c, *_script_and_name(c), tuple(ps)) for c, ps in found.items())


def retype_message(letters: tuple[ForeignLetter, ...]) -> str:
    """What the officer reads: which letters are from another alphabet, where, and what to do."""
    listed = "; ".join(str(letter) for letter in letters)
    if sum(len(letter.positions) for letter in letters) == 1:
        return (
            f"The field holds a letter from another alphabet that may look Latin: {listed}. "
            "Retype it on a Latin (English) keyboard."
        )
    return (
        f"The field holds letters from another alphabet that may look Latin: {listed}. "
        "Retype them on a Latin (English) keyboard."
    )


def _is_foreign(char: str) -> bool:
    if char.isascii() or unicodedata.category(char) not in _LETTER_CATEGORIES:
        return False
    return not unicodedata.name(char, "").startswith("LATIN ")


def _script_and_name(char: str) -> tuple[str | None, str]:
    """From Unicode's name: "GREEK CAPITAL LETTER ZETA" gives ("Greek", "Zeta")."""
    head, letter_word, tail = unicodedata.name(char, "").partition(" LETTER ")
    if not letter_word:
        return None, f"U+{ord(char):04X}"
    script = " ".join(word for word in head.split() if word not in _CASE_WORDS)
    return script.title() or None, tail.title()


def _positions(positions: tuple[int, ...]) -> str:
    """(1, 2, 3, 5) reads "positions 1–3, 5"; (4,) reads "position 4"."""
    runs: list[list[int]] = []
    for p in positions:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    spans = ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
    return f"position{'s' if len(positions) > 1 else ''} {spans}"
