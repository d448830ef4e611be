"""Error pages: a full page, an htmx fragment or JSON, by what the request asked for."""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from app.extensions import htmx
from app.immunity.contacts import DS_COMMAND_CENTER
from app.ratelimits import rate_limited_message, retry_after_seconds

# Our words for the common refusals; Werkzeug's defaults talk about servers and permissions.
PLAIN = {
    403: ("Not for your account", "Your role cannot open this page. Ask your administrator if you need it."),
    404: ("Not found", "There is nothing at this address. Check the link, or start again from the menu."),
    405: ("Not allowed", "This address does not accept that kind of request."),
}
# When Envoy cannot answer, the officer still needs one: these pages put the DS Command Center call first.
CALL_FIRST = frozenset({429, 500})


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, title: str, message: str, code: str | None = None) -> tuple[object, int]:
    """The error as JSON (`code`, default from the title) or as a page with our wording."""
    if wants_json():
        return {"error": code or title.lower().replace(" ", "_"), "message": message}, status
    template = "errors/_error.html" if htmx else "errors/error.html"
    contacts = DS_COMMAND_CENTER if status in CALL_FIRST else ()
    return render_template(template, status=status, title=title, message=message, contacts=contacts), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[object, int]:
        if error.code == 429:
            seconds = retry_after_seconds()
            body, status = render_error(429, "Rate limited", rate_limited_message(seconds))
            return body, status, {"Retry-After": str(seconds)}  # type: ignore[return-value]
        code = error.code or 500
        title, message = PLAIN.get(code, (error.name, error.description or ""))
        return render_error(code, title, message, code=error.name.lower().replace(" ", "_"))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[object, int]:
        app.logger.exception("unhandled error")
        return render_error(500, "Internal Server Error", "Something went wrong on our side. Call the DS Command Center.")
