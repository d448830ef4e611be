"""The offline list of breached and common passwords (CJIS v6.0 IA-5(1)(a); OWASP ASVS 5.0 6.2.4 and 6.2.12).

The list ships as a sorted file of truncated SHA-256 hashes (`data/breached-passwords.bin`, rebuilt by
`tools/build_breached_passwords.py`): Envoy never calls out to a breach service. A password is looked up in every
form an attacker would try first: lower-cased, with the usual letter-for-symbol swaps undone, with digits and
punctuation stripped from its ends, and as the one word it repeats (P@ssw0rdP@ssw0rd is "password" twice).

File layout (every integer little-endian):
- 8 bytes MAGIC, then the entry count (4 bytes);
- the bucket index: BUCKETS + 1 offsets of 4 bytes; bucket b holds entries index[b] up to index[b + 1];
- the entries, sorted: the REMAINDER_BYTES hash bytes after the two that name the bucket.
An entry is the first 40 bits of SHA-256 over the lower-cased password in UTF-8, so a password not on the list
matches by chance with probability entries / 2**40 per form looked up (about 1.1e-6 for 1.2 million entries).
"""

import bisect
import hashlib
import json
import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

FILE = Path(__file__).resolve().parent / "data" / "breached-passwords.bin"
MANIFEST = FILE.with_suffix(".json")
# CJIS v6.0 IA-5(1)(a): the blocklist is refreshed quarterly. Older than this, the admin's alerts page and the
# production start say so (README: "The breached-password list").
QUARTER = timedelta(days=92)
MAGIC = b"ENVOYBP1"
BUCKET_BYTES = 2
BUCKETS = 256**BUCKET_BYTES
REMAINDER_BYTES = 3
HASH_BYTES = BUCKET_BYTES + REMAINDER_BYTES
COUNT_AT = len(MAGIC)
INDEX_AT = COUNT_AT + 4
ENTRIES_AT = INDEX_AT + 4 * (BUCKETS + 1)

DECORATION = string.digits + string.punctuation + string.whitespace
# The swaps people make to "strengthen" a word. 1 and | stand for either i or l, so both readings are tried.
_LEET = {"@": "a", "4": "a", "8": "b", "(": "c", "3": "e", "€": "e", "6": "g", "9": "g", "#": "h", "!": "i"}
_LEET |= {"0": "o", "5": "s", "$": "s", "7": "t", "+": "t", "2": "z"}
LEET_AS_I = str.maketrans(_LEET | {"1": "i", "|": "i"})
LEET_AS_L = str.maketrans(_LEET | {"1": "l", "|": "l"})
SEPARATORS = re.compile(r"[\W_]+")
# People decorate a word with digits and a mark or two ("Password2024!!"); a short core inside many different
# marks is a random string, not a decorated word, so it is not stripped ("?{'^=4.dV33_*9" is not "dv").
MAX_DECORATION_MARKS = 3
# Each form looked up adds entries / 2**40 to the chance of refusing a good password; a password has a handful.
MAX_FORMS = 32


class ListFormatError(ValueError):
    """The file is not a breached-password list in this format (or was cut short)."""


def digest(password: str) -> bytes:
    """The HASH_BYTES an entry keeps of a password: the start of SHA-256 over its lower-cased UTF-8."""
    return hashlib.sha256(password.lower().encode("utf-8")).digest()[:HASH_BYTES]


def encode(passwords: Iterable[str]) -> bytes:
    """The list file for these passwords; the same set of passwords gives the same bytes, whatever the order."""
    digests = sorted({digest(password) for password in passwords if password})
    index = bytearray()
    position = 0
    for bucket in range(BUCKETS + 1):
        while position < len(digests) and int.from_bytes(digests[position][:BUCKET_BYTES], "big") < bucket:
            position += 1
        index += position.to_bytes(4, "little")
    entries = b"".join(d[BUCKET_BYTES:] for d in digests)
    return MAGIC + len(digests).to_bytes(4, "little") + bytes(index) + entries


