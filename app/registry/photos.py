"""Registry photos: checked on the way in, kept in the instance folder under content-addressed names."""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.files import write_once
from app.registry.columns import BadValue, shown

PHOTO_DIR = "photos"
MAX_BYTES = 5 * 1024 * 1024
# Security bar 5.2.1–5.2.2: the name is not trusted; the first bytes must say the same thing.
_KIND_BY_SUFFIX = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
_MAGIC = {"JPEG": b"\xff\xd8\xff", "PNG": b"\x89PNG\r\n\x1a\n"}
_STORED_SUFFIX = {"JPEG": ".jpg", "PNG": ".png"}
_DRIVE = re.compile(r"[A-Za-z]:")
# Any plain file name in photos/; the import writes photos/<person_id>-<16 hex><suffix>.
_STORED_NAME = re.compile(r"photos/[A-Za-z0-9][A-Za-z0-9._-]*\.(jpg|jpeg|png)")


@dataclass(frozen=True)
class PhotoSource:
    """A checked photo in an interchange folder."""

    path: Path
    kind: str  # "JPEG" or "PNG"
    digest: str  # SHA-256, hex

    def stored_name(self, person_id: str) -> str:
        return _stored_name(person_id, self.digest, self.kind)


def _stored_name(person_id: str, digest: str, kind: str) -> str:
    """The instance-relative name; it changes whenever the content does, so a copy never overwrites one in use."""
    return f"{PHOTO_DIR}/{person_id}-{digest[:16]}{_STORED_SUFFIX[kind]}"


def check_source(folder: Path, relative: str) -> PhotoSource:
    """Check a `photo_file` value: a relative path to a JPEG or PNG inside the folder, nothing else."""
    quoted = f"photo_file '{shown(relative)}'"
    if "\\" in relative:
        raise BadValue(f"{quoted} must use '/' between folder names")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or _DRIVE.match(relative):
        raise BadValue(f"{quoted} must be a path relative to the registry folder")
    if ".." in pure.parts:
        raise BadValue(f"{quoted} must not leave the registry folder ('..')")
    path = folder / pure
    # A symbolic link may still point outside the folder.
    if not path.resolve().is_relative_to(folder.resolve()):
        raise BadValue(f"{quoted} must not leave the registry folder (symbolic link)")
    if not path.is_file():
        raise BadValue(f"{quoted} not found in the registry folder")
    expected = _KIND_BY_SUFFIX.get(pure.suffix.lower())
    if expected is None:
        raise BadValue(f"{quoted} must be a .jpg, .jpeg or .png file")
    if path.stat().st_size > MAX_BYTES:
        raise BadValue(f"{quoted} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    content = path.read_bytes()
    if not content.startswith(_MAGIC[expected]):
        raise BadValue(f"{quoted} is not a {expected} image")
    return PhotoSource(path, expected, hashlib.sha256(content).hexdigest())


def instance_file(instance_path: Path, stored_name: str) -> Path:
    """The file behind a stored name; refuses any name the registry would not have written."""
    if not _STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a registry photo name: {stored_name!r}")
    return instance_path / stored_name


def install(instance_path: Path, source: PhotoSource, stored_name: str) -> bool:
    """Copy a photo into the instance folder unless it is already there; True when a file was written."""
    target = instance_file(instance_path, stored_name)
    if target.is_file():  # the name holds the content's hash: the same name is the same photo
        return False
    _write(target, source.path.read_bytes())
    return True


def store(instance_path: Path, person_id: str, content: bytes) -> str:
    """Keep a JPEG or PNG made elsewhere (the demo seed's portraits) for a person; returns its stored name."""
    kind = next((kind for kind, magic in _MAGIC.items() if content.startswith(magic)), None)
    if kind is None:
        raise ValueError("a registry photo must be a JPEG or PNG image")
    name = _stored_name(person_id, hashlib.sha256(content).hexdigest(), kind)
    target = instance_file(instance_path, name)
    if not target.is_file():
        _write(target, content)
    return name


def _write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_once(target, content)  # the name holds the content's hash, so whoever writes it first is right


def remove(instance_path: Path, stored_names: Iterable[str]) -> None:
    """Delete photos the registry no longer refers to; a name it did not write is left alone."""
    for name in stored_names:
        try:
            instance_file(instance_path, name).unlink(missing_ok=True)
        except ValueError:
            continue


def exported_name(person_id: str, stored_name: str) -> str:
    """The folder-relative name an export gives a person's photo."""
    return f"{PHOTO_DIR}/{person_id}{PurePosixPath(stored_name).suffix}"
