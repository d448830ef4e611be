"""The JSON API for dispatch and records systems (issue 11; SPEC §7): bearer tokens, lookups, scans, incidents.

Each view reads its input, calls app.api.services and returns the answer; spectree (app.api.spec) checks the
request against the document before the view runs and the answer against it after. Every refusal is JSON
`{error, message}`: this blueprint's mapper for domain errors, app.errors for everything else under /api/.
"""

import re
import secrets

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from app.api import answers, schemas, services
from app.api.bearer import via_api
from app.api.spec import COMMON_ERRORS, BadInput, IdempotencyKeyMissing, Responses, document, responses, spec
from app.errors import DomainError
from app.extensions import db
from app.lookup import photo_refs
from app.lookup.views import serve_photo
from app.permissions import public, roles_required
from app.ratelimits import lookup_limits, photo_limits
from app.registry.results import PhotoUrl
from app.request_size import accepts_body

bp = Blueprint("api", __name__, url_prefix="/api")

LOOKUP_ROLES = ("officer", "dispatcher", "reviewer", "admin")
FILER_ROLES = ("officer",)
# Whoever asks about an incident they may not see gets 404, as for one that does not exist (an id guess learns
# nothing): so every role may ask, and app.incidents.service.incident_for decides.
INCIDENT_READERS = LOOKUP_ROLES
VERIFY_MAX_BYTES = 16 * 1024
# The longest incident: an 8,000-character narrative and two 4,000-character DUI fields, 4 bytes a character.
INCIDENT_MAX_BYTES = 128 * 1024
IDEMPOTENCY_KEY = re.compile(schemas.IDEMPOTENCY_KEY_PATTERN)
JSON_BODY = {"HTTP_413": (schemas.ApiError, "The body is too large"), "HTTP_415": (schemas.ApiError, "Not JSON")}


@bp.before_request
def _json_body() -> None:
    """A POST carries a JSON object: 415 for another content type, 400 for JSON that does not parse."""
    if request.method != "POST":
        return
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the body as application/json.")
    try:
        request.get_json()
    except BadRequest:
        raise BadInput("The body is not valid JSON.") from None
    if request.endpoint == "api.file_incident" and not IDEMPOTENCY_KEY.fullmatch(
        request.headers.get("Idempotency-Key", "")
    ):
        raise IdempotencyKeyMissing("Send an Idempotency-Key header: 16 to 64 letters, digits, '-' or '_'.")


@bp.errorhandler(DomainError)
def _refused(error: DomainError) -> tuple[dict[str, object], int]:
    db.session.rollback()
    body: dict[str, object] = {"error": error.code or "error", "message": error.message}
    if fields := getattr(error, "fields", None):
        body["fields"] = fields
    if reference := getattr(error, "reference", None):
        body["reference"] = reference
    return body, error.status


@bp.get("/v1/plates/<plate>")
@roles_required(*LOOKUP_ROLES)
@lookup_limits
@spec.validate(
    resp=responses(
        HTTP_200=schemas.LookupAnswer,
        HTTP_400=(schemas.ApiError, "Not a plate (invalid_query)"),
        HTTP_404=(schemas.LookupMiss, "No record: the plate's hint and near matches"),
    ),
    tags=["lookup"],
)
def plate(plate: str) -> tuple[dict[str, object], int]:
    """Look up a plate

    The verdict screen's answer for a plate, from the same code as the web page (and audited the same way,
    as `lookup.plate`). A card number sent as a plate is still found, with `typed_as: "plate"`.
    """
    return _lookup(plate, "plate")


@bp.get("/v1/cards/<card_number>")
@roles_required(*LOOKUP_ROLES)
@lookup_limits
@spec.validate(
    resp=responses(
        HTTP_200=schemas.LookupAnswer,
        HTTP_400=(schemas.ApiError, "Not a card number (invalid_query)"),
        HTTP_404=(schemas.LookupMiss, "No record"),
    ),
    tags=["lookup"],
)
def card(card_number: str) -> tuple[dict[str, object], int]:
    """Look up a card number

    The verdict screen's answer for the holder of a card (its number as printed, spaces and hyphens allowed).
    """
    return _lookup(card_number, "card")


@bp.post("/v1/lookups")
@roles_required(*LOOKUP_ROLES)
@accepts_body(VERIFY_MAX_BYTES)
@lookup_limits
@spec.validate(
    json=schemas.LookupRequest,
    resp=responses(
        HTTP_200=schemas.LookupAnswer,
        HTTP_400=(schemas.ApiError, "Neither or both of plate and card_number, not a plate or card number"),
        HTTP_404=(schemas.LookupMiss, "No record: for a plate, its hint and near matches"),
        **JSON_BODY,
    ),
    tags=["lookup"],
)
def lookups() -> tuple[dict[str, object], int]:
    """Look up a plate or a card number, sent in the body

    The same answers as `GET /v1/plates/{plate}` and `GET /v1/cards/{card_number}`, with the plate or card number
    in the body (`{"plate": ...}` or `{"card_number": ...}`, exactly one), so it never stands in an address that a
    proxy, a load balancer or a browser history keeps. Prefer it to the GET calls.
    """
    body = schemas.LookupRequest.model_validate(request.get_json())
    if (body.plate is None) == (body.card_number is None):
        raise BadInput('Send exactly one of "plate" and "card_number".')
    if body.plate is not None:
        return _lookup(body.plate, "plate")
    return _lookup(body.card_number or "", "card")


