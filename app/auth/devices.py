"""Device cookies: a browser the user signed in on before is told apart from everyone else when attempts fail.

OWASP, "Slow down online guessing attacks with device cookies". After a full sign-in the browser gets a long-lived
signed cookie naming a `known_devices` row (a random nonce; the row keeps its SHA-256, and deleting the row revokes
it). At the next sign-in a failure from that browser counts against that device; a failure from any other browser
counts against the account's unknown-devices bucket (users.recent_failures).

CJIS v6.0 AC-7: 5 consecutive invalid attempts within 15 minutes lock "the account or node" until an administrator
releases it; IA-5(1)(a)(14) limits failed attempts per account to 5 with no time window (NIST SP 800-63B 5.2.2
counts consecutive failures). The stricter rule holds: 5 failures in a row, however far apart, since the bucket's
last success or an admin's release, lock it (so 4 guesses every quarter of an hour cannot go on forever).

Here the node is either one known device (5 failures there lock the whole account: only someone holding the
device, or its cookie, can do that) or all unknown devices together (5 failures lock the account for them; the
user's known devices still sign in). So a stranger gets at most 5 guesses before an admin must act, and cannot keep
the officer out on a phone they signed in on before. What is left over is written in the README (security).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from werkzeug.wrappers import Response

from app.audit import alerts
from app.audit import service as audit
from app.audit.actor import current_actor
from app.auth.sessions import current_session
from app.extensions import db
from app.models.accounts import User
from app.models.base import utcnow
from app.models.devices import KnownDevice

LOCK_THRESHOLD = 5
# A device cookie lives this long and is renewed at every sign-in; a row unused this long is unknown again.
DEVICE_LIFETIME = timedelta(days=180)
COOKIE_NAME = "__Host-envoy_device"  # __Host-: Secure, Path=/, no Domain, like the session cookie
INSECURE_COOKIE_NAME = "envoy_device"  # under ENVOY_INSECURE_COOKIES (development only)
# Accounts one browser remembers (a dispatch desk shared by a shift); the oldest goes first.
MAX_ACCOUNTS_PER_COOKIE = 5
# Devices kept per user; signing in on a new one beyond this forgets the longest unused.
MAX_DEVICES_PER_USER = 20
SALT = "envoy.device-cookie"
NONCE_BYTES = 32
USER_AGENT_MAX = 200


def cookie_name() -> str:
    return COOKIE_NAME if current_app.config["SESSION_COOKIE_SECURE"] else INSECURE_COOKIE_NAME


def presented() -> str | None:
    """This request's device cookie, as sent (checked by `entries`)."""
    return request.cookies.get(cookie_name())


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def entries(cookie: str | None) -> list[tuple[int, str]]:
    """The (user id, nonce) pairs a presented cookie carries, newest first; nothing when it is forged or malformed."""
    if not cookie:
        return []
    try:
        data = _serializer().loads(cookie)
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    found = []
    for item in data[:MAX_ACCOUNTS_PER_COOKIE]:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], int) and isinstance(item[1], str):
            found.append((item[0], item[1]))
    return found


def recognise(user: User, cookie: str | None, now: datetime | None = None) -> KnownDevice | None:
    """This user's known device the presented cookie names, unless revoked or unused for DEVICE_LIFETIME."""
    now = now or utcnow()
    for user_id, nonce in entries(cookie):
        if user_id != user.id:
            continue
        device = db.session.scalars(
            select(KnownDevice).where(KnownDevice.nonce_hash == _hash(nonce), KnownDevice.user_id == user.id)
        ).one_or_none()
        if device is not None and now - device.last_used_at <= DEVICE_LIFETIME:
            return device
    return None


