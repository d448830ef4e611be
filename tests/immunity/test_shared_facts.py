"""The facts card issuing, the contacts and the driving window share: one table or function each."""

from datetime import date

import pytest

from app.immunity.affiliation import international_organisation, taiwan
from app.immunity.card_types import CARD_TYPE
from app.immunity.codes import CardType, Category, MissionKind
from app.immunity.dates import add_years


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2025, 3, 1), 3, date(2028, 3, 1)),
        (date(2024, 2, 29), 3, date(2027, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2026, 2, 28), -2, date(2024, 2, 28)),
        (date(2028, 2, 29), -2, date(2026, 2, 28)),
    ],
)
def test_adding_years_lands_on_the_same_day_or_28_february(day: date, years: int, expected: date) -> None:
    assert add_years(day, years) == expected


def test_every_category_but_none_has_a_card_family() -> None:
    assert set(CARD_TYPE) == set(Category) - {Category.NONE}


def test_a_consular_officer_carries_a_consular_card() -> None:
    assert CARD_TYPE[Category.CAREER_CONSULAR_OFFICER] is CardType.CONSULAR


@pytest.mark.parametrize(
    ("categories", "mission_kind", "io", "tw"),
    [
        ({Category.IO_STAFF}, MissionKind.EMBASSY, True, False),
        ({Category.NONE, Category.IO_MISSION_DIPLOMATIC}, MissionKind.EMBASSY, True, False),
        ({Category.DIPLOMATIC_AGENT, None}, MissionKind.IO_MISSION, True, False),
        ({Category.TECO_HEAD}, MissionKind.EMBASSY, False, True),
        ({Category.DIPLOMATIC_AGENT}, MissionKind.TECRO, False, True),
        ({Category.DIPLOMATIC_AGENT, None}, MissionKind.EMBASSY, False, False),
    ],
)
def test_usun_and_ait_follow_the_category_or_the_mission(categories, mission_kind, io: bool, tw: bool) -> None:
    assert international_organisation(categories, mission_kind) is io
    assert taiwan(categories, mission_kind) is tw
