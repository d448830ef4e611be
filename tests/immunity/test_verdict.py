"""What a verdict carries beyond the table: contacts, consular flag, JSON shape."""

import json

import pytest

from app.immunity import (
    CONTACTS,
    Answer,
    Category,
    Contact,
    Level,
    MissionKind,
    PersonFacts,
    Relationship,
    decide,
)


def person(category: Category, mission_kind: MissionKind, nationality: str | None = "France", **changes) -> PersonFacts:
    values = {
        "category": category,
        "relationship": Relationship.PRINCIPAL,
        "sponsor_category": None,
        "us_national_or_lpr": False,
        "special_bilateral": False,
        "mission_kind": mission_kind,
        "nationality": nationality,
    }
    return PersonFacts(**(values | changes))


def numbers(facts: PersonFacts) -> list[str]:
    return [contact.number for contact in decide(facts).contacts]


def test_every_verdict_offers_the_ds_command_center_first():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, MissionKind.EMBASSY, problems=("Card revoked",)))

    assert [contact.number for contact in verdict.contacts[:2]] == ["866-217-2089", "571-345-3146"]


def test_protocol_and_ofm_are_offered_for_business_hours():
    assert numbers(person(Category.SERVICE_STAFF, MissionKind.EMBASSY))[2:] == ["202-647-1985", "202-895-3500"]


def test_un_people_are_pointed_at_usun_without_an_invented_number():
    verdict = decide(person(Category.IO_STAFF, MissionKind.INTERNATIONAL_ORG))

    (usun,) = [contact for contact in verdict.contacts if "Host Country Affairs" in contact.name]
    assert usun.number == ""
    assert usun.tel is None
    assert "number not confirmed — call the DS Command Center" in usun.note


def test_taiwan_office_people_are_pointed_at_ait():
    verdict = decide(person(Category.TECO_HEAD, MissionKind.TECO))

    (ait,) = [contact for contact in verdict.contacts if "AIT" in contact.name]
    assert "number not confirmed" in ait.note


def test_embassy_people_are_not_pointed_at_usun_or_ait():
    names = [contact.name for contact in decide(person(Category.DIPLOMATIC_AGENT, MissionKind.EMBASSY)).contacts]

    assert not any("Host Country Affairs" in name or "AIT" in name for name in names)


def test_mandatory_notification_nationality_sets_the_flag_and_adds_the_numbers():
    verdict = decide(person(Category.CONSULAR_EMPLOYEE, MissionKind.CONSULATE, nationality="Hong Kong"))

    assert verdict.consular_notification is True
    assert {"202-647-4415", "202-647-1512"} <= {contact.number for contact in verdict.contacts}
    assert any("Mandatory consular notification (China)" in caveat for caveat in verdict.caveats)


def test_other_nationalities_get_no_consular_flag_or_numbers():
    verdict = decide(person(Category.CONSULAR_EMPLOYEE, MissionKind.CONSULATE, nationality="France"))

    assert verdict.consular_notification is False
    assert "202-647-4415" not in {contact.number for contact in verdict.contacts}


def test_contact_tel_is_a_tap_to_call_uri():
    assert Contact("DS Command Center", "866-217-2089", "").tel == "tel:+18662172089"


def test_every_listed_contact_with_a_number_has_a_us_tel_uri():
    dialable = [contact for contact in CONTACTS if contact.number]

    assert len(dialable) == 6
    assert all(contact.tel is not None and len(contact.tel) == len("tel:+1NNNNNNNNNN") for contact in dialable)


def plain_types(value: object) -> set[type]:
    """Every exact type in a nested value, so an enum hiding as a str is caught."""
    if isinstance(value, dict):
        return {dict}.union(*(plain_types(key) | plain_types(item) for key, item in value.items()))
    if isinstance(value, list):
        return {list}.union(*(plain_types(item) for item in value))
    return {type(value)}


def test_verdict_to_dict_holds_only_plain_json_types():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, MissionKind.EMBASSY, nationality="Russia"))

    assert plain_types(verdict.to_dict()) <= {dict, list, str, bool, type(None)}


def test_verdict_to_dict_round_trips_through_json():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, MissionKind.EMBASSY, problems=("Card expired on 2020-01-01",)))

    data = json.loads(json.dumps(verdict.to_dict()))

    assert data["level"] == "unverified"
    assert data["record_level"] == "full"
    assert data["answers"]["arrest_or_detention"] == "consult_state"
    assert data["contacts"][0] == {
        "name": "DS Command Center (toll-free)",
        "number": "866-217-2089",
        "note": verdict.contacts[0].note,
        "tel": "tel:+18662172089",
    }
    assert data["reasons"][-1] == "Card expired on 2020-01-01"


# Issue 8 item 5: the always-allowed list and the table answers never disagree, at any level.
ALWAYS_ALLOWED_LEVELS = {
    Level.FULL: person(Category.DIPLOMATIC_AGENT, MissionKind.EMBASSY),
    Level.FELONY_WARRANT: person(Category.CAREER_CONSULAR_OFFICER, MissionKind.CONSULATE),
    Level.OFFICIAL_ACTS: person(Category.SERVICE_STAFF, MissionKind.EMBASSY),
    Level.NONE: person(Category.NONE, MissionKind.EMBASSY),
    Level.UNVERIFIED: person(Category.DIPLOMATIC_AGENT, MissionKind.EMBASSY, problems=("Card revoked",)),
}


@pytest.mark.parametrize("level", list(ALWAYS_ALLOWED_LEVELS), ids=str)
def test_the_always_allowed_list_promises_nothing_the_table_withholds(level: Level) -> None:
    verdict = decide(ALWAYS_ALLOWED_LEVELS[level])
    assert verdict.level is level
    allowed = " ".join(verdict.always_allowed).lower()
    if verdict.answers.traffic_citation is not Answer.YES:
        assert "issue a traffic citation" not in allowed and "write a citation" not in allowed
    if verdict.answers.vehicle_search_or_impound is not Answer.YES:
        assert "impound" not in allowed and "search the vehicle" not in allowed
    if verdict.answers.arrest_or_detention is not Answer.YES:
        assert "arrest the" not in allowed and "detain" not in allowed
    assert any("citation is never an arrest" in line for line in verdict.always_allowed)  # SPEC §3, every level
