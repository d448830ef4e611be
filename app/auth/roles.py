"""Which of the four roles must use a second factor (SPEC §6); the roles themselves are stored with the user."""

from collections.abc import Iterable

from app.models.accounts import Role

# Every signed-in role; for pages any user of the service may open.
SIGNED_IN: tuple[Role, ...] = tuple(Role)

# SPEC §6: a second factor is always required for these, whatever the configuration says. The configured default
# (MFA_REQUIRED_ROLES) is every role, and production refuses a shorter list (app/config.py check_production).
ALWAYS_MFA: frozenset[Role] = frozenset({Role.REVIEWER, Role.ADMIN})


def mfa_required(role: str, configured: Iterable[str] = ()) -> bool:
    """Whether a user with this role must sign in with a second factor."""
    return role in ALWAYS_MFA or role in set(configured)
