"""Managing accounts (admin pages and `flask users`): create, disable, enable, unlock, set a temporary password,
reset the second factor.

Each function commits once, with its audit event; bad input raises AccountError and changes nothing.
"""

import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, undefer
from sqlalchemy.orm.attributes import flag_modified

from app import totp_keys
from app.audit import service as audit
from app.audit.actor import Actor
from app.auth import devices, passwords
from app.auth.roles import Role
from app.auth.services import disable_if_idle, normalise_email
from app.auth.sessions import delete_user_session, delete_user_sessions
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models.accounts import Agency, User
from app.models.base import utcnow
from app.offices import OFFICE_NAMES, STATES, Office

EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
AGENCY_MAX = 200


class AccountError(DomainError):
    """The request cannot be carried out; `problems` says why, in words for the user."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class InvalidAccount(AccountError):
    """A new account's details break the rules: every problem at once, `by_field` keyed by the argument concerned."""

    def __init__(self, by_field: dict[str, list[str]]) -> None:
        super().__init__(*(problem for problems in by_field.values() for problem in problems))
        self.by_field = by_field


class NoSuchUser(AccountError):
    status = 404

    def __init__(self) -> None:
        super().__init__("No such user.")


def validate_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_PATTERN.fullmatch(email):
        raise AccountError("Enter an email address like name@agency.gov.")
    return email


