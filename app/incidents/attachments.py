"""Photos and scans of a citation or report: checked by their content, kept unaltered, hashed (SPEC §5).

JPEG and PNG must open as images of that format (Pillow reads the header and verifies the structure; a file
named .jpg that is not one is refused); a PDF must start with the PDF header and end with its trailer.
The name the device gave is kept for the download only, cleaned of paths and odd characters.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "PDF": "application/pdf"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class AttachmentError(ValueError):
    """An attachment cannot be accepted; the message names it and says why."""


@dataclass(frozen=True)
class Upload:
    filename: str
    media_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def check(filename: str, content: bytes) -> Upload:
    """The upload, typed by its content; AttachmentError if it is empty, too big or not JPEG, PNG or PDF."""
    name = clean_name(filename)
    if not content:
        raise AttachmentError(f"{name} is empty")
    if len(content) > MAX_BYTES:
        raise AttachmentError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    media_type = _media_type(name, content)
    if media_type is None:
        raise AttachmentError(f"{name} is not a JPEG, PNG or PDF file")
    return Upload(name, media_type, content, hashlib.sha256(content).hexdigest())


def check_all(files: list[tuple[str, bytes]]) -> list[Upload]:
    if len(files) > MAX_FILES:
        raise AttachmentError(f"at most {MAX_FILES} attachments")
    return [check(name, content) for name, content in files]


def clean_name(filename: str) -> str:
    """The last path part, with only plain characters, at most 100 of them; 'attachment' if nothing is left."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")
    return base[:100] or "attachment"


def _media_type(name: str, content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return MEDIA_TYPES["PDF"] if b"%%EOF" in content[-1024:] else None
    try:
        with warnings.catch_warnings():
            # A small file can declare billions of pixels (a decompression bomb): whoever decodes it later runs
            # out of memory. Pillow only warns above MAX_IMAGE_PIXELS; here that is a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=("JPEG", "PNG")) as image:
                kind = image.format
                image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise AttachmentError(
            f"{name} has too many pixels to open safely (more than {Image.MAX_IMAGE_PIXELS:,}): send a smaller photo"
        ) from None
    except Exception:  # Pillow raises many types for a file it cannot read; all mean "not an image"
        return None
    return MEDIA_TYPES.get(kind or "") if kind in ("JPEG", "PNG") else None
