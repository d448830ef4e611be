"""Keep card tokens and looked-up keys out of logs: /v/<token> is logged as /v/[token], a bare JWT cut short, and
the JSON API's /api/v1/plates/<plate> and /api/v1/cards/<number> as /api/v1/plates/[plate] and .../cards/[card].

The token sits in the URL path by design (SPEC §4), and so does the plate or card number of an API lookup (a GET a
dispatch system can retry and cache-bust as it likes; ASVS 14.2.1 wants no sensitive data in URLs, so the path is
kept out of every log line instead: the audit trail records the lookup, with who asked). Every logger that prints
paths needs this: gunicorn's access log (gunicorn.conf.py), Werkzeug's development-server log and the app's own.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.audit.service import truncate_tokens

VERIFY_PATH = re.compile(r"/v/[^\s\"'?#/]+")
REPLACEMENT = "/v/[token]"
API_LOOKUP_PATH = re.compile(r"(/api/v1/(plate|card)s/)[^\s\"'?#/]+")


def redact(text: str) -> str:
    """`text` with every verification path's token replaced and every JWT-looking string cut short."""
    text = API_LOOKUP_PATH.sub(lambda match: f"{match.group(1)}[{match.group(2)}]", text)
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
