"""Registry photos: checked on the way in, kept in the instance folder under content-addressed names."""

import errno
import hashlib
import os
import re
import stat
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
    digest: str  # SHA-256, hex, of the bytes that were checked
    folder: Path  # the registry folder, which the photo is opened from one name at a time
    relative: str  # the photo_file value

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
    content = _read_plain_file(folder, relative, quoted)
    expected = _KIND_BY_SUFFIX.get(pure.suffix.lower())
    if expected is None:
        raise BadValue(f"{quoted} must be a .jpg, .jpeg or .png file")
    if not content.startswith(_MAGIC[expected]):
        raise BadValue(f"{quoted} is not a {expected} image")
    return PhotoSource(path, expected, hashlib.sha256(content).hexdigest(), folder, relative)


class PhotoChanged(Exception):
    """A photo's bytes are not the ones that were checked: the folder changed while it was being imported."""


def _read_plain_file(folder: Path, relative: str, quoted: str) -> bytes:
    """The file's bytes through one descriptor: opened from the folder one name at a time, never through a
    symbolic link (O_NOFOLLOW on every folder name and the file's), only a regular file (fstat of that same
    descriptor), at most MAX_BYTES. Checking a name and then reading it again would let it be swapped between."""
    try:
        descriptor = _open_inside(folder, PurePosixPath(relative).parts)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and _has_link(folder, relative):
            raise BadValue(f"{quoted} is a symbolic link; put the photo itself in the folder") from error
        raise BadValue(f"{quoted} not found in the registry folder") from error
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise BadValue(f"{quoted} not found in the registry folder")
        content = file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise BadValue(f"{quoted} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return content


def _open_inside(folder: Path, parts: tuple[str, ...]) -> int:
    directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in parts[:-1]:
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
    finally:
        os.close(directory)


def _has_link(folder: Path, relative: str) -> bool:
    """Whether a name on the way to the photo is a symbolic link (for the message only)."""
    parts = PurePosixPath(relative).parts
    return any((folder.joinpath(*parts[: i + 1])).is_symlink() for i in range(len(parts)))


def checked_bytes(source: PhotoSource) -> bytes:
    """The photo's bytes, read again the same way, and only if they are the ones that were checked.

    The import checks every photo before it installs any, and keeping tens of thousands of photos in
    memory in between is not an option; so the bytes installed are read once more and must hash to the
    checked digest. A file swapped (for a symbolic link, or other contents) in between is refused."""
    quoted = f"photo_file '{shown(source.relative)}'"
    try:
        content = _read_plain_file(source.folder, source.relative, quoted)
    except BadValue as error:
        raise PhotoChanged(f"{error} (it changed after it was checked)") from error
    if hashlib.sha256(content).hexdigest() != source.digest:
        raise PhotoChanged(f"{quoted} changed after it was checked")
    return content


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
    _write(target, checked_bytes(source))
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