def attempt_email() -> str:
    """The account a sign-in POST is for: the email typed in the password form, else the user whose password this
    session accepted (the code form). Empty when neither."""
    typed = request.form.get("email")
    if typed is not None:
        return typed.strip().lower()[:254]
    user_id = current_session().get("_pending_user_id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user.email if user is not None else ""


def attempt_from_known_device() -> bool:
    """This sign-in POST comes from a known device of the account it is for.

    Such an attempt is never slowed or refused by the per-address and per-email limits that strangers fill up:
    those exist to stop guessing, and this browser's own failures lock its own bucket (5, then the whole account).
    Asked by several limits per request, answered once.
    """
    if "envoy_known_device" not in g:
        g.envoy_known_device = _attempt_from_known_device()
    return bool(g.envoy_known_device)


def _attempt_from_known_device() -> bool:
    cookie = presented()
    email = attempt_email()
    if not email or not entries(cookie):
        return False
    user = db.session.scalars(select(User).where(User.email == email)).one_or_none()
    return user is not None and recognise(user, cookie) is not None


def is_locked(user: User, device: KnownDevice | None) -> bool:
    """Whether an attempt from this device (None: an unknown one) is refused whatever the password."""
    return user.is_locked or (device is None and user.is_locked_for_unknown_devices)


def lock_reason(user: User) -> str:
    return "account_locked" if user.is_locked else "unknown_devices_locked"


def register_failure(user: User, device: KnownDevice | None, now: datetime) -> bool:
    """Count a failed attempt in its bucket, in the caller's transaction; True when it locks.

    The bucket is the known device's, or the account's unknown-devices one. Five on a known device lock the whole
    account; five from unknown devices lock the account for unknown devices. A lock raises the `auth.lockout` alert
    in the caller's transaction: an admin must release it, and a lock may be someone guessing or locking others out.
    """
    owner: User | KnownDevice = device if device is not None else user
    recent = [*(owner.recent_failures or []), now.isoformat()]
    owner.recent_failures = recent[-LOCK_THRESHOLD:]
    if len(recent) < LOCK_THRESHOLD:
        return False
    if device is not None:
        user.locked_at = now
        lock = "account"
    else:
        user.unknown_devices_locked_at = now
        lock = "unknown_devices"
    detail = {
        "user_id": user.id,
        "lock": lock,
        "failures": len(recent),
        "first_failure_at": recent[0],
    }
    alerts.raise_alert_with("auth.lockout", detail=detail, actor=current_actor().acting_as(user))
    return True


def clear_failures(user: User, device: KnownDevice | None) -> None:
    """A success starts the count of its own bucket again (the device's, or the unknown devices'), nothing else."""
    if device is not None:
        device.recent_failures = []
    else:
        user.recent_failures = []


def release(user: User) -> dict[str, bool]:
    """An administrator's unlock, in the caller's transaction: both locks and every failure count go.

    Returns what was locked, for the audit event.
    """
    was = {"was_locked": user.is_locked, "unknown_devices_were_locked": user.is_locked_for_unknown_devices}
    user.locked_at = None
    user.unknown_devices_locked_at = None
    user.recent_failures = []
    for device in db.session.scalars(select(KnownDevice).where(KnownDevice.user_id == user.id)):
        device.recent_failures = []
    return was


def remember(user_id: int, cookie: str | None, *, user_agent: str | None) -> str:
    """After a full sign-in: renew this browser's device for the user, or make a new one. Commits once.

    Returns the cookie value to set: the user's entry first, then the other accounts the browser still remembers.
    A new device is audited (`auth.device`, outcome `remembered`); renewing one is bookkeeping, like a session's
    last_seen_at.
    """
    now = utcnow()
    user = db.session.get(User, user_id)
    assert user is not None
    others = [[uid, nonce] for uid, nonce in entries(cookie) if uid != user_id]
    device = recognise(user, cookie, now)
    if device is not None:
        device.last_used_at = now
        nonce = next(n for uid, n in entries(cookie) if uid == user_id and _hash(n) == device.nonce_hash)
    else:
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        _forget_oldest(user_id, keep=MAX_DEVICES_PER_USER - 1)
        device = KnownDevice(
            user_id=user_id,
            nonce_hash=_hash(nonce),
            created_at=now,
            last_used_at=now,
            client_addr=current_actor().client_addr,
            user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
            recent_failures=[],
        )
        db.session.add(device)
        db.session.flush()
        audit.record(
            "auth.device",
            "remembered",
            record_ids=[f"user:{user_id}"],
            detail={"device_id": device.id},
            actor=current_actor().acting_as(user),
        )
    db.session.commit()
    return _serializer().dumps([[user_id, nonce], *others][:MAX_ACCOUNTS_PER_COOKIE])


def set_cookie(response: Response, value: str) -> None:
    """HttpOnly, Secure and __Host- (as the session cookie), SameSite=Strict: only Envoy's own forms send it."""
    config = current_app.config
    response.set_cookie(
        cookie_name(),
        value,
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        path="/",
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )


def list_for(user_id: int) -> list[KnownDevice]:
    """The user's known devices, most recently used first (the admin's user page)."""
    return list(
        db.session.scalars(
            select(KnownDevice).where(KnownDevice.user_id == user_id).order_by(KnownDevice.last_used_at.desc())
        )
    )


def failure_count(failures: list[str] | None) -> int:
    """How many failures in a row a bucket holds (what the admin page shows); LOCK_THRESHOLD of them lock it."""
    return len(failures or [])


def forget_all(user_id: int) -> int:
    """Revoke every device cookie of the user, in the caller's transaction; how many there were."""
    result = db.session.execute(delete(KnownDevice).where(KnownDevice.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _forget_oldest(user_id: int, *, keep: int) -> None:
    count = db.session.scalar(select(func.count()).where(KnownDevice.user_id == user_id)) or 0
    if count <= keep:
        return
    oldest = select(KnownDevice.id).where(KnownDevice.user_id == user_id).order_by(KnownDevice.last_used_at)
    ids = list(db.session.scalars(oldest.limit(count - keep)))
    db.session.execute(delete(KnownDevice).where(KnownDevice.id.in_(ids)))