def find_user(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NoSuchUser()
    return user


def list_users() -> Sequence[User]:
    return db.session.scalars(
        select(User)
        .options(selectinload(User.agency), selectinload(User.passkeys), undefer(User.totp_secret))
        .order_by(User.email)
    ).all()


def agency_names() -> Sequence[str]:
    return db.session.scalars(select(Agency.name).order_by(Agency.name)).all()


def _agency_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > AGENCY_MAX:
        raise AccountError(f"Enter the agency's name (at most {AGENCY_MAX} characters).")
    return name


def _agency(name: str) -> Agency:
    """The agency of this checked name (whatever its case), created if new."""
    agency = db.session.scalars(select(Agency).where(func.lower(Agency.name) == name.lower())).one_or_none()
    if agency is None:
        agency = Agency(name=name)
        db.session.add(agency)
    return agency


def set_agency_location(name: str, state: str | None, time_zone: str | None, *, actor: Actor) -> Agency:
    """Where an agency works: its officers' incident form starts on this state and this clock (SPEC §5).

    Only what is given changes; an unknown agency, state or time zone is refused and nothing changes.
    """
    with transaction():
        agency = db.session.scalars(select(Agency).where(func.lower(Agency.name) == name.strip().lower())).first()
        if agency is None:
            raise AccountError(f"No agency is named {name!r}.")
        if state is not None:
            if state.upper() not in STATES:
                raise AccountError(f"{state!r} is not a US state or territory code (e.g. NY, DC, PR).")
            agency.state = state.upper()
        if time_zone is not None:
            try:
                ZoneInfo(time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise AccountError(f"{time_zone!r} is not a time zone name (e.g. America/New_York).") from None
            agency.time_zone = time_zone
        audit.record(
            "admin.agency_update",
            "ok",
            actor=actor,
            record_ids=[f"agency:{agency.id}"],
            detail={"agency": agency.name, "state": agency.state, "time_zone": agency.time_zone},
        )
    return agency


def create_user(
    email: str,
    role: str,
    agency: str,
    password: str,
    *,
    totp_secret: str | None = None,
    temporary_password: bool = False,
    office: str | None = None,
    actor: Actor,
) -> User:
    """A new account; the agency is created if it does not exist yet.

    `temporary_password`: someone else chose it, so the user must replace it at first sign-in.
    `office`: a reviewer's home OFM office (their queue opens on it); kept for reviewers only, since no other
    role has a queue (the admin form sends the field whatever the role).
    Raises InvalidAccount with every problem found, by argument, and changes nothing.
    """
    problems: dict[str, list[str]] = {}
    try:
        email = validate_email(email)
    except AccountError as error:
        problems["email"] = error.problems
    else:
        if find_user(email) is not None:
            problems["email"] = ["An account with this email address already exists."]
    if role not in {r.value for r in Role}:
        problems["role"] = [f"Choose a role: {', '.join(r.value for r in Role)}."]
    try:
        agency = _agency_name(agency)
    except AccountError as error:
        problems["agency"] = error.problems
    if found := passwords.problems(password, email=email):
        problems["password"] = found
    home_office: Office | None = None
    if office and role == Role.REVIEWER:
        try:
            home_office = Office(office)
        except ValueError:
            problems["office"] = [f"Choose an office: {', '.join(OFFICE_NAMES.values())}."]
    if problems:
        raise InvalidAccount(problems)
    with transaction():
        user = User(
            email=email,
            password_hash=passwords.hash_password(password),
            role=Role(role),
            agency=_agency(agency),
            totp_secret=totp_secret,
            recent_failures=[],
            must_change_password=temporary_password,
            office=home_office,
        )
        db.session.add(user)
        db.session.flush()
        _record_admin_action(
            "admin.user_create",
            user,
            actor,
            email=email,
            role=role,
            agency=user.agency.name,
            temporary_password=temporary_password,
            office=home_office.value if home_office else None,
        )
    return user


def disable_user(user_id: int, *, actor: Actor) -> User:
    """Disable the account and end all of its sessions in the same transaction."""
    user = get_user(user_id)
    if user.id == actor.user_id:
        raise AccountError("You cannot disable your own account.")
    with transaction():
        user.is_disabled = True
        user.disabled_reason = "admin"
        user.status_changed_at = utcnow()
        ended = delete_user_sessions(user.id)
        _record_admin_action("admin.user_disable", user, actor, sessions_ended=ended)
    return user


def enable_user(user_id: int, *, actor: Actor) -> User:
    """Let a disabled account sign in again; its idle clock restarts now. Locks and the second factor stay."""
    user = get_user(user_id)
    if not user.is_disabled:
        raise AccountError(f"{user.email} is not disabled.")
    with transaction():
        reason = user.disabled_reason
        user.is_disabled = False
        user.disabled_reason = None
        user.status_changed_at = utcnow()
        _record_admin_action("admin.user_enable", user, actor, was=reason)
    return user


def disable_idle_accounts() -> list[str]:
    """Disable every enabled account unused for 90 days (CJIS AC-2(3)); their emails, for a daily job's log."""
    now = utcnow()
    with transaction():
        enabled = db.session.scalars(select(User).where(User.is_disabled.is_(False))).all()
        disabled = [user.email for user in enabled if disable_if_idle(user, now)]
    return disabled


def unlock_user(user_id: int, *, actor: Actor) -> User:
    """Release both locks (the whole account, and unknown devices) and start every failure count again."""
    user = get_user(user_id)
    with transaction():
        was = devices.release(user)
        _record_admin_action("admin.user_unlock", user, actor, **was)
    return user


def forget_devices(user_id: int, *, actor: Actor) -> User:
    """Revoke every device cookie of the user (a lost phone, a shared terminal): all their browsers are unknown now.

    While the account is locked for unknown devices, the user then cannot sign in anywhere until it is unlocked.
    """
    user = get_user(user_id)
    with transaction():
        forgotten = devices.forget_all(user.id)
        _record_admin_action("admin.devices_forget", user, actor, devices_forgotten=forgotten)
    return user


def reset_second_factor(user_id: int, *, actor: Actor) -> User:
    """Forget the user's authenticator app and passkeys: they enrol again at their next sign-in; their sessions
    end now (a lost phone may still be signed in)."""
    user = get_user(user_id)
    with transaction():
        passkeys = len(user.passkeys)
        user.totp_secret = None
        user.totp_last_step = None
        user.passkeys.clear()
        ended = delete_user_sessions(user.id)
        _record_admin_action("admin.mfa_reset", user, actor, sessions_ended=ended, passkeys_removed=passkeys)
    return user


def set_temporary_password(user_id: int, typed: str = "", *, actor: Actor) -> tuple[User, str]:
    """Recovery for a user who forgot their password (CJIS IA-5: a new password on recovery, never by email).

    The password is the one the administrator typed, held to the rules a new account's is, or else one Envoy
    makes (passwords.temporary_password). The user must replace it at their next sign-in, which still asks for
    their second factor: it stays, so a reset never bypasses MFA (security bar 6.4.3). Every session of the user
    ends. Locks and failure counts stay as they are: unlocking is its own audited action.
    Returns the user and the password, for the administrator to read once; the audit event says whether it was
    made or typed, never what it is. A typed password that breaks the rules raises InvalidAccount; nothing changes.
    """
    user = get_user(user_id)
    if user.id == actor.user_id:
        raise AccountError("You cannot set a temporary password on your own account: change your password instead.")
    if typed and (found := passwords.problems(typed, email=user.email)):
        raise InvalidAccount({"password": found})
    password = typed or passwords.temporary_password(email=user.email)
    password_hash = passwords.hash_password(password)  # before the transaction: Argon2 takes its time on purpose
    with transaction():
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        user.must_change_password = True
        ended = delete_user_sessions(user.id)
        _record_admin_action("admin.password_reset", user, actor, generated=not typed, sessions_ended=ended)
    return user, password


def reseal_totp_secrets(*, actor: Actor) -> tuple[str, int]:
    """Seal every enrolled TOTP secret again under the newest key, in one audited transaction.

    Afterwards no stored value needs an older key, so it can leave TOTP_KEYS. If any secret opens with no key
    in the ring nothing is written (AccountError): dropping it would silently un-enrol that user.
    Returns the newest key's id and how many secrets were sealed again.
    """
    ring = totp_keys.key_ring()
    with transaction():
        users = db.session.scalars(
            select(User).where(User.totp_secret.is_not(None)).options(undefer(User.totp_secret)).with_for_update()
        ).all()
        unreadable = [user.id for user in users if isinstance(user.totp_secret, totp_keys.UnreadableSecret)]
        if unreadable:
            raise AccountError(
                f"{len(unreadable)} TOTP secret(s) open with no key in TOTP_KEYS (user ids {unreadable[:10]}); "
                "nothing changed. Put the missing key back in the ring, or reset those users' second factor"
            )
        for user in users:
            flag_modified(user, "totp_secret")  # the plain value is unchanged; writing it seals it anew
        audit.record(
            "admin.totp_key_rotation",
            "success",
            actor=actor,
            detail={"key": ring.newest_id, "secrets": len(users), "via": "cli" if actor.role == "cli" else "web"},
        )
    return ring.newest_id, len(users)


def end_session(user_id: int, token: str, *, actor: Actor) -> User:
    """End one of the user's sessions (ASVS 7.4.5): its next request is sent to sign-in. Others stay."""
    user = get_user(user_id)
    with transaction():
        if not delete_user_session(user.id, token):
            raise AccountError("That session has already ended.")
        _record_session_end(user, actor, sessions_ended=1, session=token)
    return user


def end_all_sessions(user_id: int, *, actor: Actor, keep: str | None = None) -> int:
    """End every session of the user but `keep` (the admin's own, when they end their other sessions)."""
    user = get_user(user_id)
    with transaction():
        ended = delete_user_sessions(user.id, keep=keep)
        _record_session_end(user, actor, sessions_ended=ended)
    return ended


def _record_session_end(user: User, actor: Actor, **detail: object) -> None:
    audit.record(
        "admin.session_end",
        "success",
        actor=actor,
        record_ids=[f"user:{user.id}"],
        detail={**detail, "via": "web"},
    )


def _record_admin_action(action: str, user: User, actor: Actor, **detail: object) -> None:
    """The audit event of an account change, in the caller's transaction; `via` says web page or CLI."""
    audit.record(
        action,
        "success",
        actor=actor,
        record_ids=[str(user.id)],
        detail={**detail, "via": "cli" if actor.role == "cli" else "web"},
    )
