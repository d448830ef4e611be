"""Who besides Protocol answers for a person: USUN for international organisations, AIT for Taiwan's offices.

One definition for both the contacts an officer is shown and the issuer of a new card (facts §2.1, §2.3).
"""

from collections.abc import Iterable

from app.immunity.codes import Category, MissionKind

IO_CATEGORIES = frozenset(
    {
        Category.IO_STAFF,
        Category.IO_SENIOR_OFFICIAL,
        Category.IO_MISSION_DIPLOMATIC,
        Category.IO_MISSION_SUPPORT_STAFF,
    }
)
IO_MISSIONS = frozenset({MissionKind.IO_MISSION, MissionKind.INTERNATIONAL_ORG})
TAIWAN_CATEGORIES = frozenset({Category.TECRO_DESIGNATED, Category.TECO_HEAD, Category.TECO_DESIGNATED})
TAIWAN_MISSIONS = frozenset({MissionKind.TECRO, MissionKind.TECO})


def international_organisation(categories: Iterable[Category | None], mission_kind: MissionKind | None) -> bool:
    """Whether any of these categories, or the mission, belongs to an international organisation (USUN)."""
    return not IO_CATEGORIES.isdisjoint(categories) or mission_kind in IO_MISSIONS


def taiwan(categories: Iterable[Category | None], mission_kind: MissionKind | None) -> bool:
    """Whether any of these categories, or the mission, belongs to TECRO or a TECO (AIT)."""
    return not TAIWAN_CATEGORIES.isdisjoint(categories) or mission_kind in TAIWAN_MISSIONS
