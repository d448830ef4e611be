"""Error pages: a full page, an htmx fragment or JSON, by what the request asked for."""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from app.extensions import htmx
from app.ratelimits import rate_limited_message, retry_after_seconds


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, title: str, message: str) -> tuple[object, int]:
    if wants_json():
        return {"error": title.lower().replace(" ", "_"), "message": message}, status
    template = "errors/_error.html" if htmx else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[object, int]:
        if error.code == 429:
            seconds = retry_after_seconds()
            body, status = render_error(429, "Rate limited", rate_limited_message(seconds))
            return body, status, {"Retry-After": str(seconds)}  # type: ignore[return-value]
        return render_error(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[object, int]:
        app.logger.exception("unhandled error")
        return render_error(500, "Internal Server Error", "Something went wrong on our side. Call the DS Command Center.")
