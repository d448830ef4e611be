"""Refuse addresses too long to be a card's QR code or an Envoy page, before anything else reads the request.

The longest address Envoy makes is a card's /v/<token>, and tokens.py refuses a token over 512 characters;
every other page takes a plate, a card number or a short search. 2,048 characters is four times the longest
card address and the length browsers and proxies have long been safe with, so nothing real comes near it.
gunicorn.conf.py lets request lines of up to 8,190 characters through, so an address between the two gets
this plain page rather than gunicorn's raw "URI Too Long".
"""

from flask import Flask, request
from flask.typing import ResponseReturnValue

from app.errors import render_error

MAX_URL_CHARS = 2048
TITLE = "Address too long"
MESSAGE = "That address is too long to be a card's QR code or an Envoy page. Scan the card again or type its number."


def url_length() -> int:
    """The length of the address as the browser sent it: the raw path (still percent-encoded) and the query."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
    query = environ.get("QUERY_STRING", "")
    return len(raw.split("?", 1)[0]) + (1 + len(query) if query else 0)


def register(app: Flask) -> None:
    @app.before_request
    def _refuse_long_urls() -> ResponseReturnValue | None:
        # Never echo the address: a mistyped or tampered one may hold anything.
        if url_length() > MAX_URL_CHARS:
            return render_error(414, TITLE, MESSAGE, code="uri_too_long")
        return None
