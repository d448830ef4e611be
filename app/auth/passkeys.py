"""Passkeys (WebAuthn, via py_webauthn): the ceremonies' options and checks, and the passkey rows they change.

Every passkey is created and used with user verification required (the fingerprint, face or PIN that unlocks it),
so a passkey alone is two factors: the device that holds the private key, and the person who unlocks it
(NIST SP 800-63B multi-factor cryptographic authenticator). That is why it can stand in for password and code at
the idle re-sign-in and at the privileged-action confirmation. Each function that writes commits once, with its
audit event; wrong or malformed answers raise PasskeyRefused, and failures that name an account count towards
its lockout like a wrong code.
"""

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json, parse_registration_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.audit import alerts
from app.audit import service as audit
from app.audit.actor import current_actor
from app.auth import devices
from app.auth.roles import mfa_required
from app.auth.services import Result, Step, _record_success, _register_failure, disable_if_idle
from app.extensions import db
from app.models.accounts import Passkey, User
from app.models.base import utcnow
from app.models.devices import KnownDevice

log = logging.getLogger(__name__)

# How long the browser may take (the user finds the phone, touches the sensor); the challenge dies soon after.
CEREMONY_TIMEOUT_MS = 120_000
NAME_MAX = 60
# The largest credential JSON a real authenticator sends is a few kB (attestation certificates included).
CREDENTIAL_JSON_MAX = 64 * 1024
# The library raises its own WebAuthnException for most malformed input; base64url and CBOR decoding of hostile
# input can still surface as these (binascii.Error is a ValueError).
MALFORMED = (WebAuthnException, ValueError, TypeError, KeyError, IndexError, OverflowError)


class PasskeyRefused(Exception):
    """The browser's answer was malformed or did not verify; `reason` goes into the audit trail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: BASE_URL's host name is the RP id, its scheme and host the only origin."""

    id: str
    origin: str
    name: str = "Envoy"

    @classmethod
    def from_base_url(cls, base_url: str) -> "RelyingParty":
        parts = urlsplit(base_url)
        return cls(id=parts.hostname or "", origin=f"{parts.scheme}://{parts.netloc}")


def user_handle(user: User) -> bytes:
    """The WebAuthn user id: opaque (no email, no name), stable for the account, so one phone keeps one passkey."""
    return f"envoy-user-{user.id}".encode()


def registration_options(rp: RelyingParty, user: User) -> tuple[dict[str, Any], bytes]:
    """Options for navigator.credentials.create() and the challenge to keep; the user's passkeys are excluded."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_id=user_handle(user),
        user_display_name=user.email,
        timeout=CEREMONY_TIMEOUT_MS,
        # Discoverable (resident) credentials: the login page's "sign in with a passkey" needs no email address.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(passkey) for passkey in user.passkeys],
    )
    return json.loads(options_to_json(options)), options.challenge


def authentication_options(rp: RelyingParty, user: User | None) -> tuple[dict[str, Any], bytes]:
    """Options for navigator.credentials.get(): this user's passkeys, or (no user) any discoverable one."""
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[_descriptor(passkey) for passkey in user.passkeys] if user is not None else [],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options)), options.challenge


def clean_name(name: object, existing: int) -> str:
    """The user's label for a new passkey, one line and at most NAME_MAX characters; a default when blank."""
    text = " ".join(str(name).split())[:NAME_MAX] if isinstance(name, str) else ""
    return text or f"Passkey {existing + 1}"


