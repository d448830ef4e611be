"""The officer's lookup page and the dispatcher's console: POST a query, read the verdict."""

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.sessions import current_session
from app.lookup import history, services
from app.permissions import roles_required
from app.ratelimits import lookup_limits
from app.registry import photos
from app.rendering import render, wants_fragment

bp = Blueprint("lookup", __name__)

LOOKUP_ROLES = ("officer", "dispatcher", "reviewer", "admin")


@dataclass(frozen=True)
class Layout:
    """One of the two screens that share the lookup flow: its page, and the endpoints its forms and links use."""

    name: str
    page: str
    endpoint: str
    post: str
    result: str


OFFICER = Layout("officer", "lookup/officer.html", "lookup.officer", "lookup.officer_post", "lookup.officer_result")
DISPATCH = Layout(
    "dispatch", "lookup/dispatch.html", "lookup.dispatch", "lookup.dispatch_post", "lookup.dispatch_result"
)


@bp.get("/lookup")
@roles_required(*LOOKUP_ROLES)
def officer() -> Response:
    return _page(OFFICER)


@bp.post("/lookup")
@roles_required(*LOOKUP_ROLES)
@lookup_limits
def officer_post() -> Response:
    return _submit(OFFICER)


@bp.get("/lookup/r/<rid>")
@roles_required(*LOOKUP_ROLES)
@lookup_limits
def officer_result(rid: str) -> Response:
    return _replay(OFFICER, rid)


@bp.get("/dispatch")
@roles_required(*LOOKUP_ROLES)
def dispatch() -> Response:
    return _page(DISPATCH)


@bp.post("/dispatch")
@roles_required(*LOOKUP_ROLES)
@lookup_limits
def dispatch_post() -> Response:
    return _submit(DISPATCH)


@bp.get("/dispatch/r/<rid>")
@roles_required(*LOOKUP_ROLES)
@lookup_limits
def dispatch_result(rid: str) -> Response:
    return _replay(DISPATCH, rid)


@bp.get("/photos/<person_id>")
@roles_required(*LOOKUP_ROLES)
def photo(person_id: str) -> Response:
    """A person's photo from the instance folder; never cached (registry data)."""
    name = services.photo_file(person_id)
    if name is None:
        abort(404)
    try:
        path = photos.instance_file(Path(current_app.instance_path), name)
    except ValueError:  # not a name the registry writes: never follow it
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, max_age=0)


def _page(layout: Layout, entries: list[history.Entry] | None = None, **context: object) -> Response:
    """The page or fragment, with this sign-in's history (`entries` when the caller has read it already)."""
    return render(
        layout.page,
        "lookup/_outcome.html",
        layout=layout,
        history=_history() if entries is None else entries,
        is_fragment=wants_fragment(),
        **context,
    )


def _submit(layout: Layout) -> Response:
    """Run the lookup; without JavaScript, redirect so reload and back never re-post the form."""
    raw = request.form.get("q", "")
    kind = request.form.get("kind", "auto")
    if kind not in ("auto", "plate", "card"):
        kind = "auto"
    rid = secrets.token_urlsafe(9)
    try:
        result = services.lookup(raw, kind, rid=rid, signin=current_session().tag)  # type: ignore[arg-type]
    except services.LookupInputError as error:
        response = _page(layout, error=str(error), q=raw, kind=kind, status=422)
        # The address bar must not keep an earlier result's URL: reloading it would show that result.
        response.headers["HX-Replace-Url"] = url_for(layout.endpoint)
        return response
    url = url_for(layout.result, rid=rid)
    if not wants_fragment():
        return redirect(url, code=303)
    response = _page(layout, result=result, q=result.query, kind=result.kind if kind != "auto" else kind, rid=rid)
    response.headers["HX-Push-Url"] = url
    return response


def _replay(layout: Layout, rid: str) -> Response:
    """Show a result of this session again, looked up afresh (the registry may have changed)."""
    entries = _history()
    entry = next((e for e in entries if e.rid == rid), None)
    if entry is None:
        # A bookmark from an earlier session, or the session timed out: the form, why it is empty, and (from
        # the audit trail, for this user only) what that result was for, so it can be looked up again.
        earlier = services.earlier_lookup(current_user.id, rid)
        return _page(layout, entries, expired=True, earlier=earlier, status=404)
    result = services.lookup(entry.query, entry.kind)
    return _page(layout, entries, result=result, q=result.query, kind=entry.kind, rid=rid)


def _history() -> list[history.Entry]:
    """This sign-in's lookups, from the audit trail (app.lookup.history); none before the session is stored."""
    signed_in = current_session()
    if signed_in.tag is None or signed_in.created_at is None:
        return []
    return history.recent(current_user.id, signed_in.tag, signed_in.created_at)
