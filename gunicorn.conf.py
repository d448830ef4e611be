"""gunicorn settings, read from the working directory: access-log lines never carry a card token, and long
addresses reach the app, which answers them with a plain page (app/url_length.py).

The Makefile's --access-logformat logs %(U)s (the path), and a card's QR URL is /v/<token>; a format
string cannot truncate, so this logger class rewrites the atoms (path, request line, referer) first.
"""

from typing import Any

from gunicorn.glogging import Logger

from app.cards.redact import redact_atoms


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return redact_atoms(super().atoms(resp, req, environ, request_time))


logger_class = RedactingLogger
# gunicorn's own limit (4,094) would answer a long /v/ address with its raw "URI Too Long" page; 8,190 is
# the most it allows, and far above the 2,048 characters the app refuses with its own words.
limit_request_line = 8190
