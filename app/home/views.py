"""The start page (what the registry holds), /healthz for load balancers, and the installable app shell."""

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import text

from app.auth.roles import SIGNED_IN
from app.extensions import db
from app.home import services
from app.permissions import public, roles_required

bp = Blueprint("home", __name__)


@bp.get("/")
@roles_required(*SIGNED_IN)
def index() -> str:
    return render_template("home/index.html", summary=services.registry_summary())


@bp.get("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means unhealthy; the detail stays in the server log
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    """The web app manifest: officers add Envoy to the home screen. Nothing personal in it."""
    return _static_file("manifest.webmanifest", "application/manifest+json")


@bp.get("/sw.js")
@public
def service_worker() -> Response:
    """The service worker, served from the root so that its scope is the whole site."""
    return _static_file("js/sw.js", "text/javascript")


@bp.get("/offline")
@public
def offline() -> str:
    """The page the service worker shows when a page cannot load: the DS calls, nothing personal."""
    return render_template("home/offline.html")


def _static_file(name: str, mimetype: str) -> Response:
    """A small file of static/ at another address; read whole, so no file stays open after the response."""
    return Response(Path(current_app.static_folder or "static", name).read_bytes(), mimetype=mimetype)
