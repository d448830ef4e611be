"""The four roles and which of them must use a second factor (SPEC §6)."""

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    DISPATCHER = "dispatcher"
    REVIEWER = "reviewer"
    ADMIN = "admin"


# Every signed-in role; for pages any user of the service may open.
SIGNED_IN: tuple[Role, ...] = tuple(Role)

# SPEC §6: TOTP is always required for these, whatever the configuration says.
ALWAYS_MFA: frozenset[Role] = frozenset({Role.REVIEWER, Role.ADMIN})


def mfa_required(role: str, configured: Iterable[str] = ()) -> bool:
    """Whether a user with this role must sign in with a second factor."""
    return role in ALWAYS_MFA or role in set(configured)