@bp.post("/v1/verify")
@roles_required(*LOOKUP_ROLES)
@accepts_body(VERIFY_MAX_BYTES)
@lookup_limits
@spec.validate(
    json=schemas.VerifyRequest,
    resp=responses(
        HTTP_200=schemas.VerifyAnswer,
        HTTP_400=(schemas.ApiError, "Malformed JSON or a body that does not fit"),
        **JSON_BODY,
    ),
    tags=["lookup"],
)
def verify() -> tuple[dict[str, object], int]:
    """Verify a scanned card

    `token` is what the card's QR code holds (its address, or the bare token). The answer is `verified` or why
    not, each check, and the card's person as a lookup shows them when the registry knows the card.
    """
    body = schemas.VerifyRequest.model_validate(request.get_json())
    rid = secrets.token_urlsafe(9)
    return answers.verify(services.verify(body.token, rid), _photo_url(rid)), 200


@bp.get("/v1/photos/<ref>")
@roles_required(*LOOKUP_ROLES)
@photo_limits
@spec.validate(
    resp=Responses(
        "HTTP_200",
        **COMMON_ERRORS,
        HTTP_404=(schemas.ApiError, "Not a photo address this token's user was given, or older than 12 hours"),
    ),
    tags=["lookup"],
)
def photo(ref: str) -> Response:
    """A person's photo

    The JPEG or PNG at a `photo_url` of a lookup or scan answer. The address works only for the token's user, for
    12 hours; every fetch is audited (`lookup.photo`) and counted in its own rate limit.
    """
    return serve_photo(ref, via_api())


@bp.post("/v1/incidents")
@roles_required(*FILER_ROLES)
@accepts_body(INCIDENT_MAX_BYTES)
@spec.validate(
    json=schemas.IncidentRequest,
    headers=schemas.IdempotencyHeaders,
    resp=responses(
        HTTP_201=(schemas.IncidentAnswer, "Filed; Location is its address"),
        HTTP_200=(schemas.IncidentAnswer, "Filed before with this key and these details: the same incident"),
        HTTP_400=(schemas.ApiError, "No or a malformed Idempotency-Key, or malformed JSON"),
        HTTP_409=(schemas.ApiError, "A request with this key is still being filed: retry in a moment"),
        HTTP_422=(schemas.IncidentRefused, "Invalid fields, or this key already filed other details"),
        **JSON_BODY,
    ),
    validation_error_status=422,
    tags=["incidents"],
)
def file_incident() -> tuple[dict[str, object], int, dict[str, str]]:
    """File an incident

    Officers only. The incident's fields as on the web form, and the plate or card number looked up (the
    incident keeps the live verdict for it as its snapshot). Send one `Idempotency-Key` per incident and the
    same key on every retry: a retry of a filed incident answers 200 with the same reference, never a second
    incident. Attachments are filed on the web form only.
    """
    filed = services.file_incident(request.get_json(), request.headers["Idempotency-Key"], current_user)
    reference = filed.incident.reference
    location = url_for("api.incident", reference=reference)
    return answers.incident(filed.incident), 200 if filed.replayed else 201, {"Location": location}


@bp.get("/v1/incidents/<reference>")
@roles_required(*INCIDENT_READERS)
@spec.validate(
    resp=responses(
        HTTP_200=schemas.IncidentAnswer,
        HTTP_404=(schemas.ApiError, "No such incident, or not one this token's user may see"),
    ),
    tags=["incidents"],
)
def incident(reference: str) -> tuple[dict[str, object], int]:
    """Read an incident

    Its filer, reviewers and admins; anyone else gets 404, as for a reference that does not exist.
    """
    return answers.incident(services.incident(reference, current_user)), 200


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI 3.1 document (no token needed: it describes the interface, never data)."""
    return jsonify(document())


@bp.get("/docs")
@public
def docs() -> str:
    """The reference for integrators, rendered from the same document."""
    return render_template("api/docs.html", doc=document())


def _lookup(raw: str, kind: services.Kind) -> tuple[dict[str, object], int]:
    rid = secrets.token_urlsafe(9)
    result = services.look_up(raw, kind, rid)
    if not result.found:
        return answers.miss(result), 404
    return answers.lookup(result, _photo_url(rid)), 200


def _photo_url(rid: str) -> PhotoUrl:
    """Photo addresses of answer `rid` for the token's user, under /api/ (a bearer token, not a session, opens them)."""

    def address(person_id: str) -> str:
        return url_for("api.photo", ref=photo_refs.make(current_user.id, person_id, rid))

    return address
