"""Rate limits the views apply: lookups and photos per user and per IP, sign-in per IP and per email typed in.

Counters live in RATELIMIT_STORAGE_URI (memory:// for one process, redis:// shared by every
process in production). A hit over a limit is a 429 with Retry-After, a warning in the log
an audit event `ratelimit.exceeded` and an alert of the same name (at most one each per limit and key per
minute, so a flood cannot flood the trail or the alerts too).
"""

import hashlib
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse

from app.audit import alerts
from app.audit import service as audit
from app.audit.actor import current_actor
from app.extensions import limiter
from app.immunity.contacts import DS_COMMAND_CENTER

F = TypeVar("F", bound=Callable[..., object])

DEFAULT_RETRY_AFTER = 60
AUDIT_EVERY = parse("1/minute")

# Each limit's name is its scope: the bucket is shared by every view the decorator is on.
LOOKUP_PER_USER = "lookup-user"
LOOKUP_PER_IP = "lookup-ip"
PHOTO_PER_USER = "photo-user"
PHOTO_PER_IP = "photo-ip"
SIGNIN_PER_IP = "signin-ip"
SIGNIN_PER_EMAIL = "signin-email"


def lookup_limits(view: F) -> F:
    """Limit a lookup view per signed-in user (LOOKUP_RATE_PER_USER) and per IP (LOOKUP_RATE_PER_IP).

    Put it under the role check so only signed-in users are counted per user.
    """
    view = limiter.shared_limit(_lookup_rate_per_ip, scope=LOOKUP_PER_IP, key_func=ip_key, on_breach=_breached)(view)
    return limiter.shared_limit(_lookup_rate_per_user, scope=LOOKUP_PER_USER, key_func=user_key, on_breach=_breached)(
        view
    )


def photo_limits(view: F) -> F:
    """Limit photo fetches per signed-in user (PHOTO_RATE_PER_USER) and per IP (PHOTO_RATE_PER_IP).

    Their own buckets, not the lookups': a result shows several photos and a reload fetches them again, but
    looking up stays possible when the photos are throttled. Put it under the role check, like lookup_limits.
    """
    view = limiter.shared_limit(_photo_rate_per_ip, scope=PHOTO_PER_IP, key_func=ip_key, on_breach=_breached)(view)
    return limiter.shared_limit(_photo_rate_per_user, scope=PHOTO_PER_USER, key_func=user_key, on_breach=_breached)(
        view
    )


def signin_limits(view: F, *, exempt: Callable[[], bool] | None = None) -> F:
    """Limit sign-in POSTs per IP (SIGNIN_RATE_PER_IP) and per email typed in (SIGNIN_RATE_PER_EMAIL).

    This throttle is separate from the account lock (5 failures): it slows guessing and spraying
    before any account is locked. GET requests (showing the form) are never counted, nor those `exempt()` names:
    app/auth/throttle.py exempts attempts from a known device of the account, so that strangers filling these
    limits cannot keep its owner out.
    """

    def no_email_typed_or_exempt() -> bool:
        return not _typed_email() or (exempt is not None and exempt())

    view = limiter.shared_limit(
        _signin_rate_per_ip,
        scope=SIGNIN_PER_IP,
        key_func=ip_key,
        methods=["POST"],
        exempt_when=exempt,
        on_breach=_breached,
    )(view)
    return limiter.shared_limit(
        _signin_rate_per_email,
        scope=SIGNIN_PER_EMAIL,
        key_func=email_key,
        methods=["POST"],
        exempt_when=no_email_typed_or_exempt,
        on_breach=_breached,
    )(view)


# Module-level functions, not lambdas: Flask-Limiter compares limits by these callables, and
# decorating twice with equal ones must not count one request twice.
def _lookup_rate_per_user() -> str:
    return str(current_app.config["LOOKUP_RATE_PER_USER"])


def _lookup_rate_per_ip() -> str:
    return str(current_app.config["LOOKUP_RATE_PER_IP"])


def _photo_rate_per_user() -> str:
    return str(current_app.config["PHOTO_RATE_PER_USER"])


def _photo_rate_per_ip() -> str:
    return str(current_app.config["PHOTO_RATE_PER_IP"])


def _signin_rate_per_ip() -> str:
    return str(current_app.config["SIGNIN_RATE_PER_IP"])


def _signin_rate_per_email() -> str:
    return str(current_app.config["SIGNIN_RATE_PER_EMAIL"])


def ip_key() -> str:
    """The client address as seen through the trusted proxies only (ProxyFix, TRUSTED_PROXIES)."""
    return f"ip:{get_remote_address()}"


def user_key() -> str:
    if getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.id}"
    return f"anonymous:{get_remote_address()}"


def email_key() -> str:
    # Hashed: the shared store never holds the addresses people typed in.
    return "email:" + hashlib.sha256(_typed_email().encode()).hexdigest()[:32]


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets the client in again (for Retry-After)."""
    current = limiter.current_limit
    if current is None or not current.breached:
        return DEFAULT_RETRY_AFTER
    return max(1, math.ceil(current.window.reset_time - time.time()))


def _typed_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _breached(limit: RequestLimit) -> None:
    """Log and audit the first breach of a limit by a key in each minute."""
    # request_args is [key prefix,] key, scope: the audit throttle is a bucket beside the limit's own.
    if not limiter.limiter.hit(AUDIT_EVERY, *limit.request_args, "audited"):
        return
    scope = limit.request_args[-1]
    current_app.logger.warning("rate limit exceeded: %s (%s) on %s", scope, limit.limit, request.path)
    typed = _typed_email() if scope in (SIGNIN_PER_IP, SIGNIN_PER_EMAIL) else ""
    detail = {"limit": str(limit.limit), "scope": scope, "path": request.path, "method": request.method}
    actor = current_actor().acting_as(typed) if typed else current_actor()
    audit.record_now("ratelimit.exceeded", "denied", detail=detail, actor=actor)
    alerts.raise_alert("ratelimit.exceeded", detail=detail, actor=actor)


def rate_limited_message(seconds: int) -> str:
    """What a 429 says: when to try again, and the phone line that is never rate limited."""
    numbers = " or ".join(contact.number for contact in DS_COMMAND_CENTER)
    return (
        f"Too many requests in a short time. Try again in {seconds} seconds."
        f" If you need an answer now, call the DS Command Center: {numbers}."
    )
