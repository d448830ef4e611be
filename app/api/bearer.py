"""Who calls the API: the user of the bearer token in `Authorization`, checked on every call (issue 11).

Flask-Login asks `load_user_from_request` when the request has no signed-in session user. Under /api/ that is
always (the session interface leaves /api/ sessionless: no cookie read or set), so the API authenticates by
bearer token only, needs no CSRF token, and a browser's session cookie gets nowhere there.
"""

from flask import Flask, Request, g

from app.api import tokens
from app.audit import service as audit
from app.audit.actor import act_as
from app.errors import is_api_request
from app.extensions import login_manager
from app.models import User


def load_user_from_request(request: Request) -> User | None:
    """The token's user when it works now; None (a 401) otherwise. A refused token is audited."""
    if not is_api_request():
        return None
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        presented = tokens.Presented(None, None, "not_bearer")
    else:
        presented = tokens.authenticate(secret.strip())
    if presented.user is None:
        actor = act_as(None)  # nobody: the actor must not ask Flask-Login, which is asking us
        detail: dict[str, object] = {"reason": presented.refusal or "unknown", "path": request.path}
        record_ids = [f"api_token:{presented.token_id}"] if presented.token_id else []
        audit.record_now("api.auth", "denied", actor=actor, record_ids=record_ids, detail=detail)
        return None
    g.api_token_id = presented.token_id
    act_as(presented.user)
    return presented.user


def via_api() -> dict[str, object]:
    """What a call's audit event says about its channel: the API and which token (`via: api_token:<id>`)."""
    return {"via": f"api_token:{g.get('api_token_id')}"}


def register(app: Flask) -> None:
    login_manager.request_loader(load_user_from_request)
