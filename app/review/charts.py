"""The overview's charts as inline SVG, drawn on the server by pygal (pinned in requirements.txt).

pygal lays the chart out; its SVG also carries a <script> (tooltips, loaded from a third-party address) and a
<style>, both of which the CSP refuses inline. So the tree is taken before serialisation and those are removed:
what remains is shapes, text and class names, which static/css/overview.css colours (Okabe–Ito, light and dark).
Each bar gets a <title>, so hovering or a screen reader gives its value without any script.
"""

import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pygal
from markupsafe import Markup
from pygal.style import Style

from app.incident_codes import TYPE_LABELS
from app.review.overview import Overview, Ranked

# Importing pygal appends to sys.meta_path a finder for its map plugins (unused here) that has only the legacy
# find_module(): from then on every failed import anywhere warns (ImportWarning, an error under our tests).
# Fixed upstream in Kozea/pygal#532, not released; until then the finder is taken out again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

# pygal builds its tree with plain tag names and writes the SVG namespace as an attribute of the root.
DROPPED = {"script", "style", "title", "defs"}
LABEL_CHARS = 26

# The sizes pygal lays text out with; review.css draws the text at the same sizes.
_STYLE = Style(
    font_family="system-ui, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    value_font_size=14,
    tooltip_font_size=14,
)
_COMMON = {
    "style": _STYLE,
    "css": [],
    "js": [],
    "no_prefix": True,
    "disable_xml_declaration": True,
    "show_y_guides": True,
    "legend_box_size": 14,
    "margin": 8,
    "spacing": 8,
}


def months_by_type(overview: Overview, chart_id: str, title: str) -> Markup:
    """Stacked bars: one per month, one colour per incident type (the n-th type present is `color-n`), quarters
    labelled. The legend is the page's (a list that wraps on a phone), not pygal's."""
    chart = pygal.StackedBar(
        width=800,
        height=320,
        show_legend=False,
        show_minor_x_labels=False,
        x_labels_major_every=3,
        truncate_label=-1,
        **_COMMON,
    )
    chart.x_labels = [month.strftime("%b %Y") for month in overview.months]
    names = [_short_type(incident_type) for incident_type in overview.by_type]
    for name, counts in zip(names, overview.by_type.values(), strict=True):
        chart.add(name, counts)
    return _clean(chart, chart_id, title, names)


def ranking(rows: Sequence[Ranked], chart_id: str, title: str) -> Markup:
    """Horizontal bars, largest at the top, each labelled with its name."""
    # Narrower than the month chart: the rankings sit two abreast on a desktop, so their text keeps its size.
    chart = pygal.HorizontalBar(
        width=520,
        height=50 + 30 * max(len(rows), 1),
        show_legend=False,
        truncate_label=-1,
        max_scale=6,
        print_values=True,
        print_values_position="top",
        **_COMMON,
    )
    chart.x_labels = [_shorten(row.name) for row in reversed(rows)]
    chart.add("Incidents", [row.count for row in reversed(rows)])
    return _clean(chart, chart_id, title, [])


def _shorten(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"


def _short_type(incident_type: object) -> str:
    label = TYPE_LABELS[incident_type]  # type: ignore[index]
    return label.split(" (")[0]


def _clean(chart: pygal.graph.graph.Graph, chart_id: str, title: str, names: list[str]) -> Markup:
    """pygal's SVG tree without its script, style, ids and style attributes, titled for screen readers."""
    root = chart.render_tree()
    for parent in root.iter():
        for child in list(parent):
            # Its script and style (the CSP refuses both inline), the tooltip box, pygal's titles and comments.
            if child.tag in DROPPED or child.tag is ET.Comment or "tooltip-overlay" in child.get("class", ""):
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)
        element.attrib.pop("id", None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title")
    root.set("class", "chart-svg")
    heading = ET.Element("title", {"id": f"{chart_id}-title"})
    heading.text = title
    root.insert(0, heading)
    _title_bars(root, names)
    return Markup(ET.tostring(root, encoding="unicode", short_empty_elements=True))  # noqa: S704 - pygal's own tree


def _title_bars(root: ET.Element, names: list[str]) -> None:
    """A <title> on each bar ("Traffic violation, Mar 2025: 4"), read from pygal's <desc> elements."""
    for serie in root.iter("g"):
        classes = serie.get("class", "").split()
        if "series" not in classes:
            continue
        index = next((int(c.removeprefix("serie-")) for c in classes if c.startswith("serie-")), None)
        for bar in serie.iter("g"):
            if bar.get("class") != "bar":
                continue
            descs = {d.get("class"): d.text for d in bar.findall("desc")}
            label = descs.get("x_label") or ""
            name = names[index] if index is not None and index < len(names) else ""
            text = ", ".join(part for part in (name, label) if part)
            bar_title = ET.SubElement(bar, "title")
            bar_title.text = f"{text}: {descs.get('value', '')}"


def overview_charts(overview: Overview) -> dict[str, Markup]:
    """The overview page's charts by name; a ranking with no rows has no chart (the page says so)."""
    drawn = (
        {"months": months_by_type(overview, "chart-months", "Incidents per month by type")} if overview.total else {}
    )
    for name, rows, title in (
        ("missions", overview.top_missions, "Missions with most incidents"),
        ("countries", overview.top_countries, "Countries with most incidents"),
        ("agencies", overview.top_agencies, "Agencies with most incidents"),
    ):
        if rows:
            drawn[name] = ranking(rows, f"chart-{name}", title)
    return drawn
