"""The verdict: what the rules say about one person, ready for a page or the JSON API."""

from dataclasses import dataclass, fields
from typing import Any

from app.immunity.codes import Answer, Level
from app.immunity.contacts import Contact


@dataclass(frozen=True)
class TableAnswers:
    """One row of the law-enforcement table ([BK] p.48) plus the vehicle question (facts §4.3)."""

    arrest_or_detention: Answer
    residence_entry: Answer
    traffic_citation: Answer
    witness_subpoena: Answer
    prosecution: Answer
    vehicle_search_or_impound: Answer

    def to_dict(self) -> dict[str, str]:
        return {field.name: str(getattr(self, field.name)) for field in fields(self)}


@dataclass(frozen=True)
class Verdict:
    """What the officer is told about one person.

    `record_level` is what the record would give without status problems, so an `unverified`
    verdict can still say "the record says full immunity, but it is not current".
    """

    level: Level
    headline: str
    answers: TableAnswers
    family_rule: str
    always_allowed: tuple[str, ...]
    caveats: tuple[str, ...]
    reasons: tuple[str, ...]
    contacts: tuple[Contact, ...]
    consular_notification: bool
    record_level: Level

    @property
    def is_current(self) -> bool:
        return self.level is not Level.UNVERIFIED

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: strings, booleans, lists and dicts."""
        return {
            "level": str(self.level),
            "headline": self.headline,
            "answers": self.answers.to_dict(),
            "family_rule": self.family_rule,
            "always_allowed": list(self.always_allowed),
            "caveats": list(self.caveats),
            "reasons": list(self.reasons),
            "contacts": [contact.to_dict() for contact in self.contacts],
            "consular_notification": self.consular_notification,
            "record_level": str(self.record_level),
        }
