"""Sign-in throttles that act before any lock: growing delays per source, and alerts on sprays across accounts.

Each failed sign-in step (a 401 from the password or code form) from a browser that is not a known device of the
account (app/auth/devices.py) counts per source address and per (source, account). After it, that source must wait
before its next attempt: 1, 2, 4, 8 ... seconds for the pair (at most PAIR_MAX_DELAY), and past IP_FREE_FAILURES
the same for the address as a whole (at most IP_MAX_DELAY). An attempt made too soon is answered 429 with
Retry-After at once, without checking the password and without sleeping a worker. So one client cannot walk
quickly through many accounts, and the account lock (5 failures) stays the last line, not the first.

A spray raises an `auth.spray` alert once per window: one source failing on SPRAY_THRESHOLD distinct accounts
within SPRAY_WINDOW, or one account failing from SPRAY_THRESHOLD distinct sources.

The counters live in the rate-limit storage (RATELIMIT_STORAGE_URI: memory:// for one process, Redis shared by all),
and are off with the other rate limits (RATELIMIT_ENABLED). IPv6 sources count by /64, what one host usually gets.
If the storage fails, sign-in goes on without the throttle (logged): the account lock, in the database, still holds.
"""

import functools
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar, cast

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import ratelimits
from app.audit import alerts
from app.audit import service as audit
from app.audit.actor import current_actor
from app.auth import devices
from app.auth.services import EMAIL_SHAPE
from app.errors import render_error
from app.extensions import db, limiter
from app.models.accounts import User

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

FAILURE_WINDOW = 15 * 60  # seconds a failure counts towards the delays (as the lock's window)
PAIR_MAX_DELAY = 60
# A station behind one NAT address mistypes too: the address as a whole is slowed only past this many failures.
IP_FREE_FAILURES = 10
IP_MAX_DELAY = 300
SPRAY_WINDOW = 10 * 60
SPRAY_THRESHOLD = 5
AUDIT_EVERY = 60  # at most one audit event per delayed key per minute, so a flood cannot flood the trail
IPV6_PREFIX = 64


def guard_signin(view: F) -> F:
    """A sign-in step's POST: the flat limits (app/ratelimits.py), which a known device of the account skips, then
    the growing delays."""
    return ratelimits.signin_limits(signin_throttle(view), exempt=devices.attempt_from_known_device)


def signin_throttle(view: F) -> F:
    """Delay a sign-in step's POSTs per source and per (source, the account the attempt is for)."""

    @functools.wraps(view)
    def throttled(*args: object, **kwargs: object) -> ResponseReturnValue:
        if request.method != "POST" or not current_app.config.get("RATELIMIT_ENABLED", True):
            return view(*args, **kwargs)
        # The user's own browser is never slowed by strangers at its address; its failures lock its own bucket.
        if devices.attempt_from_known_device():
            return view(*args, **kwargs)
        email = devices.attempt_email()
        keys = _Keys(source(), email)
        wait = _guarded(lambda: _wait(keys), 0)
        if wait:
            if _guarded(lambda: _first_in_a_minute(keys), False):
                _audit_delay(keys, wait)
            return _too_soon(wait)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 401:
            _guarded(lambda: _count_failure(keys, email), None)
        return response

    return cast(F, throttled)


