"""Mandatory consular notification by nationality (facts §4.5)."""

import pytest

from app.immunity import needs_consular_notification
from app.immunity.consular import ALIASES, mandatory_countries


def test_the_shipped_list_has_the_57_names_the_source_showed():
    assert len(mandatory_countries()) == 57
    assert len(set(mandatory_countries())) == 57


@pytest.mark.parametrize("name", ["China", "Russia", "United Kingdom", "Nigeria", "Saint Lucia", "Zimbabwe"])
def test_a_listed_country_needs_notification(name):
    assert needs_consular_notification(name)


@pytest.mark.parametrize("name", ["France", "Mexico", "Canada", "Germany", "Japan", "United States"])
def test_an_unlisted_country_does_not(name):
    assert not needs_consular_notification(name)


@pytest.mark.parametrize("name", ["china", "RUSSIA", "  Jamaica  ", "trinidad AND tobago"])
def test_case_and_surrounding_space_do_not_matter(name):
    assert needs_consular_notification(name)


@pytest.mark.parametrize(
    "alias",
    [
        "Hong Kong",
        "Macao",
        "Macau",
        "People's Republic of China",
        "UK",
        "U.K.",
        "Great Britain",
        "Bermuda",
        "Isle of Man",
        "Russian Federation",
        "Czechia",
        "United Republic of Tanzania",
        "St. Kitts and Nevis",
        "St Vincent & the Grenadines",
        "Saint Vincent and the Grenadines",
        "The Bahamas",
        "Bahamas, The",
        "The Gambia",
        "Antigua & Barbuda",
        "Brunei Darussalam",
        "Kyrgyz Republic",
        "Slovak Republic",
        "Republic of Moldova",
    ],
)
def test_common_aliases_are_recognised(alias):
    assert needs_consular_notification(alias)


@pytest.mark.parametrize("name", ["Taiwan", "Republic of China"])
def test_taiwan_passports_are_not_mandatory(name):
    assert not needs_consular_notification(name)


@pytest.mark.parametrize("name", [None, "", "   ", "..."])
def test_an_unknown_nationality_is_not_flagged(name):
    assert not needs_consular_notification(name)


def test_every_alias_points_at_a_name_on_the_list():
    assert set(ALIASES) <= set(mandatory_countries())
