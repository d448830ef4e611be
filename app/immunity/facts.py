"""What the rules need to know about one person, taken from the registry."""

from dataclasses import dataclass

from app.immunity.codes import Category, MissionKind, Relationship


@dataclass(frozen=True)
class PersonFacts:
    """One person as the rules see them.

    `sponsor_category` is the principal's category for a family member and None for a
    principal. `problems` are human-readable reasons the record cannot be vouched for now
    (see `status_problems`); any problem makes the verdict `unverified`.
    """

    category: Category
    relationship: Relationship
    sponsor_category: Category | None
    us_national_or_lpr: bool
    special_bilateral: bool
    mission_kind: MissionKind
    nationality: str | None
    problems: tuple[str, ...] = ()

    @property
    def is_family(self) -> bool:
        return self.relationship is not Relationship.PRINCIPAL
