"""Errors mapped in one place: domain errors and HTTP errors become a full page, an htmx fragment or JSON.

Services raise a DomainError subclass and roll back their own transaction; views catch one only to
show a page of their own (a form with its error); everything else lands here, which rolls back too.
"""

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from app.audit import alerts
from app.audit import service as audit
from app.audit.actor import current_actor
from app.audit.chain import audit_write_failed
from app.extensions import db, htmx
from app.immunity.contacts import DS_COMMAND_CENTER
from app.ratelimits import rate_limited_message, retry_after_seconds

# Our words for the common refusals; Werkzeug's defaults talk about servers and permissions.
PLAIN = {
    403: ("Not for your account", "Your role cannot open this page. Ask your administrator if you need it."),
    404: ("Not found", "There is nothing at this address. Check the link, or start again from the menu."),
    405: ("Not allowed", "This address does not accept that kind of request."),
}
# The same refusals for a machine calling the JSON API: no pages, menus or administrators to ask.
PLAIN_API = {
    403: ("Not for your account", "This token's role may not make this call."),
    404: ("Not found", "Nothing here: check the path and the identifier (GET /api/openapi.json lists the calls)."),
    405: ("Not allowed", "This path does not accept that method (GET /api/openapi.json lists the calls)."),
}


def _plain(status: int) -> tuple[str, str] | None:
    return (PLAIN_API if is_api_request() else PLAIN).get(status)


# When Envoy cannot answer, the officer still needs one: these pages put the DS Command Center call first.
CALL_FIRST = frozenset({429, 500, 503})
# A request whose database work (its audit event above all) failed: try again shortly, or call DS meanwhile.
DATABASE_RETRY_SECONDS = 30
# Flask-WTF's reason when a form's token has no partner in the session: the session cookie did not come back.
CSRF_SESSION_MISSING = "The CSRF session token is missing."


class DomainError(Exception):
    """A service cannot do what was asked; the message says why, in words for the user.

    `status` is the HTTP answer when no view shows a page of its own for it, `code` the JSON error
    code (default: the status's name, e.g. not_found). Subclasses keep ValueError or LookupError
    beside it where callers (the CLI) catch those.
    """

    status = 422
    code: str | None = None

    @property
    def message(self) -> str:
        return str(self)


def is_api_request() -> bool:
    """The request is for the JSON API, which never answers with a page or a redirect."""
    return request.path.startswith("/api/")


def wants_json() -> bool:
    return is_api_request() or request.accept_mimetypes.best == "application/json"


def render_error(status: int, title: str, message: str, code: str | None = None) -> tuple[object, int]:
    """The error as JSON (`code`, default from the title) or as a page with our wording.

    First it rolls back whatever the failed request left uncommitted.
    """
    db.session.rollback()
    if wants_json():
        return {"error": code or title.lower().replace(" ", "_"), "message": message}, status
    template = "errors/_error.html" if htmx else "errors/error.html"
    contacts = DS_COMMAND_CENTER if status in CALL_FIRST else ()
    return render_template(template, status=status, title=title, message=message, contacts=contacts), status


def _on_plain_http_elsewhere() -> bool:
    """This page is on plain http at an address other than this computer's, where browsers drop Secure cookies."""
    if request.is_secure:
        return False
    hostname = urlsplit("//" + request.host).hostname or ""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return True


def csrf_refusal(error: CSRFError) -> tuple[str, str, str]:
    """Title, message and code for a form Envoy could not check, in words for the person holding the phone."""
    if error.description != CSRF_SESSION_MISSING:
        return (
            "Form out of date",
            "Envoy could not check that this form came from its own page. Reload the page and try again.",
            "csrf_failed",
        )
    config = current_app.config
    # Only outside production: behind a TLS proxy that TRUSTED_PROXIES does not name, an HTTPS page looks like http.
    if config["SESSION_COOKIE_SECURE"] and config["ENVOY_ENV"] != "production" and _on_plain_http_elsewhere():
        return (
            "Envoy needs HTTPS here",
            "Your browser refused Envoy's secure cookie because this page is not on HTTPS or on localhost, so "
            "Envoy cannot check that this form came from its own page. Open Envoy over HTTPS, or at localhost on "
            'the computer that runs it; to try it from a phone, see "Trying Envoy from a phone" in the README.',
            "csrf_session_missing",
        )
    return (
        "Session not found",
        "Envoy could not find your session, so it cannot check that this form came from its own page. Your session "
        f"may have ended ({config['SESSION_IDLE_MINUTES']} minutes without use, or you signed out in another tab), "
        "or your browser refused Envoy's cookie: browsers keep it only on an HTTPS page or on localhost, and only "
        "when cookies are allowed. Reload the page, sign in again if asked, and try again.",
        "csrf_session_missing",
    )


def _record_csrf_refusal(code: str) -> None:
    """Audit a refused form (a forged cross-site post looks like this; so does a stale tab), never failing the answer.

    Not throttled: one event per refusal (alerts and throttles on them belong to issue 12). An audit write
    that fails raises an alert, and the person still gets the page that tells them what to do.
    """
    try:
        actor = current_actor()  # before the rollback: resolving the signed-in user may read the database
        db.session.rollback()
        audit.record_now(
            "security.csrf_refused", code, actor=actor, detail={"path": request.path, "method": request.method}
        )
    except Exception:
        current_app.logger.exception("audit trail could not record a CSRF refusal")
        audit_write_failed()  # this page is the answer; the alert below is raised here, not by the 503 handler
        alerts.raise_alert("audit.write_failed", detail={"path": request.path, "during": "security.csrf_refused"})


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[object, int]:
        title, message, code = csrf_refusal(error)
        _record_csrf_refusal(code)
        return render_error(400, title, message, code=code)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> tuple[object, int]:
        name = HTTP_STATUS_CODES.get(error.status, "Error")
        title, message = _plain(error.status) or (name, error.message)
        return render_error(error.status, title, message, code=error.code or name.lower().replace(" ", "_"))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[object, int, dict[str, str]]:
        if error.code == 429:
            seconds = retry_after_seconds()
            body, status = render_error(429, "Rate limited", rate_limited_message(seconds))
            return body, status, {"Retry-After": str(seconds)}
        code = error.code or 500
        title, message = _plain(code) or (error.name, error.description or "")
        body, status = render_error(code, title, message, code=error.name.lower().replace(" ", "_"))
        # A 405 names the methods the address does take (RFC 9110 §15.5.6), as Werkzeug's own answer does.
        allow = getattr(error, "valid_methods", None)
        return body, status, ({"Allow": ", ".join(allow)} if allow else {})

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError) -> tuple[object, int, dict[str, str]]:
        """Nothing is shown without its audit event: a failed write gives no answer, a 503 and the DS call."""
        app.logger.error("database error: %s", error)
        if audit_write_failed():
            alerts.raise_alert("audit.write_failed", detail={"path": request.path, "error": type(error).__name__})
        body, status = render_error(
            503,
            "Envoy cannot answer right now",
            "Envoy could not reach its records or write its audit trail, so it gives no answer. Try again in a "
            "minute. If you need an answer now, call the DS Command Center.",
            code="unavailable",
        )
        return body, status, {"Retry-After": str(DATABASE_RETRY_SECONDS)}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[object, int]:
        app.logger.exception("unhandled error")
        return render_error(
            500, "Internal Server Error", "Something went wrong on our side. Call the DS Command Center."
        )