def add_passkey(
    user_id: int, credential: object, challenge: bytes, rp: RelyingParty, *, name: object, signing_in: bool
) -> Result:
    """Verify a new credential and keep it as the user's passkey, in one transaction with its audit event.

    `signing_in`: the user is enrolling their first second factor half-way through sign-in (password proven):
    this also completes the sign-in, as a first TOTP code does. Raises PasskeyRefused; a refused registration
    does not count towards the lockout (nothing was guessed: the user's own authenticator answered).
    """
    user = db.session.scalars(select(User).where(User.id == user_id).with_for_update()).one_or_none()
    if user is None or user.is_disabled or user.is_locked:
        db.session.rollback()
        return Result(Step.REFUSED)
    actor = current_actor().acting_as(user)
    try:
        parsed = _registration_credential(credential)
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except PasskeyRefused as refused:
        audit.record("auth.passkey_add", "failure", detail={"reason": refused.reason}, actor=actor)
        db.session.commit()
        raise
    except MALFORMED as error:
        log.info("user %s: passkey registration refused: %s", user.id, error)
        audit.record("auth.passkey_add", "failure", detail={"reason": "verification_failed"}, actor=actor)
        db.session.commit()
        raise PasskeyRefused("verification_failed") from None
    taken = db.session.scalars(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)).first()
    if taken is not None:
        audit.record("auth.passkey_add", "failure", detail={"reason": "already_registered"}, actor=actor)
        db.session.commit()
        raise PasskeyRefused("already_registered")
    passkey = Passkey(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(t.value) for t in parsed.response.transports or []],
        name=clean_name(name, len(user.passkeys)),
        last_used_at=utcnow() if signing_in else None,
    )
    user.passkeys.append(passkey)
    db.session.flush()
    detail = {"passkey_id": passkey.id, "name": passkey.name, "via": "sign_in" if signing_in else "account"}
    audit.record("auth.passkey_add", "success", record_ids=[f"passkey:{passkey.id}"], detail=detail, actor=actor)
    if signing_in:
        audit.record("auth.mfa", "success", detail={"method": "passkey", "enrolment": True}, actor=actor)
        _record_success(user, utcnow(), actor, detail={"second_factor": True, "method": "passkey"})
    db.session.commit()
    return Result(Step.SIGNED_IN, user.id)


def check_passkey(
    credential: object,
    challenge: bytes,
    rp: RelyingParty,
    *,
    user_id: int | None,
    purpose: str,
    device_cookie: str | None = None,
) -> Result:
    """Verify a passkey assertion: the second step of sign-in, the whole of a re-sign-in, or a re-authentication.

    `user_id` None: the login page's passkey button, where the credential names its account (discoverable).
    `purpose` is "second_factor", "sign_in" or "reauth". Every outcome is audited; a wrong answer for a known
    account counts towards its lockout, in the bucket of the device it came from (`device_cookie`, as for a TOTP
    code: app/auth/devices.py), so an account locked for unknown devices still takes a passkey on a known one.
    Returns SIGNED_IN, REFUSED or LOCKED.
    """
    try:
        parsed = _authentication_credential(credential)
    except PasskeyRefused as refused:
        return _refused_anonymous(refused.reason, purpose)
    passkey = db.session.scalars(select(Passkey).where(Passkey.credential_id == parsed.raw_id)).one_or_none()
    # The account at stake: the one signing in when known (a wrong passkey counts against it), else the passkey's.
    owner_id = user_id if user_id is not None else passkey.user_id if passkey is not None else None
    if owner_id is None:
        return _refused_anonymous("unknown_passkey", purpose)
    user = db.session.scalars(select(User).where(User.id == owner_id).with_for_update()).one_or_none()
    if user is None:
        return _refused_anonymous("unknown_passkey", purpose)
    actor = current_actor().acting_as(user)
    action = "auth.reauth" if purpose == "reauth" else "auth.mfa"
    now = utcnow()
    if purpose == "sign_in" and disable_if_idle(user, now):
        return _refuse(user, action, "idle_account_disabled", purpose, count=False)
    if user.is_disabled:
        return _refuse(user, action, "disabled", purpose, count=False)
    device = devices.recognise(user, device_cookie, now)
    if devices.is_locked(user, device):
        detail = {"method": "passkey", "reason": devices.lock_reason(user)}
        audit.record(action, "locked", detail=detail, actor=actor)
        db.session.commit()
        return Result(Step.LOCKED, user.id)
    if passkey is None or (user_id is not None and passkey.user_id != user_id):
        return _refuse(user, action, "not_this_users_passkey", purpose, device=device)
    handle = parsed.response.user_handle
    if handle is not None and handle != user_handle(user):
        return _refuse(user, action, "user_handle_mismatch", purpose, device=device)
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except MALFORMED as error:
        log.info("user %s: passkey sign-in refused: %s", user.id, error)
        if "sign count" not in str(error):
            return _refuse(user, action, "verification_failed", purpose, device=device)
        # A counter that did not grow means two copies of one key (WebAuthn §6.1.1): refused, and someone must look.
        detail = {"user_id": user.id, "passkey_id": passkey.id, "stored_count": passkey.sign_count}
        alerts.raise_alert_with("auth.passkey_clone", detail=detail, actor=actor)
        return _refuse(user, action, "sign_count_not_increased", purpose, device=device)
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now
    detail = {"method": "passkey", "passkey_id": passkey.id, "purpose": purpose}
    if purpose == "reauth":
        devices.clear_failures(user, device)
        audit.record("auth.reauth", "success", detail=detail, actor=actor)
    else:
        audit.record("auth.mfa", "success", detail=detail, actor=actor)
        _record_success(user, now, actor, detail={"second_factor": True, "method": "passkey"}, device=device)
    db.session.commit()
    return Result(Step.SIGNED_IN, user.id)


