"""Card pages: the QR verification result (/v), the public key set, and card administration (/admin/cards)."""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from app.auth.access import recent_sign_in_required
from app.cards import admin, keyring, services, tokens, wording
from app.models import Card, Person
from app.permissions import public, roles_required
from app.ratelimits import lookup_limits
from app.registry.results import BORDER_COLOURS
from app.rendering import render, wants_fragment

bp = Blueprint("cards", __name__)

VERIFY_ROLES = ("officer", "dispatcher", "reviewer", "admin")
ADMIN_ROLES = ("admin",)
# A scan that could not even be read is bad input; every other outcome is a result to show (200).
_BAD_INPUT = {tokens.Reason.MALFORMED, tokens.Reason.NOT_ENVOY}
TONE_ICONS = {"verified": "go", "stop": "stop", "unchecked": "ask"}
TONE_WORDS = {"verified": "Verified", "stop": "Do not rely on this card", "unchecked": "Not checked"}


@dataclass(frozen=True)
class Action:
    """A button on the admin card page.

    `question` and `consequence` (with {card} and {holder}) are asked before the action is done: in a dialog,
    and again by the server when the post does not say `confirmed` (no JavaScript). None: done at once.
    `button` is its look: red (danger) for what makes prints stop verifying.
    """

    name: str
    label: str
    help: str
    button: str
    question: str | None = None
    consequence: str | None = None

    def ask(self, card: Card) -> str:
        return (self.question or "").format(card=card.card_number, holder=card.person.full_name)


ACTIONS = (
    Action(
        "reprint", "Reprint", "A new print with the same number; every older print stops verifying (superseded).", ""
    ),
    Action(
        "lost",
        "Mark lost",
        "Every print stops verifying (revoked) until the card is reprinted.",
        "danger secondary",
        "Mark card {card} of {holder} lost?",
        "Every print stops verifying at once; after a reprint only the new print verifies.",
    ),
    Action(
        "revoke",
        "Revoke",
        "For good: every print stops verifying. Issue a new card if the person needs one.",
        "danger",
        "Revoke card {card} of {holder}?",
        "Every print stops verifying, for good. This cannot be undone.",
    ),
)
ACTION = {action.name: action for action in ACTIONS}
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@bp.get("/v/<token>")
@roles_required(*VERIFY_ROLES)
@lookup_limits
def verify(token: str) -> Response:
    """The page a card's QR opens: the signature, expiry and registry checks and the verdict."""
    rid = secrets.token_urlsafe(9)
    return _result(services.verify_card_token(token, datetime.now(UTC), rid=rid), rid)


@bp.post("/v")
@roles_required(*VERIFY_ROLES)
@lookup_limits
def verify_scanned() -> Response:
    """What the officer page's scanner read (a URL or a bare token).

    A full-page post that holds a token redirects to the card's own page, /v/<token> (what the phone's camera
    app would open), so reload, back and forward never re-post; htmx and unreadable scans get the result here.
    """
    scanned = request.form.get("scanned", "")
    if not wants_fragment():
        try:
            token = tokens.extract(scanned, current_app.config["BASE_URL"])
        except tokens.TokenError:
            pass
        else:
            return redirect(url_for("cards.verify", token=token), code=303)
    rid = secrets.token_urlsafe(9)
    return _result(services.verify_card_token(scanned, datetime.now(UTC), rid=rid), rid)


@bp.get("/.well-known/jwks.json")
@public
def jwks() -> Response:
    """The public keys that verify card tokens now, for offline verifiers. Public; never private parts."""
    return jsonify(keyring.jwks(datetime.now(UTC)))


@bp.get("/admin/cards")
@roles_required(*ADMIN_ROLES)
def admin_search() -> str:
    """The search form. A search is posted (admin_search_results), never put in the address: a person's name
    in a URL stays in browser history, proxy logs and the access log (ASVS 14.2.1). An old `?q=` link is
    not run; the page says to type the search again."""
    return render_template("cards/admin_search.html", persons=None, q="", from_address="q" in request.args)


