"""gunicorn settings, read from the working directory: access-log lines never carry a card token.

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