def remove_passkey(user_id: int, passkey_id: int, *, mfa_roles: tuple[str, ...]) -> str | None:
    """Remove one of the user's own passkeys; None when done, else the reason it was refused (nothing changed).

    The last second factor of a user who must have one stays: without it the next sign-in would be a password
    alone until they enrol again, and an admin's reset is the way to replace a lost one.
    """
    user = db.session.scalars(select(User).where(User.id == user_id).with_for_update()).one()
    passkey = next((p for p in user.passkeys if p.id == passkey_id), None)
    if passkey is None:
        db.session.rollback()
        return "That passkey is not on your account (already removed?)."
    if len(user.passkeys) == 1 and not user.has_totp and mfa_required(user.role, mfa_roles):
        audit.record("auth.passkey_remove", "refused", detail={"passkey_id": passkey.id, "reason": "last_factor"})
        db.session.commit()
        return (
            "This is your only second factor, and your account must have one: add another passkey first. "
            "If this phone is lost, ask your administrator to reset your second factor."
        )
    user.passkeys.remove(passkey)
    detail = {"passkey_id": passkey_id, "name": passkey.name}
    audit.record("auth.passkey_remove", "success", record_ids=[f"passkey:{passkey_id}"], detail=detail)
    db.session.commit()
    return None


def _refuse(
    user: User, action: str, reason: str, purpose: str, *, count: bool = True, device: KnownDevice | None = None
) -> Result:
    locked_now = _register_failure(user, utcnow(), device) if count else False
    detail = {"method": "passkey", "reason": reason, "purpose": purpose, "account_locked": locked_now}
    audit.record(action, "failure", detail=detail, actor=current_actor().acting_as(user))
    db.session.commit()
    return Result(Step.LOCKED if locked_now else Step.REFUSED, user.id)


def _refused_anonymous(reason: str, purpose: str) -> Result:
    """A passkey answer that names no account we know: audited, counted by the sign-in rate limits only."""
    db.session.rollback()
    action = "auth.reauth" if purpose == "reauth" else "auth.mfa"
    audit.record(action, "failure", detail={"method": "passkey", "reason": reason, "purpose": purpose})
    db.session.commit()
    return Result(Step.REFUSED)


def _registration_credential(credential: object) -> RegistrationCredential:
    if not isinstance(credential, dict) or len(json.dumps(credential)) > CREDENTIAL_JSON_MAX:
        raise PasskeyRefused("malformed")
    try:
        return parse_registration_credential_json(credential)
    except MALFORMED:
        raise PasskeyRefused("malformed") from None


def _authentication_credential(credential: object) -> AuthenticationCredential:
    if not isinstance(credential, dict) or len(json.dumps(credential)) > CREDENTIAL_JSON_MAX:
        raise PasskeyRefused("malformed")
    try:
        return parse_authentication_credential_json(credential)
    except MALFORMED:
        raise PasskeyRefused("malformed") from None


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for value in passkey.transports or []:
        try:
            transports.append(AuthenticatorTransport(value))
        except ValueError:
            continue  # a transport this library version does not know: the browser finds the key without the hint
    return PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=transports or None)
