"""/admin/api-tokens: list, make and revoke the JSON API's bearer tokens (admin role; issue 11).

A new token is shown once, on the page that answers the POST that made it: never in a redirect, a flash
message (those live in the session) or an address.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.api import tokens
from app.audit.actor import current_actor
from app.auth import accounts
from app.auth.access import recent_sign_in_required
from app.models import ApiToken
from app.permissions import roles_required

bp = Blueprint("api_tokens", __name__, url_prefix="/admin")
REVOKE_CONSEQUENCE = "Its next call gets 401. A revoked token cannot be used again; make a new one if needed."


@bp.get("/api-tokens")
@roles_required("admin")
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/api-tokens")
@roles_required("admin")
@recent_sign_in_required
def create() -> ResponseReturnValue:
    email = request.form.get("email", "")
    name = request.form.get("name", "")
    days_text = request.form.get("days", "").strip()
    try:
        days = int(days_text) if days_text else None
    except ValueError:
        return _page(error="Days must be a whole number.", form=request.form), 400
    try:
        made = tokens.create_token(email, name=name, days=days, actor=current_actor())
    except tokens.TokenRequestError as error:
        return _page(error=str(error), form=request.form), 400
    return _page(made=made)


@bp.post("/api-tokens/<int:token_id>/revoke")
@roles_required("admin")
@recent_sign_in_required
def revoke(token_id: int) -> ResponseReturnValue:
    if request.form.get("confirmed") != "yes":
        row = tokens.get_token(token_id)
        return render_template(
            "api_tokens/confirm_revoke.html", row=row, question=revoke_question(row), detail=REVOKE_CONSEQUENCE
        )
    row = tokens.revoke_token(token_id, actor=current_actor())
    flash(f"Revoked token {row.id} ({row.name}) of {row.user.email}.", "success")
    return redirect(url_for("api_tokens.index"), 303)


def revoke_question(row: ApiToken) -> str:
    return f"Revoke token {row.prefix}… ({row.name})?"


def _page(**context: object) -> str:
    return render_template(
        "api_tokens/index.html",
        rows=tokens.list_tokens(),
        state=tokens.state,
        users=accounts.list_users(),
        days_default=current_app.config["API_TOKEN_DAYS_DEFAULT"],
        days_max=current_app.config["API_TOKEN_DAYS_MAX"],
        revoke_question=revoke_question,
        REVOKE_CONSEQUENCE=REVOKE_CONSEQUENCE,
        **context,
    )