@bp.post("/admin/cards")
@roles_required(*ADMIN_ROLES)
def admin_search_results() -> Response | str:
    """The results, answered to the post itself (no redirect to an address carrying the query)."""
    q = request.form.get("q", "")
    try:
        persons = admin.search(q)
    except admin.CardAdminError as error:
        return Response(render_template("cards/admin_search.html", persons=None, q=q, error=str(error)), 422)
    return render_template("cards/admin_search.html", persons=persons, q=q)


@bp.get("/admin/cards/person/<person_id>")
@roles_required(*ADMIN_ROLES)
def admin_person(person_id: str) -> Response:
    return _person_page(person_id)


@bp.post("/admin/cards/person/<person_id>")
@roles_required(*ADMIN_ROLES)
@recent_sign_in_required
def admin_issue(person_id: str) -> Response:
    raw = request.form.get("expires_on", "")
    try:
        expires_on = date.fromisoformat(raw)
    except ValueError:
        return _person_page(person_id, error="Enter the expiry date as YYYY-MM-DD", expires_on=raw, status=422)
    try:
        card = admin.issue_card(
            person_id, expires_on, datetime.now(UTC), replace=request.form.get("confirmed") == "yes"
        )
    except admin.WouldReplace:
        return _confirm_issue_page(person_id, raw)
    except admin.CardAdminError as error:
        return _person_page(person_id, error=str(error), expires_on=raw, status=422)
    flash(f"Card {card.card_number} issued. Print it from this page.", "success")
    return redirect(url_for("cards.admin_card", card_number=card.card_number), code=303)


@bp.get("/admin/cards/<card_number>")
@roles_required(*ADMIN_ROLES)
def admin_card(card_number: str) -> Response:
    return _card_page(card_number)


@bp.post("/admin/cards/<card_number>/revoke")
@roles_required(*ADMIN_ROLES)
@recent_sign_in_required
def admin_revoke(card_number: str) -> Response:
    return _act(ACTION["revoke"], admin.revoke, card_number, "revoked")


@bp.post("/admin/cards/<card_number>/lost")
@roles_required(*ADMIN_ROLES)
@recent_sign_in_required
def admin_lost(card_number: str) -> Response:
    return _act(ACTION["lost"], admin.mark_lost, card_number, "marked lost")


@bp.post("/admin/cards/<card_number>/reprint")
@roles_required(*ADMIN_ROLES)
@recent_sign_in_required
def admin_reprint(card_number: str) -> Response:
    return _act(
        ACTION["reprint"], admin.reprint, card_number, "reprinted: print the new QR; older prints now read superseded"
    )


