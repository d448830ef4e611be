"""The lifecycle of a card-signing key: stored in signing_keys.status, obeyed by app/cards/tokens.py. Pure."""

from enum import StrEnum


class KeyStatus(StrEnum):
    ACTIVE = "active"  # signs new tokens and verifies
    RETIRED = "retired"  # verifies only, until its last card expires
    WITHDRAWN = "withdrawn"  # verifies nothing, at once (a compromised key)