@dataclass(frozen=True)
class HashList:
    """A list file read into memory; `password in hash_list` looks up that exact (lower-cased) password."""

    data: bytes = field(repr=False)

    @classmethod
    def from_bytes(cls, data: bytes) -> "HashList":
        if data[:COUNT_AT] != MAGIC or len(data) < ENTRIES_AT:
            raise ListFormatError("not a breached-password list file")
        hash_list = cls(data)
        if len(data) != ENTRIES_AT + REMAINDER_BYTES * len(hash_list) or hash_list._offset(BUCKETS) != len(hash_list):
            raise ListFormatError("the breached-password list file is cut short or damaged")
        return hash_list

    def __len__(self) -> int:
        return int.from_bytes(self.data[COUNT_AT:INDEX_AT], "little")

    def _offset(self, bucket: int) -> int:
        at = INDEX_AT + 4 * bucket
        return int.from_bytes(self.data[at : at + 4], "little")

    def __contains__(self, password: object) -> bool:
        if not isinstance(password, str):
            return False
        wanted = digest(password)
        bucket = int.from_bytes(wanted[:BUCKET_BYTES], "big")
        rest = wanted[BUCKET_BYTES:]
        entries = range(self._offset(bucket), self._offset(bucket + 1))
        found = bisect.bisect_left(entries, rest, key=self._remainder)
        return found < len(entries) and self._remainder(entries[found]) == rest

    def _remainder(self, entry: int) -> bytes:
        at = ENTRIES_AT + REMAINDER_BYTES * entry
        return self.data[at : at + REMAINDER_BYTES]


@lru_cache(maxsize=1)
def shipped() -> HashList:
    """The list in the repository, read once per process at the first password check (about 4 MB)."""
    return HashList.from_bytes(FILE.read_bytes())


def built_on() -> date:
    """The day the shipped list was built, from its manifest (tools/build_breached_passwords.py writes both)."""
    return date.fromisoformat(json.loads(MANIFEST.read_text(encoding="utf-8"))["built"])


def staleness(today: date) -> str | None:
    """What to tell the operators when the list is more than a quarter old; None while it is fresh."""
    built = built_on()
    if today - built <= QUARTER:
        return None
    return (
        f"The breached-password list was built on {built.isoformat()}, {(today - built).days} days ago: CJIS asks "
        "for a refresh every quarter. Rebuild it with tools/build_breached_passwords.py (README)."
    )


def _one_word(form: str) -> str:
    """The word a password repeats ("passwordpassword", "password password"), or the password itself."""
    words = [word for word in SEPARATORS.split(form) if word]
    if len(words) > 1 and len(set(words)) == 1:
        return words[0]
    length = len(form)
    for size in range(1, length // 2 + 1):
        if length % size == 0 and form[:size] * (length // size) == form:
            return form[:size]
    return form


def _undecorated(form: str) -> str:
    """The password without the digits and marks around it, when they look like decoration."""
    start = len(form) - len(form.lstrip(DECORATION))
    core = form[start:].rstrip(DECORATION)
    removed = form[:start] + form[start + len(core) :]
    return core if len(set(removed) - set(string.digits)) <= MAX_DECORATION_MARKS else form


_STEPS = (
    lambda form: form.translate(LEET_AS_I),
    lambda form: form.translate(LEET_AS_L),
    _undecorated,
    _one_word,
)


def forms(password: str) -> list[str]:
    """Every form of the password that is looked up: each step above applied, in any order, until nothing new."""
    found = dict.fromkeys([password.lower(), unicodedata.normalize("NFKC", password).lower()])
    todo = list(found)
    while todo and len(found) < MAX_FORMS:
        form = todo.pop(0)
        for step in _STEPS:
            changed = step(form)
            if changed and changed not in found and len(found) < MAX_FORMS:
                found[changed] = None
                todo.append(changed)
    return [form for form in found if form]


def is_listed(password: str, hash_list: HashList | None = None) -> bool:
    """True when any form of the password is on the list (the shipped one unless another is given)."""
    hash_list = shipped() if hash_list is None else hash_list
    return any(form in hash_list for form in forms(password))
