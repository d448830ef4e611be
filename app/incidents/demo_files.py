"""Small, valid attachment files for the demo incident history: a PNG "photo of the citation" and a one-page PDF
"report", made in code so the demo needs no binary files and every byte is synthetic."""

import io
import zlib

from PIL import Image, ImageDraw


def citation_png(reference: str) -> bytes:
    """A 160×100 greyscale PNG: a ticket-like card with ruled lines (no text: nothing to misread as real)."""
    image = Image.new("L", (160, 100), 245)
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, 155, 95), outline=90, width=2)
    draw.rectangle((10, 10, 70, 22), fill=60)
    seed = zlib.crc32(reference.encode())
    for row in range(6):
        width = 60 + (seed >> row) % 80
        draw.line((10, 32 + row * 10, 10 + width, 32 + row * 10), fill=150, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def report_pdf(reference: str) -> bytes:
    """A one-page PDF 1.4 with one line of text naming the demo incident, with a correct cross-reference table."""
    text = f"Demo police report for {reference} - synthetic, not a real record".replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 40 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
