"""Issue 12 item 7: a JWT in any query parameter is cut short in the audit trail and the access log.

Written as the attack: the token sits after `=` (first or later parameter) or url-encoded inside another
parameter, which the old pattern's look-behind let through whole.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from gunicorn.config import Config as GunicornConfig

from app.audit import service

JWT = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsyMDI2YSJ9"
    ".eyJjaWQiOiJBQjEyMzQ1NiIsImlhdCI6MTc2NDAwMDAwMCwiZXhwIjoxNzk1NTM2MDAwfQ"
    ".MEUCIQDx3Wq0b3cTqQ9kYj1yZl8vQm9wVnB4d3B3c3p6c3R1dnd4eXoCIGhpamtsbW5vcHFyc3R1dnd4eXo"
)
PAYLOAD, SIGNATURE = JWT.split(".")[1:]

QUERIES = [
    f"t={JWT}",
    f"a=1&token={JWT}",
    f"a=1&token={JWT}&b=2",
    f"next={quote('/v?t=' + JWT, safe='')}",
    f"next={quote('/v/' + JWT, safe='')}",
    f"t={quote(JWT, safe='')}".replace(".", "%2E"),
]


def _leaks(text: str) -> bool:
    return PAYLOAD in text or SIGNATURE in text


@pytest.mark.parametrize("query", QUERIES)
def test_a_token_in_any_query_parameter_is_cut_short_in_the_audit_query(query: str) -> None:
    assert _leaks(query)
    stored = service.clean_query(f"/lookup?{query}")
    assert stored is not None and not _leaks(stored)
    assert "…" in stored


@pytest.mark.parametrize("query", QUERIES)
def test_a_token_in_any_query_parameter_is_cut_short_in_an_audit_detail(query: str) -> None:
    cleaned = service.redact({"url": f"https://envoy.example.gov/lookup?{query}", "query_string": query})
    assert not _leaks(repr(cleaned))


def test_ordinary_query_parameters_are_left_alone() -> None:
    for query in ("q=DAB1234&page=2", "email=first.middle.last@agency.example.gov", "next=%2Fadmin%2Fcards"):
        assert service.clean_query(query) == query


def _access_logger() -> object:
    path = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf_leaks", path)
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    config = GunicornConfig()
    config.set("accesslog", "-")
    # Every atom that carries the query: the request line, the query string, the referer.
    config.set("access_log_format", '%(h)s "%(r)s" %(U)s %(q)s %(f)s %(s)s')
    return conf.logger_class(config)


@pytest.mark.parametrize("query", QUERIES)
def test_the_gunicorn_access_log_line_cuts_a_token_in_any_query_parameter(
    query: str, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/lookup?{query}",
        "PATH_INFO": "/lookup",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://envoy.example.gov/lookup?{query}",
        "REMOTE_ADDR": "10.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    _access_logger().access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))  # type: ignore[attr-defined]
    logged = capsys.readouterr().out
    assert "/lookup" in logged and not _leaks(logged)
