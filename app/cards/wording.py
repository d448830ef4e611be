"""What the officer reads after a scan: one plain message per outcome, and the call-in number."""

from app.cards.services import Outcome
from app.immunity.contacts import DS_COMMAND_CENTER

# The number every failed scan offers as a big tap-to-call link (SPEC §3).
CALL_IN = DS_COMMAND_CENTER[0]

# outcome -> (headline, what it means and what to do).
OUTCOMES: dict[Outcome, tuple[str, str]] = {
    Outcome.VALID: (
        "Card verified",
        "The card is genuine and current in the State Department registry. Compare the photo and name with "
        "the person in front of you.",
    ),
    Outcome.UNVERIFIED: (
        "Genuine card, but the record is not current",
        "The card was issued by the State Department, but the registry does not vouch for this person today. "
        "Call the DS Command Center before you act.",
    ),
    Outcome.BAD_SIGNATURE: (
        "Do not rely on this card: the code is not genuine",
        "The code on this card was not signed by the State Department. The card may be forged or altered. "
        "Call the DS Command Center.",
    ),
    Outcome.UNKNOWN_KEY: (
        "Do not rely on this card: unknown signer",
        "The code was signed with a key the State Department does not use. The card may be forged. "
        "Call the DS Command Center.",
    ),
    Outcome.KEY_WITHDRAWN: (
        "Do not rely on this card: its signing key was withdrawn",
        "The State Department has withdrawn the key that signed this card, so its code no longer proves "
        "anything. Genuine holders are being issued new cards. Call the DS Command Center.",
    ),
    Outcome.EXPIRED: (
        "Card expired",
        "This card is past its expiry date and proves nothing about the holder's status today. "
        "Verify by phone with the DS Command Center.",
    ),
    Outcome.MALFORMED: (
        "The code could not be read as a State Department card",
        "The code is damaged or not in the State Department's format. Scan again; if it fails again, "
        "check the printed card number and call the DS Command Center.",
    ),
    Outcome.REVOKED: (
        "Do not rely on this card: revoked or reported lost",
        "The State Department has revoked this card or it was reported lost. The person holding it may not "
        "be its owner. Call the DS Command Center.",
    ),
    Outcome.SUPERSEDED: (
        "Do not rely on this card: an older print",
        "This card was reprinted; only the newest print counts. The one in front of you may be a lost or "
        "stolen copy. Call the DS Command Center.",
    ),
    Outcome.NOT_IN_REGISTRY: (
        "Do not rely on this card: not in the registry",
        "The State Department registry has no card with this number. Call the DS Command Center.",
    ),
    Outcome.NOT_ENVOY: (
        "This is not a State Department card code",
        "The code you scanned does not come from a State Department identity card. Scan the QR code on the "
        "back of the card, or type the printed card number.",
    ),
    Outcome.REGISTRY_UNAVAILABLE: (
        "Status NOT checked",
        "The card's code may be genuine, but the registry could not be reached, so revocation and status "
        "were not checked. Do not treat the card as verified. Call the DS Command Center.",
    ),
}

CHECK_MARKS = {"passed": "✓", "failed": "✗", "not_checked": "not checked"}
CHECK_LABELS = {"passed": "passed", "failed": "failed", "not_checked": "not checked"}
