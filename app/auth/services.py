"""Sign-in: password check, second factor, lockout and sign-out; each call commits once, with its audit event.

The views own the session (rotation, Flask-Login); these functions own the database.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select

from app.audit import service as audit
from app.audit.actor import Actor, current_actor
from app.auth import devices, passwords, totp
from app.auth.roles import mfa_required
from app.auth.sessions import delete_user_sessions, hash_session_id
from app.extensions import db
from app.models.accounts import User, UserSession
from app.models.base import utcnow
from app.models.devices import KnownDevice
from app.totp_keys import UnreadableSecret

log = logging.getLogger(__name__)

# CJIS v6.0 AC-7 and IA-5(1)(a)(14): 5 consecutive invalid attempts lock the account (or the node:
# app/auth/devices.py) until an admin unlocks it.
LOCK_THRESHOLD = devices.LOCK_THRESHOLD
# CJIS v6.0 AC-2(3): disable accounts unused for 90 days. Checked at sign-in and by `flask users disable-idle`.
IDLE_LIMIT = timedelta(days=90)
# Only something shaped like an email address typed on a failed sign-in goes into the audit trail:
# people type passwords into the wrong field.
EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


class Step(StrEnum):
    SIGNED_IN = "signed_in"  # nothing more to check: start the session
    SECOND_FACTOR = "second_factor"  # password right; ask for the passkey (first) or the TOTP code
    ENROL = "enrol"  # password right; a second factor is required but none is set up yet
    REFUSED = "refused"  # wrong, unknown, disabled or locked: the same answer for all
    LOCKED = "locked"  # a second-factor attempt locked (or found locked) the account


@dataclass(frozen=True)
class Result:
    step: Step
    user_id: int | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password(
    email: str, password: str, *, mfa_roles: tuple[str, ...] = (), device_cookie: str | None = None
) -> Result:
    """First step of sign-in. Unknown, disabled, locked and wrong-password answers look the same to the caller.

    `device_cookie`: the browser's device cookie, if any; failures count against that device or the unknown ones.
    """
    email = normalise_email(email)
    user = db.session.scalars(select(User).where(User.email == email).with_for_update()).one_or_none()
    if user is None:
        passwords.burn_verify_time(password)
        audit.record(
            "auth.login",
            "failure",
            detail={"reason": "unknown_account"},
            actor=current_actor().acting_as(email if EMAIL_SHAPE.fullmatch(email) else ""),
        )
        db.session.commit()
        return Result(Step.REFUSED)
    actor = current_actor().acting_as(user)
    password_ok = passwords.verify_password(user.password_hash, password)
    now = utcnow()
    device = devices.recognise(user, device_cookie, now)
    seen = {"device": "known" if device is not None else "unknown"}
    if disable_if_idle(user, now):
        audit.record("auth.login", "failure", detail={"reason": "idle_account_disabled"}, actor=actor)
    elif user.is_disabled:
        audit.record("auth.login", "failure", detail={"reason": "disabled"}, actor=actor)
    elif devices.is_locked(user, device):
        audit.record("auth.login", "locked", detail={"reason": devices.lock_reason(user), **seen}, actor=actor)
    elif not password_ok:
        locked_now = _register_failure(user, now, device)
        outcome = "locked" if locked_now else "failure"
        detail = {"reason": "wrong_password", "account_locked": locked_now, **seen}
        audit.record("auth.login", outcome, detail=detail, actor=actor)
    else:
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        if user.has_second_factor or mfa_required(user.role, mfa_roles):
            step = Step.SECOND_FACTOR if user.has_second_factor else Step.ENROL
            audit.record("auth.login", "mfa_required", detail={"enrolment": step is Step.ENROL}, actor=actor)
            db.session.commit()
            return Result(step, user.id)
        _record_success(user, now, actor, detail={"second_factor": False}, device=device)
        db.session.commit()
        return Result(Step.SIGNED_IN, user.id)
    db.session.commit()
    return Result(Step.REFUSED)


def check_second_factor(
    user_id: int, code: str, *, enrol_secret: str | None = None, device_cookie: str | None = None
) -> Result:
    """Second step: a TOTP code from the enrolled secret, or from `enrol_secret` to confirm enrolment.

    A code is accepted once (ASVS 6.5.1): its time step must be later than the last one used. Wrong and
    replayed codes count towards the lockout like wrong passwords.
    """
    user = db.session.scalars(select(User).where(User.id == user_id).with_for_update()).one_or_none()
    if user is None or user.is_disabled:
        db.session.rollback()
        return Result(Step.REFUSED)
    actor = current_actor().acting_as(user)
    now = utcnow()
    device = devices.recognise(user, device_cookie, now)
    if devices.is_locked(user, device):
        audit.record("auth.mfa", "failure", detail={"method": "totp", "reason": devices.lock_reason(user)}, actor=actor)
        db.session.commit()
        return Result(Step.LOCKED)
    secret = enrol_secret if enrol_secret is not None else user.totp_secret
    if secret is None:
        db.session.rollback()
        return Result(Step.REFUSED)
    if isinstance(secret, UnreadableSecret):
        # Fail closed, without counting towards the lockout: the user did nothing wrong, the stored value changed.
        log.error("user %s: TOTP secret opens with no key in TOTP_KEYS (changed?); sign-in refused", user.id)
        audit.record("auth.mfa", "failure", detail={"method": "totp", "reason": "secret_unreadable"}, actor=actor)
        db.session.commit()
        return Result(Step.REFUSED, user.id)
    step = totp.matching_step(secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        outcome = "failure" if step is None else "replay"
        locked_now = _register_failure(user, now, device)
        detail = {"method": "totp", "account_locked": locked_now, "enrolment": enrol_secret is not None}
        audit.record("auth.mfa", outcome, detail=detail, actor=actor)
        db.session.commit()
        return Result(Step.LOCKED if locked_now else Step.REFUSED, user.id)
    user.totp_last_step = step
    if enrol_secret is not None:
        user.totp_secret = enrol_secret
    detail = {"method": "totp", "enrolment": enrol_secret is not None}
    audit.record("auth.mfa", "success", detail=detail, actor=actor)
    _record_success(user, now, actor, detail={"second_factor": True, "method": "totp"}, device=device)
    db.session.commit()
    return Result(Step.SIGNED_IN, user.id)


def check_reauthentication(
    user_id: int, password: str, code: str | None, *, device_cookie: str | None = None
) -> Result:
    """A signed-in user proves again who they are before a privileged action (CJIS IA-11): password and code.

    A user with passkeys but no TOTP confirms with a passkey (app.auth.passkeys.check_passkey): the password
    alone is one factor, and is refused for them.
    """
    user = db.session.scalars(select(User).where(User.id == user_id).with_for_update()).one_or_none()
    if user is None or user.is_disabled:
        db.session.rollback()
        return Result(Step.REFUSED)
    actor = current_actor().acting_as(user)
    now = utcnow()
    device = devices.recognise(user, device_cookie, now)
    password_ok = passwords.verify_password(user.password_hash, password)
    step = None
    if user.totp_secret is not None:
        step = totp.matching_step(user.totp_secret, code or "", now)
        if step is not None and user.totp_last_step is not None and step <= user.totp_last_step:
            step = None
    if devices.is_locked(user, device):
        audit.record("auth.reauth", "locked", detail={"reason": devices.lock_reason(user)}, actor=actor)
        db.session.commit()
        return Result(Step.LOCKED, user.id)
    passkey_only = user.totp_secret is None and user.has_passkey
    if not password_ok or passkey_only or (user.totp_secret is not None and step is None):
        locked_now = _register_failure(user, now, device)
        audit.record("auth.reauth", "failure", detail={"account_locked": locked_now}, actor=actor)
        db.session.commit()
        return Result(Step.LOCKED if locked_now else Step.REFUSED, user.id)
    if step is not None:
        user.totp_last_step = step
    devices.clear_failures(user, device)
    audit.record("auth.reauth", "success", actor=actor)
    db.session.commit()
    return Result(Step.SIGNED_IN, user.id)


class PasswordChange(StrEnum):
    CHANGED = "changed"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 -- the current password was wrong (counts towards the lockout)
    LOCKED = "locked"
    REJECTED = "rejected"  # the new password breaks a rule; `problems` says which


@dataclass(frozen=True)
class PasswordChangeResult:
    outcome: PasswordChange
    problems: tuple[str, ...] = ()


def change_password(
    user_id: int, current: str, new: str, *, keep_session_id: str | None, device_cookie: str | None = None
) -> PasswordChangeResult:
    """The user's own password change (ASVS 6.2.3): the current password, then a new one that passes the rules.

    Every other session of the user ends (ASVS 7.4.3); the caller gives this session a new id.
    """
    user = db.session.scalars(select(User).where(User.id == user_id).with_for_update()).one()
    now = utcnow()
    device = devices.recognise(user, device_cookie, now)
    if devices.is_locked(user, device):
        db.session.rollback()
        return PasswordChangeResult(PasswordChange.LOCKED)
    if not passwords.verify_password(user.password_hash, current):
        locked_now = _register_failure(user, now, device)
        detail = {"reason": "wrong_password", "account_locked": locked_now}
        audit.record("auth.password_change", "failure", detail=detail)
        db.session.commit()
        return PasswordChangeResult(PasswordChange.LOCKED if locked_now else PasswordChange.WRONG_PASSWORD)
    problems = passwords.problems(new, email=user.email)
    if not problems and passwords.verify_password(user.password_hash, new):
        problems = ["Choose a password different from your current one."]
    if problems:
        devices.clear_failures(user, device)
        audit.record("auth.password_change", "rejected", detail={"reason": "password_rules"})
        db.session.commit()
        return PasswordChangeResult(PasswordChange.REJECTED, tuple(problems))
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.must_change_password = False
    devices.clear_failures(user, device)
    ended = delete_user_sessions(user.id, keep=keep_session_id)
    audit.record("auth.password_change", "success", detail={"other_sessions_ended": ended})
    db.session.commit()
    return PasswordChangeResult(PasswordChange.CHANGED)


def disable_if_idle(user: User, now: datetime) -> bool:
    """Disable an enabled account unused for IDLE_LIMIT, in the caller's transaction; True if it was."""
    last_active = user.last_active_at
    if user.is_disabled or now - last_active < IDLE_LIMIT:
        return False
    user.is_disabled = True
    user.disabled_reason = "idle"
    user.status_changed_at = now
    ended = delete_user_sessions(user.id)
    audit.record(
        "admin.user_disable",
        "success",
        record_ids=[str(user.id)],
        detail={"reason": "idle", "last_active_at": last_active.isoformat(), "sessions_ended": ended},
    )
    return True


def sign_out(user: User | None, session_id: str | None) -> None:
    """End this session now: its row is deleted in the same transaction as the audit event."""
    if session_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id_hash == hash_session_id(session_id)))
    if user is not None:
        audit.record("auth.logout", "success", actor=current_actor().acting_as(user))
    db.session.commit()


def pending_user(user_id: int) -> User | None:
    """The user half-way through sign-in, if they may still finish it."""
    user = db.session.get(User, user_id)
    if user is None or user.is_disabled or user.is_locked:
        return None
    return user


def _register_failure(user: User, now: datetime, device: KnownDevice | None = None) -> bool:
    """Count a failed attempt against the device it came from (None: the unknown devices); True when it locks.

    app/auth/devices.py keeps the buckets and raises the `auth.lockout` alert in the caller's transaction.
    """
    return devices.register_failure(user, device, now)


def _record_success(
    user: User, now: datetime, actor: Actor, *, detail: dict[str, object], device: KnownDevice | None = None
) -> None:
    devices.clear_failures(user, device)
    user.last_login_at = now
    audit.record("auth.login", "success", detail={**detail, "banner_acknowledged": True}, actor=actor)
