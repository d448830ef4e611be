"""Keep card tokens out of logs: a /v/<token> path is logged as /v/[token], a bare JWT cut short.

The token sits in the URL path by design (SPEC §4), so every logger that prints paths needs this:
gunicorn's access log (gunicorn.conf.py), Werkzeug's development-server log and the app's own logger.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.audit.service import truncate_tokens

VERIFY_PATH = re.compile(r"/v/[^\s\"'?#/]+")
REPLACEMENT = "/v/[token]"


def redact(text: str) -> str:
    """`text` with every verification path's token replaced and every JWT-looking string cut short."""
    return truncate_tokens(VERIFY_PATH.sub(REPLACEMENT, text))


def redact_atoms(atoms: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's access-log atoms with every string value redacted (path, request line, referer, environ)."""
    return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with `redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(app: Flask) -> None:
    """Add the filter to the app's logger and Werkzeug's request log (once each)."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
