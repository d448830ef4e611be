"""Who is acting and from where, as one frozen value: a signed-in user, a bearer-token client or the command line.

`current_actor()` is the one place that reads Flask-Login's user and the request for the audit trail.
"""

import getpass
import os
import re
from dataclasses import dataclass, replace
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user

ANONYMOUS = "anonymous"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Actor:
    """Who (an account, the email typed on a failed sign-in, or `cli:<os user>`) and from where (address, agent)."""

    user_id: int | None = None
    email: str | None = None
    role: str | None = ANONYMOUS
    agency: str | None = None
    client_addr: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, user: object) -> "Actor":
        """The actor for this account (or, a string, the email typed in for a failed sign-in), from nowhere yet."""
        if isinstance(user, str):
            # The identity typed in on a failed sign-in: no account is vouched for.
            return cls(email=user.strip().lower()[:254] or None)
        if not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
            return cls()
        role = getattr(user, "role", None)
        agency = getattr(user, "agency", None)
        return cls(
            user_id=int(user.id),  # type: ignore[attr-defined]
            email=getattr(user, "email", None),
            role=str(getattr(role, "value", role)) if role is not None else None,
            agency=getattr(agency, "name", None),
        )

    @classmethod
    def cli(cls) -> "Actor":
        return cls(email=f"cli:{_os_user()}", role="cli")

    def acting_as(self, user: object) -> "Actor":
        """The same origin with another who: the user signing in or out, or a timed-out session's user."""
        return replace(Actor.of(user), client_addr=self.client_addr, user_agent=self.user_agent)

    @property
    def label(self) -> str:
        """A short name for a row's `recorded_by`: the email, else the role."""
        return self.email or self.role or "unknown"

    def columns(self) -> dict[str, Any]:
        """The audit event's who and from-where columns."""
        return {
            "user_id": self.user_id,
            "user_email": self.email,
            "user_role": self.role,
            "agency": self.agency,
            "client_addr": self.client_addr,
            "user_agent": self.user_agent,
        }


def current_actor() -> Actor:
    """This request's actor, resolved on first use and kept on `g`; outside a request, the command line.

    Resolved lazily rather than by a before-request hook because the URL cap and the rate limiter
    run (and may audit) before any hook the app adds. Sign-in and sign-out name their user explicitly.
    """
    if not has_request_context():
        return Actor.cli()
    if "actor" not in g:
        g.actor = _from_request().acting_as(current_user._get_current_object())  # type: ignore[attr-defined]
    return g.actor


def act_as(user: object) -> Actor:
    """From now on this request acts for `user`: the JSON API calls it with the bearer token's user."""
    g.actor = _from_request().acting_as(user)
    return g.actor


def _from_request() -> Actor:
    # remote_addr is the client as seen through TRUSTED_PROXIES hops only (ProxyFix), never a forged header.
    agent = CONTROL.sub("", request.user_agent.string or "")[:200] or None
    return Actor(client_addr=(request.remote_addr or "")[:45] or None, user_agent=agent)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"
