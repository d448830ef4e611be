"""The officer's lookup page and the dispatcher's console: POST a query, read the verdict."""

import mimetypes
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.sessions import current_session
from app.lookup import history, photo_refs, services
from app.permissions import roles_required
from app.ratelimits import lookup_limits, photo_limits
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


@bp.get("/photos/<ref>")
@roles_required(*LOOKUP_ROLES)
@photo_limits
def photo(ref: str) -> Response:
    """A photo the result `ref` names showed this user (app.lookup.photo_refs); audited, never cached."""
    return serve_photo(ref)


@bp.app_template_global()
def photo_url(person_id: str, rid: str | None) -> str | None:
    """The address of a person's photo in result `rid` for the signed-in user (None without a result id)."""
    if not rid:
        return None
    user_id = current_session().user_id
    if user_id is None:
        return None
    return url_for("lookup.photo", ref=photo_refs.make(user_id, person_id, rid))


def serve_photo(ref: str, via: Mapping[str, object] | None = None) -> Response:
    """The photo, or 404 for any ref that is not good for this user (the same answer as an unknown one).

    Read whole (at most 5 MB, app.registry.photos.MAX_BYTES), not streamed: the API's spectree check reads every
    answer, and no file is left open. Cache-Control: no-store comes from app.security_headers.
    """
    path = services.photo_path(ref, current_user.id, Path(current_app.instance_path), via)
    if path is None:
        abort(404)
    return Response(path.read_bytes(), mimetype=mimetypes.guess_type(path.name)[0])


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
    signed_in = current_session()
    signin = services.SignIn(signed_in.tag, signed_in.created_at) if signed_in.tag and signed_in.created_at else None
    try:
        looked_up = services.page_lookup(raw, kind, rid, signin)  # type: ignore[arg-type]
    except services.LookupInputError as error:
        response = _page(layout, error=str(error), q=raw, kind=kind, status=422)
        # The address bar must not keep an earlier result's URL: reloading it would show that result.
        response.headers["HX-Replace-Url"] = url_for(layout.endpoint)
        return response
    url = url_for(layout.result, rid=rid)
    if not wants_fragment():
        return redirect(url, code=303)
    result = looked_up.result
    response = _page(
        layout, looked_up.history, result=result, q=result.query, kind=result.kind if kind != "auto" else kind, rid=rid
    )
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
    if signed_in.tag is None or signed_in.created_at is None or signed_in.user_id is None:
        return []
    return history.recent(signed_in.user_id, signed_in.tag, signed_in.created_at)
