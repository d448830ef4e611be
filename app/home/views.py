"""The start page (what the registry holds) and /healthz for load balancers."""

from flask import Blueprint, render_template
from sqlalchemy import text

from app.auth.access import public, roles_required
from app.auth.roles import SIGNED_IN
from app.extensions import db
from app.home import services

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
