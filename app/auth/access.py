"""Deny by default: the decision `enforce` makes before every request (SPEC §6; ASVS 8.2.1, 8.3.1).

Views carry their marks (`app.permissions`: `public` or `roles_required`); `enforce`, registered by `create_app`,
reads them, so a route nobody marked is refused for everyone, signed in or not.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.audit import service as audit
from app.audit.actor import current_actor
from app.auth import passwords
from app.auth.redirects import safe_next
from app.auth.sessions import current_session
from app.errors import is_api_request
from app.extensions import db, htmx
from app.models.accounts import User
from app.models.base import utcnow
from app.permissions import access_rule

F = TypeVar("F", bound=Callable[..., Any])

# The session key holding when the user last proved who they are (sign-in or re-authentication).
AUTHENTICATED_AT = "_auth_at"
# What a user whose password is due for a change may still reach (signing out is public).
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.change_password_post"})


def enforce() -> ResponseReturnValue | None:
    """Before every request: end dead sessions, then let the request through only if its endpoint allows it."""
    server_session = current_session()
    if server_session.timed_out:
        _record_timeout(server_session.timed_out, server_session.timed_out_user_id, server_session.timed_out_detail)
    if dict.get(server_session, "_user_id") is not None and not current_user.is_authenticated:
        # The user was disabled or removed since this session began: sign them out now.
        server_session.end()
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404 or 405 handler answers, with nothing to protect
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return None
    rule = access_rule(current_app.view_functions.get(endpoint))
    if rule is True:
        return None
    if rule is None:
        current_app.logger.error("endpoint %s has no access rule (public or roles_required); refused", endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return unauthenticated()
    assert isinstance(rule, frozenset)
    if current_user.role not in rule:
        db.session.rollback()
        audit.record_now("auth.denied", "forbidden", detail={"endpoint": endpoint, "method": request.method})
        abort(403)
    if endpoint not in PASSWORD_CHANGE_ENDPOINTS and password_change_due(current_user):
        return _password_change_first()
    return None


def password_change_due(user: User) -> bool:
    return passwords.change_due(user.password_changed_at, user.must_change_password, utcnow())


def _password_change_first() -> ResponseReturnValue:
    """Nothing but the password page until the user has chosen a new password (CJIS IA-5 f; temporary passwords)."""
    if is_api_request():
        body = {"error": "password_change_required", "message": "Choose a new password in the web app first."}
        return body, 403
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    target = url_for("auth.change_password", next=next_path)
    if htmx:
        return Response(status=403, headers={"HX-Redirect": target})
    return redirect(target, code=303)


def unauthenticated() -> ResponseReturnValue:
    """401 JSON for the API; for pages, the sign-in page (or the second-factor step already under way)."""
    if is_api_request():
        body = {"error": "unauthorized", "message": "Sign in, or send a valid bearer token."}
        return body, 401, {"WWW-Authenticate": 'Bearer realm="envoy"'}
    if dict.get(current_session(), "_pending_user_id") is not None:
        target = url_for("auth.second_factor")
    else:
        next_path = request.full_path.rstrip("?") if request.method == "GET" else None
        target = url_for("auth.login", next=next_path)
    if htmx:
        # A redirect would be followed by the XMLHttpRequest and the login page swapped into a fragment.
        return Response(status=401, headers={"HX-Redirect": target})
    return redirect(target)


def signed_in_within(minutes: int) -> bool:
    raw = current_session().get(AUTHENTICATED_AT)
    if not isinstance(raw, str):
        return False
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return False
    return utcnow() - moment <= timedelta(minutes=minutes)


def recent_sign_in_required(view: F) -> F:
    """Privileged actions need the password (and second factor) entered within REAUTH_MINUTES (CJIS IA-11).

    Otherwise the user is sent to confirm who they are, then back to the page named by the form's
    `back` field (a POST URL cannot be reopened), and submits again.
    """

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if signed_in_within(int(current_app.config["REAUTH_MINUTES"])):
            return view(*args, **kwargs)
        back = safe_next(request.form.get("back")) or (request.path if request.method == "GET" else None)
        flash("Confirm it is you before this change, then submit it again.", "info")
        return redirect(url_for("auth.confirm", next=back or url_for("home.index")))

    return guarded  # type: ignore[return-value]


def _record_timeout(reason: str, user_id: int | None, detail: dict[str, object]) -> None:
    user = db.session.get(User, user_id) if user_id is not None else None
    actor = current_actor() if user is None else current_actor().acting_as(user)
    audit.record_now("auth.logout", "timeout", detail=detail, actor=actor)
    if reason == "idle":
        minutes = current_app.config["SESSION_IDLE_MINUTES"]
        flash(f"You were signed out after {minutes} minutes without activity. Sign in again.", "info")
    else:
        hours = current_app.config["SESSION_ABSOLUTE_HOURS"]
        flash(f"Sessions last at most {hours} hours. Sign in again.", "info")
