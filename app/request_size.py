"""How large a request body may be: MAX_CONTENT_LENGTH for every route, raised only for a view marked with
`accepts_body(max_bytes)` (the incident form: five files of 10 MB). Set before anything reads the body
(CSRF reads the form), so an oversized upload is refused with 413 before it is parsed.

How many fields a form may have: MAX_FORM_PARTS, for url-encoded bodies too. Werkzeug counts the parts of a
multipart body only; 2 MB of `a=&a=&…` is some 700,000 fields, each one parsed and kept.
"""

import io
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

F = TypeVar("F", bound=Callable[..., Any])
MARK = "max_body_bytes"


def accepts_body(max_bytes: int) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, MARK, max_bytes)
        return view

    return mark


class CappedFormDataParser(FormDataParser):
    """Werkzeug's parser, with its max_form_parts applied to url-encoded bodies as well."""

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> Any:
        body = stream.read()  # already capped at the request's max_content_length
        if self.max_form_parts is not None and body.count(b"&") + 1 > self.max_form_parts:
            raise RequestEntityTooLarge(f"A form may have at most {self.max_form_parts} fields.")
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)


class CappedRequest(Request):
    form_data_parser_class = CappedFormDataParser


def register(app: Flask) -> None:
    app.request_class = CappedRequest

    @app.before_request
    def _raise_body_limit() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        limit = getattr(view, MARK, None)
        if limit is not None:
            request.max_content_length = limit