@bp.get("/admin/cards/<card_number>/qr.<fmt>")
@roles_required(*ADMIN_ROLES)
def admin_qr(card_number: str, fmt: str) -> Response:
    """The card's QR as a file to print: PNG (300 dpi) or SVG (sized in mm)."""
    if fmt not in CONTENT_TYPES:
        abort(404)
    try:
        data = admin.qr_image(card_number, fmt, datetime.now(UTC))
    except (tokens.KeyRingError, ValueError) as error:  # a CardAdminError too: the same 409
        abort(409, description=str(error))
    response = Response(data, mimetype=CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="card-{card_number}-qr.{fmt}"'
    return response


@bp.get("/admin/cards/<card_number>/print")
@roles_required(*ADMIN_ROLES)
def admin_print(card_number: str) -> str:
    try:
        card, svg, size = admin.print_sheet(card_number, datetime.now(UTC))
    except (tokens.KeyRingError, ValueError) as error:  # a CardAdminError too: the same 409
        abort(409, description=str(error))
    return render_template("cards/print.html", card=card, svg=_svg(svg), size=size, BORDER_COLOURS=BORDER_COLOURS)


def _result(check: services.CardCheck, rid: str) -> Response:
    status = 422 if check.reason in _BAD_INPUT else 200
    return render(
        "cards/verify.html",
        "cards/_check.html",
        status=status,
        check=check,
        rid=rid,
        OUTCOMES=wording.OUTCOMES,
        CHECK_MARKS=wording.CHECK_MARKS,
        CHECK_LABELS=wording.CHECK_LABELS,
        CALL_IN=wording.CALL_IN,
        TONE_ICONS=TONE_ICONS,
        TONE_WORDS=TONE_WORDS,
    )


def _person_page(person_id: str, error: str | None = None, expires_on: str = "", status: int = 200) -> Response:
    person = admin.person(person_id)
    defaults = None
    try:
        defaults = admin.issue_defaults(person, datetime.now(UTC).date())
    except admin.CardAdminError as problem:
        error = error or str(problem)
    replaced = admin.cards_replaced(person)
    html = render_template(
        "cards/admin_person.html",
        person=person,
        defaults=defaults,
        error=error,
        expires_on=expires_on,
        issue_question=_issue_question(person, replaced) if replaced else None,
        BORDER_COLOURS=BORDER_COLOURS,
    )
    return Response(html, status)


def _card_page(card_number: str, error: str | None = None, status: int = 200) -> Response:
    page = admin.card(card_number, datetime.now(UTC))
    html = render_template(
        "cards/admin_card.html",
        card=page.card,
        page=page,
        svg=_svg(page.svg) if page.svg else None,
        error=error,
        ACTIONS=[a for a in ACTIONS if page.card.status in admin.ALLOWED_FROM[a.name]],
        BORDER_COLOURS=BORDER_COLOURS,
    )
    return Response(html, status)


def _act(action: Action, change: admin.CardAction, card_number: str, done: str) -> Response:
    if action.question and request.form.get("confirmed") != "yes":
        return _confirm_page(action, card_number)
    try:
        card = change(card_number, datetime.now(UTC), request.form.get("note", ""))
    except admin.CardAdminError as error:
        return _card_page(card_number, error=str(error), status=409)
    flash(f"Card {card.card_number} {done}.", "success")
    return redirect(url_for("cards.admin_card", card_number=card.card_number), code=303)


def _confirm_page(action: Action, card_number: str) -> Response:
    """The question asked before a dangerous action when the dialog did not ask it (no JavaScript)."""
    card = admin.card_brief(card_number)
    note = request.form.get("note", "")
    return Response(
        render_template(
            "cards/admin_confirm.html",
            question=action.ask(card),
            consequence=action.consequence,
            action_url=url_for(f"cards.admin_{action.name}", card_number=card.card_number),
            label=action.label,
            button=action.button,
            back=url_for("cards.admin_card", card_number=card.card_number),
            crumb=card.card_number,
            hidden={"note": note},
            note=note,
        )
    )


def _issue_question(person: Person, replaced: list[Card]) -> tuple[str, str]:
    """What Issue card asks first when the new card revokes the person's current ones: the question, what follows."""
    numbers = ", ".join(card.card_number for card in replaced)
    revoked = "it is revoked" if len(replaced) == 1 else "they are revoked"
    return (
        f"Issue a new card to {person.full_name}?",
        f"The new card replaces {numbers}: {revoked} when you issue it, and every print stops verifying, for good.",
    )


def _confirm_issue_page(person_id: str, expires_on: str) -> Response:
    """Issue card's question as a page, when the dialog did not ask it (no JavaScript)."""
    person = admin.person(person_id)
    question, consequence = _issue_question(person, admin.cards_replaced(person))
    return Response(
        render_template(
            "cards/admin_confirm.html",
            question=question,
            consequence=consequence,
            action_url=url_for("cards.admin_issue", person_id=person.id),
            label="Issue card",
            button="danger",
            back=url_for("cards.admin_person", person_id=person.id),
            crumb=person.full_name,
            hidden={"expires_on": expires_on},
            note="",
        )
    )


def _svg(data: bytes) -> Markup:
    """Our own renderer's SVG (no user data in it), inlined so it prints at its true size."""
    return Markup(data.decode("ascii"))  # noqa: S704
