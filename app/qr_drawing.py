"""Draw a QR code's modules as inline SVG, with attributes only (the CSP forbids style attributes)."""

from collections.abc import Sequence

from markupsafe import Markup, escape


def svg(rows: Sequence[Sequence[bool]], *, size: str, label: str, css_class: str = "") -> Markup:
    """A white square (the quiet zone included in `rows`) and one path of the dark modules, `size` across.

    Safe to mark up: it holds only numbers computed here and the escaped label, never the encoded data.
    """
    count = len(rows)
    path = []
    for y, row in enumerate(rows):
        x = 0
        while x < count:
            if not row[x]:
                x += 1
                continue
            run = 1
            while x + run < count and row[x + run]:
                run += 1
            path.append(f"M{x} {y}h{run}v1h-{run}z")
            x += run
    class_attribute = f' class="{escape(css_class)}"' if css_class else ""
    return Markup(  # noqa: S704  (numbers and escaped attributes only: see the docstring)
        f'<svg xmlns="http://www.w3.org/2000/svg"{class_attribute} width="{escape(size)}" height="{escape(size)}" '
        f'viewBox="0 0 {count} {count}" shape-rendering="crispEdges" role="img" aria-label="{escape(label)}">'
        f'<rect width="{count}" height="{count}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )
