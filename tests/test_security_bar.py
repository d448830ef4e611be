"""Security-bar checks over the whole app (security-bar.md H2, H4, H5, N1, A14, A35; ASVS 18, 21, 23, 30): every
kind of response carries the headers, no GET reaches a state change, errors say nothing inside, no template is
built from input, and the configuration and SQLite settings the bar relies on hold."""

import functools
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

from app import create_app
from app.config import ConfigError, load
from app.extensions import db
from app.models import RegistryLoad, User
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_api_token, make_mission, make_person, make_user, make_vehicle
from tests.test_factory import PRODUCTION
from tests.test_role_matrix import MATRIX

ROOT = Path(__file__).resolve().parent.parent
HX = {"HX-Request": "true"}
PLATE = "DRZ1204"


@pytest.fixture
def registry(app: Flask) -> None:
    with app.app_context():
        embassy = make_mission(name="Embassy of Ruritania", country="Ruritania", plate_code="RZ")
        make_vehicle(embassy, make_person(embassy, full_name="Ada Demo-Kovar"), plate=PLATE)
        db.session.add(
            RegistryLoad(
                loaded_at=datetime(2026, 11, 30, 6, 0, tzinfo=UTC),
                source="test",
                missions=1,
                persons=1,
                cards=0,
                vehicles=1,
            )
        )
        db.session.commit()


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) or 0 for t in db.metadata.sorted_tables}


# --- H2, ASVS 23: every kind of response carries the headers ------------------------------------------------


def csp_directives(policy: str) -> dict[str, list[str]]:
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {words[0]: words[1:] for words in parts}


def officer_client(app: Flask, login_as: Callable[..., User]) -> FlaskClient:
    client = app.test_client()
    login_as("officer", client=client)
    return client


