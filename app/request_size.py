"""How large a request body may be: MAX_CONTENT_LENGTH for every route, raised only for a view marked with
`accepts_body(max_bytes)` (the incident form: five files of 10 MB). Set before anything reads the body
(CSRF reads the form), so an oversized upload is refused with 413 before it is parsed.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

F = TypeVar("F", bound=Callable[..., Any])
MARK = "max_body_bytes"


def accepts_body(max_bytes: int) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, MARK, max_bytes)
        return view

    return mark


def register(app: Flask) -> None:
    @app.before_request
    def _raise_body_limit() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        limit = getattr(view, MARK, None)
        if limit is not None:
            request.max_content_length = limit
