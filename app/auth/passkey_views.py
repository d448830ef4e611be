"""Passkey pages and their JSON steps, on the auth blueprint: sign-in, enrolment, re-sign-in, confirmation, account.

Each ceremony is two POSTs from static/js/passkeys.js: `.../options` keeps a fresh challenge in the server-side
session and returns the options; the verify POST takes the challenge out (single use, CHALLENGE_LIFETIME) before
it checks the browser's answer. Both carry the CSRF token in the X-CSRFToken header; answers are JSON, and
malformed input gets 400 with a message, never a 500.
"""

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from app.auth import devices, passkeys
from app.auth.access import recent_sign_in_required, signed_in_within
from app.auth.passkeys import PasskeyRefused, RelyingParty
from app.auth.redirects import safe_next
from app.auth.roles import SIGNED_IN
from app.auth.services import Result, Step
from app.auth.sessions import current_session
from app.auth.views import LOCKED, _finish_sign_in, _pending_user, _renew_session, bp
from app.extensions import db
from app.models.accounts import User
from app.models.base import utcnow
from app.permissions import public, roles_required
from app.ratelimits import signin_limits

CHALLENGE_KEY = "_webauthn"
CHALLENGE_LIFETIME = timedelta(minutes=3)
REFUSED = "That passkey was not accepted. Try again, or use another way to sign in."
EXPIRED = "That took too long. Try again."


# --- Sign-in, second step: the password is proven, the passkey comes next -------------------------------------


@bp.get("/login/passkey")
@public
def passkey() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or not user.has_passkey:
        return redirect(url_for("auth.login"))
    return render_template("auth/passkey.html", has_totp=user.has_totp)


@bp.post("/login/passkey/options")
@public
@signin_limits
def passkey_options() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or not user.has_passkey:
        return _restart_json()
    options, challenge = passkeys.authentication_options(_rp(), user)
    return _keep(options, challenge, "second_factor")


@bp.post("/login/passkey")
@public
@signin_limits
def passkey_post() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or not user.has_passkey:
        return _restart_json()
    body, challenge = _answer("second_factor")
    if challenge is None:
        return _problem(EXPIRED, 400)
    result = passkeys.check_passkey(
        body.get("credential"),
        challenge,
        _rp(),
        user_id=user.id,
        purpose="second_factor",
        device_cookie=devices.presented(),
    )
    return _signed_in_or_refused(result)


# --- Enrolment: a user who must have a second factor and has none ------------------------------------------------


@bp.post("/login/enrol/passkey/options")
@public
def enrol_passkey_options() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.has_second_factor:
        return _restart_json()
    options, challenge = passkeys.registration_options(_rp(), user)
    return _keep(options, challenge, "enrol")


@bp.post("/login/enrol/passkey")
@public
def enrol_passkey() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.has_second_factor:
        return _restart_json()
    body, challenge = _answer("enrol")
    if challenge is None:
        return _problem(EXPIRED, 400)
    try:
        result = passkeys.add_passkey(
            user.id, body.get("credential"), challenge, _rp(), name=body.get("name"), signing_in=True
        )
    except PasskeyRefused as refused:
        return _problem(_registration_message(refused), 400)
    return _signed_in_or_refused(result)


# --- The login page's passkey button: a whole sign-in in one touch (discoverable credential) ------------------


@bp.post("/login/discover/options")
@public
@signin_limits
def discover_options() -> ResponseReturnValue:
    options, challenge = passkeys.authentication_options(_rp(), None)
    return _keep(options, challenge, "sign_in")


@bp.post("/login/discover")
@public
@signin_limits
def discover() -> ResponseReturnValue:
    body, challenge = _answer("sign_in")
    if body.get("acknowledge") is not True:
        # CJIS AC-8: the logon banner is acknowledged before access, whichever way the user signs in.
        return _problem("Tick the box to confirm you have read the notice.", 400)
    if challenge is None:
        return _problem(EXPIRED, 400)
    result = passkeys.check_passkey(
        body.get("credential"), challenge, _rp(), user_id=None, purpose="sign_in", device_cookie=devices.presented()
    )
    return _signed_in_or_refused(result, next_path=safe_next(_text(body.get("next"))))


# --- Re-authentication before a privileged action -----------------------------------------------------------------


@bp.post("/login/confirm/passkey/options")
@roles_required(*SIGNED_IN)
def confirm_passkey_options() -> ResponseReturnValue:
    user = _signed_in_user()
    if not user.has_passkey:
        return _problem("Your account has no passkey.", 400)
    options, challenge = passkeys.authentication_options(_rp(), user)
    return _keep(options, challenge, "reauth")


@bp.post("/login/confirm/passkey")
@roles_required(*SIGNED_IN)
def confirm_passkey() -> ResponseReturnValue:
    user = _signed_in_user()
    body, challenge = _answer("reauth")
    if challenge is None:
        return _problem(EXPIRED, 400)
    result = passkeys.check_passkey(
        body.get("credential"), challenge, _rp(), user_id=user.id, purpose="reauth", device_cookie=devices.presented()
    )
    if result.step is Step.LOCKED:
        return _locked_json()
    if result.step is not Step.SIGNED_IN:
        return _problem(REFUSED, 401)
    _renew_session(user.id)  # ASVS 7.2.4: re-authentication gets a new session id too
    return {"redirect": safe_next(_text(body.get("next"))) or url_for("home.index")}


