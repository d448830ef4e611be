"""Filing an incident from a result, and the officer's own incidents (SPEC §5; issue 10 items 1–4).

Result pages link to /incidents/new?lookup=<result id>: the address names the lookup, never the plate or card.
"""

import secrets
from datetime import UTC, datetime

from flask import Blueprint, Response, redirect, request, url_for
from flask_login import current_user

from app.audit import service as audit
from app.audit.actor import current_actor
from app.downloads import attachment_response
from app.incident_codes import ACTION_LABELS, STATUS_LABELS, TYPE_HINTS, TYPE_LABELS, ActionTaken, IncidentType
from app.incidents import service
from app.incidents.attachments import MAX_BYTES, MAX_FILES, AttachmentError, check_all
from app.incidents.form import MAX_REQUEST_BYTES, Draft, local_now, uploaded, zone_named
from app.offices import OFFICE_NAMES, STATES
from app.permissions import roles_required
from app.rendering import render, wants_fragment
from app.request_size import accepts_body

bp = Blueprint("incidents", __name__)

FILER_ROLES = ("officer",)
FORM_CONTEXT = {
    "TYPE_LABELS": TYPE_LABELS,
    "TYPE_HINTS": TYPE_HINTS,
    "ACTION_LABELS": ACTION_LABELS,
    "STATES": STATES,
    "MAX_FILES": MAX_FILES,
    "MAX_MB": MAX_BYTES // (1024 * 1024),
    "IncidentType": IncidentType,
    "ActionTaken": ActionTaken,
}


@bp.get("/incidents/new")
@roles_required(*FILER_ROLES)
def new() -> Response:
    """The filing form, pre-filled from the lookup or scan it was opened from, with a fresh idempotency key."""
    rid = request.args.get("lookup", "")
    source = service.source_for(current_user.id, rid)
    agency = current_user.agency
    zone = zone_named(agency.time_zone or "")
    draft = Draft(
        values={
            "occurred_at": local_now(zone),
            "time_zone": zone.key,
            "state": agency.state or "",
            "idempotency_key": secrets.token_urlsafe(24),
            "lookup": rid if source is not None else "",
        }
    )
    return _form(draft, source or service.NO_SOURCE, lost_source=source is None)


@bp.post("/incidents")
@roles_required(*FILER_ROLES)
@accepts_body(MAX_REQUEST_BYTES)
def create() -> Response:
    """File it. A refusal or a conflict shows the form again with everything typed and the same key."""
    try:
        return _create()
    finally:
        for _, storage in request.files.items(multi=True):  # large uploads are spooled to temporary files
            storage.close()


def _create() -> Response:
    draft = Draft.from_form(request.form)
    source = service.source_for(current_user.id, draft.get("lookup"))
    if source is None:
        return _form(draft, service.NO_SOURCE, lost_source=True, status=422)
    try:
        uploads = check_all(uploaded(request.files))
    except AttachmentError as error:
        audit.record_now("incident.file", "invalid", detail={"fields": ["attachments"]})
        return _form(draft, source, errors={"attachments": str(error)}, status=422)
    try:
        filed = service.file_incident(
            draft.to_input(), source, uploads, draft.get("idempotency_key"), current_user, current_actor()
        )
    except service.IncidentInputError as error:
        return _form(draft, source, errors=error.fields, status=422)
    except service.KeyReused as error:
        # Whatever this form filed before stays as it was; these details can go in as a new incident.
        draft.values["idempotency_key"] = secrets.token_urlsafe(24)
        return _form(draft, source, errors={"form": error.message}, reused=True, earlier=error.reference, status=422)
    except service.StillFiling as error:
        return _form(draft, source, errors={"form": error.message}, in_flight=True, status=409)
    incident = filed.incident
    if not wants_fragment():
        return redirect(
            url_for("incidents.show", reference=incident.reference, filed="again" if filed.replayed else "new"),
            code=303,
        )
    response = render(
        "incidents/show.html",
        "incidents/_filed.html",
        status=200 if filed.replayed else 201,
        incident=incident,
        replayed=filed.replayed,
        just_filed=True,
        **_labels(),
    )
    response.headers["HX-Push-Url"] = url_for("incidents.show", reference=incident.reference)
    return response


@bp.get("/incidents")
@roles_required(*FILER_ROLES)
def index() -> Response:
    return render(
        "incidents/index.html", "incidents/_list.html", incidents=service.own_incidents(current_user), **_labels()
    )


@bp.get("/incidents/<reference>")
@roles_required(*FILER_ROLES)
def show(reference: str) -> Response:
    incident = service.own_incident(reference, current_user, actor=current_actor())
    filed = request.args.get("filed")
    return render(
        "incidents/show.html",
        "incidents/_incident.html",
        incident=incident,
        just_filed=filed in ("new", "again"),
        replayed=filed == "again",
        **_labels(),
    )


@bp.get("/incidents/<reference>/attachments/<int:position>")
@roles_required(*FILER_ROLES)
def attachment(reference: str, position: int) -> Response:
    """One attachment of the officer's own incident, as a download (never shown inline), audited."""
    incident = service.own_incident(reference, current_user, actor=current_actor(), attachment=position)
    download = service.attachment(incident, position, actor=current_actor())
    return attachment_response(download.content, download.media_type, download.filename)


def _form(
    draft: Draft,
    source: service.Source,
    *,
    errors: dict[str, str] | None = None,
    lost_source: bool = False,
    reused: bool = False,
    in_flight: bool = False,
    earlier: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        "incidents/new.html",
        "incidents/_form.html",
        status=status,
        draft=draft,
        source=source,
        shown=source.shown(datetime.now(UTC)),
        errors=errors or {},
        lost_source=lost_source,
        reused=reused,
        in_flight=in_flight,
        earlier=earlier,
        **FORM_CONTEXT,
    )


def _labels() -> dict[str, object]:
    return {
        "TYPE_LABELS": TYPE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "OFFICE_NAMES": OFFICE_NAMES,
    }