def api_headers(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {make_api_token(make_user('dispatcher'))}"}


Fetch = Callable[[Flask, Callable[..., User]], TestResponse]
RESPONSES: dict[str, tuple[Fetch, int]] = {
    "page": (lambda app, login_as: officer_client(app, login_as).get("/lookup"), 200),
    "fragment": (
        lambda app, login_as: officer_client(app, login_as).post(
            "/lookup", data={"q": PLATE, "kind": "plate"}, headers=HX
        ),
        200,
    ),
    "JSON API": (lambda app, login_as: app.test_client().get(f"/api/v1/plates/{PLATE}", headers=api_headers(app)), 200),
    "JSON API 404": (lambda app, login_as: app.test_client().get("/api/v1/nothing", headers=api_headers(app)), 404),
    "static file": (lambda app, login_as: app.test_client().get("/static/css/envoy.css"), 200),
    "404 page": (lambda app, login_as: officer_client(app, login_as).get("/no-such-page"), 404),
    "405 page": (lambda app, login_as: app.test_client().get("/logout"), 405),
    "login page": (lambda app, login_as: app.test_client().get("/login"), 200),
    "redirect": (lambda app, login_as: app.test_client().get("/"), 302),
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_kind_of_response_carries_the_full_csp_hsts_nosniff_and_referrer_policy(
    app: Flask, login_as: Callable[..., User], registry: None, kind: str
) -> None:
    fetch, status = RESPONSES[kind]
    response = fetch(app, login_as)
    response.close()
    assert response.status_code == status

    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["connect-src"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    # Only our own files run; 'wasm-unsafe-eval' lets the vendored QR decoder compile, and is not 'unsafe-eval'.
    assert set(csp["script-src"]) <= {"'self'", "'wasm-unsafe-eval'"}
    assert all("'unsafe-inline'" not in sources for sources in csp.values())

    hsts = dict(part.strip().partition("=")[::2] for part in response.headers["Strict-Transport-Security"].split(";"))
    assert int(hsts["max-age"]) >= 31_536_000 and "includeSubDomains" in hsts
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if kind != "static file":
        assert "no-store" in response.headers["Cache-Control"]


# --- H4, ASVS 21: GET never reaches a state change; TRACE is refused --------------------------------------------


def posted_urls(app: Flask) -> tuple[list[str], list[str], list[str]]:
    """Every rule that takes POST, by its URL (variables filled from the role matrix): those that take GET too,
    those no GET rule answers, and those where a GET rule of another view (a form, a list) answers instead."""
    adapter = app.url_map.bind("envoy.example.gov")
    both, alone, shared = [], [], []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:  # type: ignore[operator]
            continue
        params = {name: MATRIX[rule.endpoint].params.get(name, "x") for name in rule.arguments}
        url = adapter.build(rule.endpoint, params, method="POST")
        if "GET" in rule.methods:  # type: ignore[operator]
            both.append(url)
            continue
        try:
            adapter.match(url, method="GET")
            shared.append(url)
        except MethodNotAllowed:
            alone.append(url)
        except NotFound:  # a converter refused the filler value: the matrix names one for every variable
            raise AssertionError(f"no URL for {rule.endpoint}: give it params in the role matrix") from None
    return both, alone, shared


def test_no_view_that_takes_a_post_answers_a_get(app: Flask) -> None:
    both, _, shared = posted_urls(app)
    assert both == []
    assert "/incidents" in shared  # GET there lists the officer's incidents: another view, read-only


def test_every_post_only_address_answers_get_with_405_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], registry: None
) -> None:
    login_as("admin")
    _, alone, _ = posted_urls(app)
    assert len(alone) >= 15 and "/logout" in alone and "/admin/users/999/disable" in alone
    with app.app_context():
        before = table_counts()

    answers = {url: client.get(url) for url in alone}

    assert {url: r.status_code for url, r in answers.items() if r.status_code != 405} == {}
    assert all("POST" in r.headers["Allow"] for r in answers.values())
    with app.app_context():
        assert table_counts() == before


@pytest.mark.parametrize("path", ["/", "/lookup", "/login", "/incidents", "/admin/users", f"/api/v1/plates/{PLATE}"])
def test_trace_is_refused_everywhere(client: FlaskClient, login_as: Callable[..., User], path: str) -> None:
    login_as("admin")
    assert client.open(path, method="TRACE").status_code == 405


# --- H5, ASVS 30: a failure shows a generic page; production never runs in debug mode ---------------------------

SECRET_SQL = "SELECT password_hash FROM users WHERE email = 'a@b.gov'"


@pytest.mark.parametrize(
    "failure, status",
    [
        (RuntimeError(f"boom while running {SECRET_SQL}"), 500),
        (OperationalError(SECRET_SQL, {"email": "a@b.gov"}, Exception("disk I/O error")), 503),
    ],
    ids=["bug", "database"],
)
def test_a_failing_page_shows_a_generic_error_with_no_trace_or_sql(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
) -> None:
    login_as("officer")

    @functools.wraps(app.view_functions["lookup.officer"])  # keeps the role marks the access check reads
    def broken() -> str:
        raise failure

    monkeypatch.setitem(app.view_functions, "lookup.officer", broken)
    app.testing = False  # let the error handler answer, as in production

    response = client.get("/lookup")

    html = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html"
    assert "DS Command Center" in html
    for leak in ("Traceback", "boom", "password_hash", "SELECT", "disk I/O", "a@b.gov", "File &#34;"):
        assert leak not in html


def test_a_production_app_runs_with_debug_off_and_refuses_flask_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    assert create_app(PRODUCTION).debug is False
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        create_app(PRODUCTION)
    assert create_app({**PRODUCTION, "ENVOY_ENV": "development", "SECRET_KEY": ""}).debug is True


# --- ASVS 18: no template is ever built from input ----------------------------------------------------------------

# Markup() is allowed only around markup our own code drew from numbers and escaped text; each use says why.
MARKUP_ALLOWED = {
    "app/qr_drawing.py": "the QR SVG: rectangles from the matrix and attributes escaped by the function itself",
    "app/cards/views.py": "our own QR renderer's SVG bytes (ASCII), no user data",
    "app/review/charts.py": "pygal's element tree serialised by ElementTree, which escapes every text and attribute",
}
UNSAFE = {
    "template from a string": re.compile(r"render_template_string|from_string\(|jinja2\.Template\(|\bTemplate\("),
    "Markup()": re.compile(r"\bMarkup\("),
    "|safe": re.compile(r"\|\s*safe\b"),
    "autoescape off": re.compile(r"autoescape\s*(false|=\s*False)", re.IGNORECASE),
}


def unsafe_uses(relative: str, source: str) -> list[str]:
    """The unsafe constructs in one file, as 'path: kind', Markup() excused in the allowlisted files."""
    return [
        f"{relative}: {kind}"
        for kind, pattern in UNSAFE.items()
        if pattern.search(source) and not (kind == "Markup()" and relative in MARKUP_ALLOWED)
    ]


@pytest.mark.parametrize(
    "source, found",
    [
        ("return render_template_string(request.args['t'])", ["template from a string"]),
        ("env.from_string(note)", ["template from a string"]),
        ("return Markup(f'<b>{name}</b>')", ["Markup()"]),
        ("{{ incident.narrative | safe }}", ["|safe"]),
        ("{% autoescape false %}{{ x }}{% endautoescape %}", ["autoescape off"]),
        ("query.contains(text, autoescape=True)", []),
        ("{{ incident.narrative }}", []),
    ],
)
def test_the_scanner_finds_each_unsafe_construct(source: str, found: list[str]) -> None:
    assert unsafe_uses("app/x.py", source) == [f"app/x.py: {kind}" for kind in found]


def test_no_template_is_built_from_input_and_no_user_data_is_marked_safe() -> None:
    files = [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]
    assert len(files) > 100
    found = [use for path in files for use in unsafe_uses(str(path.relative_to(ROOT)), path.read_text("utf-8"))]
    assert found == []
    for allowed in MARKUP_ALLOWED:  # an allowlisted file that stopped using Markup leaves the list
        assert "Markup(" in ROOT.joinpath(allowed).read_text("utf-8"), allowed


# Patterns that switch a protection off or open a redirect (security bar C6, our own semgrep-style rules), with the
# one place each may appear and why. A new use fails here until someone decides it is safe and lists it.
RISKY = {
    r"WTF_CSRF_ENABLED|WTF_CSRF_CHECK_DEFAULT": {},
    r"csrf\.exempt\(": {"app/__init__.py": "the JSON API: bearer tokens, never cookies"},
    r"redirect\(\s*request\.": {},
    r"session_protection\s*=": {"app/auth/setup.py": "off on purpose: phones change address (README)"},
    r"\bverify\s*=\s*False|verify_signature\W+False": {},
}


def test_no_new_code_switches_a_protection_off_or_redirects_to_what_the_request_says() -> None:
    found = {}
    for path in ROOT.joinpath("app").rglob("*.py"):
        name = str(path.relative_to(ROOT))
        text = path.read_text("utf-8")
        for pattern, allowed in RISKY.items():
            if re.search(pattern, text) and name not in allowed:
                found.setdefault(pattern, []).append(name)
    assert found == {}
    for pattern, allowed in RISKY.items():  # an allowance that is no longer used leaves the list
        for name in allowed:
            assert re.search(pattern, ROOT.joinpath(name).read_text("utf-8")), (pattern, name)


# --- A14, A35, N1, configuration and storage the bar relies on ----------------------------------------------------


@pytest.mark.parametrize("days", ["364", "30"])
def test_an_audit_retention_shorter_than_a_year_stops_the_app_from_starting(days: str) -> None:
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS must be at least 365"):
        load(None, environ={"AUDIT_RETENTION_DAYS": days})
    assert load(None, environ={"AUDIT_RETENTION_DAYS": "365"})["AUDIT_RETENTION_DAYS"] == 365


def test_a_sqlite_file_database_runs_in_wal_mode_with_full_sync(app_with: Callable[..., Flask], tmp_path: Path) -> None:
    path = tmp_path / "envoy.db"
    app = app_with(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.rollback()
    with sqlite3.connect(path) as raw:  # WAL is a property of the file itself, not of the app's connection
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"), reason="a PostgreSQL setting")
def test_postgresql_commits_synchronously_even_when_the_server_default_is_off(app_with: Callable[..., Flask]) -> None:
    """D8: an acknowledged incident is on disk; an operator's `synchronous_commit = off` does not reach Envoy."""
    app = app_with(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c synchronous_commit=off"}})
    with app.app_context():
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        db.session.rollback()


def test_the_officers_result_says_how_fresh_the_registry_data_is(
    client: FlaskClient, login_as: Callable[..., User], registry: None
) -> None:
    login_as("officer")
    html = client.post("/lookup", data={"q": PLATE, "kind": "plate"}, headers=HX).get_data(as_text=True)
    assert re.search(r"Registry data as of\s*<time[^>]*>2026-11-30 06:00 UTC</time>", html)
