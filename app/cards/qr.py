"""Render a card's QR code as print-ready PNG or SVG bytes (qr-tokens.md §2). No Flask, no database.

Print geometry: 4 printer dots per module at 300 dpi (0.3387 mm, the BSI TR-03137 minimum, a whole
number of dots so every module is the same size) and the 4-module quiet zone the QR standard requires.
Error correction Q: our ~225-character URL is version 13 (69 modules), 26.1 mm wide with the quiet
zone; the extra redundancy over M (version 11, 23.4 mm) is worth 2.7 mm because cards get scratched.
"""

import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image

from app import qr_drawing

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
DPI = 300
DOTS_PER_MODULE = 4
QUIET_ZONE = 4
MM_PER_INCH = 25.4
MODULE_MM = DOTS_PER_MODULE * MM_PER_INCH / DPI


@dataclass(frozen=True)
class PrintSize:
    version: int
    modules: int  # across, quiet zone included
    module_mm: float
    size_mm: float
    pixels: int  # across, in the PNG


def print_size(data: str) -> PrintSize:
    """The printed size of the code for `data`, without rendering it."""
    code = _code(data)
    code.best_fit()
    modules = code.version * 4 + 17 + 2 * QUIET_ZONE
    return PrintSize(
        version=code.version,
        modules=modules,
        module_mm=MODULE_MM,
        size_mm=modules * MODULE_MM,
        pixels=modules * DOTS_PER_MODULE,
    )


def png(data: str) -> bytes:
    """A 1-bit PNG, one module = 4 pixels, tagged 300 dpi so it prints at its true size."""
    rows = _matrix(data)
    size = len(rows)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in rows for dark in row])
    image = image.resize((size * DOTS_PER_MODULE, size * DOTS_PER_MODULE), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


def svg(data: str) -> bytes:
    """A vector image sized in millimetres: a white square (the quiet zone) and one path of dark modules."""
    rows = _matrix(data)
    width = f"{len(rows) * MODULE_MM:.2f}mm"
    return str(qr_drawing.svg(rows, size=width, label="Card QR code", css_class="qr")).encode("ascii")


def _code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE)
    code.add_data(data, optimize=0)
    return code


def _matrix(data: str) -> list[list[bool]]:
    code = _code(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]