def source() -> str:
    """The client address seen through the trusted proxies (ProxyFix), an IPv6 one as its /64."""
    address = get_remote_address() or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after the n-th failure: none for the first `free`, then 1, 2, 4 ... up to `cap`."""
    if failures <= free:
        return 0
    return min(2 ** min(failures - free - 1, 30), cap)


class _Keys:
    """The storage keys of one attempt: its source, and its (source, account) pair. No email is stored."""

    def __init__(self, ip: str, email: str) -> None:
        prefix = f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}/signin"
        self.ip = ip
        self.account = hashlib.sha256(email.encode()).hexdigest()[:32]
        self.prefix = prefix
        self.ip_failures = f"{prefix}/failures/ip/{ip}"
        self.pair_failures = f"{prefix}/failures/pair/{ip}/{self.account}"
        self.ip_wait = f"{prefix}/wait/ip/{ip}"
        self.pair_wait = f"{prefix}/wait/pair/{ip}/{self.account}"


def _storage() -> Storage:
    return limiter.storage


def _wait(keys: _Keys) -> int:
    """Seconds this attempt must still wait (0: go ahead): the longer of the source's and the pair's."""
    storage = _storage()
    # The clock is read after the expiry: Redis gives whole seconds left plus its own reading of the clock.
    waits = [
        math.ceil(storage.get_expiry(key) - time.time()) for key in (keys.pair_wait, keys.ip_wait) if storage.get(key)
    ]
    return max([1, *waits]) if waits else 0


def _count_failure(keys: _Keys, email: str) -> None:
    storage = _storage()
    pair = storage.incr(keys.pair_failures, FAILURE_WINDOW)
    from_ip = storage.incr(keys.ip_failures, FAILURE_WINDOW)
    _block(storage, keys.pair_wait, delay_after(pair, 0, PAIR_MAX_DELAY))
    _block(storage, keys.ip_wait, delay_after(from_ip, IP_FREE_FAILURES, IP_MAX_DELAY))
    _watch_for_spray(storage, keys, email)


def _block(storage: Storage, key: str, seconds: int) -> None:
    if seconds <= 0:
        return
    storage.clear(key)
    storage.incr(key, seconds)


def _watch_for_spray(storage: Storage, keys: _Keys, email: str) -> None:
    """Count distinct accounts per source and distinct sources per account; alert once per window at the threshold."""
    if storage.incr(f"{keys.prefix}/spray/pair/{keys.ip}/{keys.account}", SPRAY_WINDOW) != 1:
        return  # this source already failed on this account in the window
    accounts = storage.incr(f"{keys.prefix}/spray/ip/{keys.ip}", SPRAY_WINDOW)
    sources = storage.incr(f"{keys.prefix}/spray/account/{keys.account}", SPRAY_WINDOW)
    minutes = SPRAY_WINDOW // 60
    if accounts >= SPRAY_THRESHOLD and storage.incr(f"{keys.prefix}/spray-alerted/ip/{keys.ip}", SPRAY_WINDOW) == 1:
        detail = {"pattern": "one_source_many_accounts", "accounts": accounts, "window_minutes": minutes}
        alerts.raise_alert("auth.spray", detail={"source": keys.ip, **detail})
    if (
        sources >= SPRAY_THRESHOLD
        and storage.incr(f"{keys.prefix}/spray-alerted/account/{keys.account}", SPRAY_WINDOW) == 1
    ):
        user = db.session.scalars(select(User).where(User.email == email)).one_or_none()
        who: object = user if user is not None else (email if EMAIL_SHAPE.fullmatch(email) else "")
        detail = {"pattern": "one_account_many_sources", "sources": sources, "window_minutes": minutes}
        if user is not None:
            detail["user_id"] = user.id
        alerts.raise_alert("auth.spray", detail=detail, actor=current_actor().acting_as(who))


def _first_in_a_minute(keys: _Keys) -> bool:
    """Delayed attempts are audited at most once a minute per source and account."""
    return _storage().incr(f"{keys.prefix}/wait-audited/{keys.ip}/{keys.account}", AUDIT_EVERY) == 1


def _audit_delay(keys: _Keys, wait: int) -> None:
    """Audit a delayed attempt (a rate-limit hit); a failed write answers 503 and raises its alert, as elsewhere."""
    current_app.logger.warning("sign-in delayed %ss for %s on %s", wait, keys.ip, request.path)
    detail = {"scope": "signin-delay", "retry_after": wait, "path": request.path, "method": request.method}
    audit.record_now("ratelimit.exceeded", "denied", detail=detail)


def _too_soon(seconds: int) -> Response:
    message = (
        "Too many failed sign-ins from here in a short time. "
        f"Wait {seconds} second{'' if seconds == 1 else 's'} and try again."
    )
    body, status = render_error(429, "Wait before trying again", message)
    response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(seconds)
    return response


T = TypeVar("T")


def _guarded(step: Callable[[], T], fallback: T) -> T:
    """Run a storage step; if the storage fails, log it and carry on without the throttle."""
    try:
        return step()
    except Exception:  # noqa: BLE001 - Redis down must not stop sign-in; the account lock still holds
        log.exception("sign-in throttle storage failed; this attempt goes unthrottled")
        return fallback