# --- The account page: list, add, remove -------------------------------------------------------------------------


@bp.get("/account/passkeys")
@roles_required(*SIGNED_IN)
@recent_sign_in_required
def account_passkeys() -> ResponseReturnValue:
    return _account_page()


@bp.post("/account/passkeys/options")
@roles_required(*SIGNED_IN)
def add_passkey_options() -> ResponseReturnValue:
    if not _recently_confirmed():
        return _confirm_first()
    options, challenge = passkeys.registration_options(_rp(), _signed_in_user())
    return _keep(options, challenge, "add")


@bp.post("/account/passkeys")
@roles_required(*SIGNED_IN)
def add_passkey() -> ResponseReturnValue:
    if not _recently_confirmed():
        return _confirm_first()
    body, challenge = _answer("add")
    if challenge is None:
        return _problem(EXPIRED, 400)
    try:
        passkeys.add_passkey(
            current_user.id, body.get("credential"), challenge, _rp(), name=body.get("name"), signing_in=False
        )
    except PasskeyRefused as refused:
        return _problem(_registration_message(refused), 400)
    flash("Passkey added. Next time, sign in with it.", "success")
    return {"redirect": url_for("auth.account_passkeys")}


@bp.post("/account/passkeys/<int:passkey_id>/remove")
@roles_required(*SIGNED_IN)
@recent_sign_in_required
def remove_passkey(passkey_id: int) -> ResponseReturnValue:
    problem = passkeys.remove_passkey(
        current_user.id, passkey_id, mfa_roles=tuple(current_app.config["MFA_REQUIRED_ROLES"])
    )
    if problem is not None:
        return _account_page(error=problem), 409
    flash("Passkey removed.", "success")
    return redirect(url_for("auth.account_passkeys"), 303)


def _account_page(error: str | None = None) -> str:
    user = _signed_in_user()
    return render_template("auth/passkeys.html", passkeys=user.passkeys, has_totp=user.has_totp, error=error)


# --- Shared steps -------------------------------------------------------------------------------------------------


def _rp() -> RelyingParty:
    return RelyingParty.from_base_url(current_app.config["BASE_URL"])


def _keep(options: dict[str, Any], challenge: bytes, purpose: str) -> ResponseReturnValue:
    """Keep the challenge in the server-side session (replacing any earlier one) and return the options."""
    current_session()[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "at": utcnow().isoformat(),
    }
    return {"options": options}


def _answer(purpose: str) -> tuple[dict[str, Any], bytes | None]:
    """The request's JSON object (empty if it is not one) and the challenge kept for `purpose`, taken out now.

    The challenge goes whatever happens next: a second answer to the same challenge finds none (single use).
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    server_session = current_session()
    kept = server_session.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        return body, None
    try:
        made = datetime.fromisoformat(str(kept.get("at")))
        challenge = base64url_to_bytes(str(kept.get("challenge")))
    except ValueError:
        return body, None
    if utcnow() - made > CHALLENGE_LIFETIME:
        return body, None
    return body, challenge


def _signed_in_or_refused(result: Result, next_path: str | None = None) -> ResponseReturnValue:
    if result.step is Step.SIGNED_IN and result.user_id is not None:
        if next_path is None:
            pending_next = current_session().get("_pending_next")
            next_path = safe_next(pending_next if isinstance(pending_next, str) else None)
        finished = _finish_sign_in(result.user_id, next_path)
        # The browser follows the redirect itself (static/js/passkeys.js); the device cookie must still reach it.
        response = jsonify(redirect=finished.headers["Location"])  # type: ignore[union-attr]
        for cookie in finished.headers.getlist("Set-Cookie"):  # type: ignore[union-attr]
            response.headers.add("Set-Cookie", cookie)
        return response
    if result.step is Step.LOCKED:
        return _locked_json()
    return _problem(REFUSED, 401)


def _locked_json() -> ResponseReturnValue:
    current_session().end()
    return {"error": "locked", "message": LOCKED, "redirect": url_for("auth.login")}, 401


def _restart_json() -> ResponseReturnValue:
    body = {"error": "restart", "message": "Sign-in took too long or was interrupted. Please sign in again."}
    return {**body, "redirect": url_for("auth.login")}, 409


def _problem(message: str, status: int) -> ResponseReturnValue:
    return {"error": "refused" if status == 401 else "invalid", "message": message}, status


def _confirm_first() -> ResponseReturnValue:
    target = url_for("auth.confirm", next=url_for("auth.account_passkeys"))
    return {"error": "confirm", "message": "Confirm it is you first.", "redirect": target}, 403


def _recently_confirmed() -> bool:
    return signed_in_within(int(current_app.config["REAUTH_MINUTES"]))


def _registration_message(refused: PasskeyRefused) -> str:
    if refused.reason == "already_registered":
        return "That passkey is already registered."
    return "The passkey could not be added (it must be unlocked with your fingerprint, face or PIN). Try again."


def _signed_in_user() -> User:
    user = db.session.get(User, current_user.id)
    assert user is not None
    return user


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
