"""What each view allows: the marks deny-by-default reads (SPEC §6; ASVS 8.2.1, 8.3.1).

Every endpoint is marked `public` or names its roles; `app.auth.access.enforce` refuses anything else. The marks
live below every blueprint (auth and the audit page alike), so no package imports auth just to mark a view.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from app.models.accounts import Role

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_MARK = "_envoy_public"
ROLES_MARK = "_envoy_roles"


def public(view: F) -> F:
    """Anyone may call this view, signed in or not (sign-in pages, /healthz)."""
    setattr(view, PUBLIC_MARK, True)
    return view


def roles_required(*roles: str) -> Callable[[F], F]:
    """Only signed-in users with one of these roles may call the view; anyone else gets 401 or 403."""
    if not roles:
        raise ValueError("roles_required needs at least one role; use @public for open views")
    allowed = frozenset(Role(role) for role in roles)  # a misspelt role fails at import, not at request time

    def decorate(view: F) -> F:
        setattr(view, ROLES_MARK, allowed)
        return view

    return decorate


def access_rule(view: Callable[..., Any] | None) -> frozenset[Role] | bool | None:
    """True for a public view, the roles for a guarded one, None when no decision was made."""
    seen: set[int] = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        if getattr(view, PUBLIC_MARK, False):
            return True
        roles = getattr(view, ROLES_MARK, None)
        if roles is not None:
            return frozenset(roles)
        view = getattr(view, "__wrapped__", None)
    return None
