"""One URL, two renderings: the fragment for an htmx swap, the full page otherwise."""

from typing import Any

from flask import Response, make_response, render_template

from app.extensions import htmx


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """Render `fragment` for a plain htmx request and `page` (which includes it) otherwise."""
    response = make_response(render_template(fragment if wants_fragment() else page, **context), status)
    response.vary.add("HX-Request")
    return response
