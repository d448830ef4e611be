"""Synthetic portraits for the demo registry: a silhouette on a coloured ground, marked DEMO. Never a real face."""

import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 240, 300
# Muted grounds, one per portrait in turn; the silhouette is always a lighter grey.
GROUNDS = ((62, 84, 120), (92, 70, 110), (60, 110, 96), (120, 88, 60), (80, 90, 100))


def portrait(index: int) -> bytes:
    """A PNG portrait; the same index always gives the same bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), GROUNDS[index % len(GROUNDS)])
    draw = ImageDraw.Draw(image)
    figure = (214, 219, 226)
    draw.ellipse((75, 55, 165, 155), fill=figure)  # head
    draw.ellipse((35, 170, 205, 360), fill=figure)  # shoulders
    draw.rectangle((0, HEIGHT - 42, WIDTH, HEIGHT), fill=(20, 24, 30))
    draw.text((WIDTH // 2, HEIGHT - 21), "DEMO - NOT A REAL PERSON", fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
