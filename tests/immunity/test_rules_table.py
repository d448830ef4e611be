"""The rules against the booklet's table, for every category × relationship × flag (SPEC §3)."""

import itertools

import pytest

from app.immunity import (
    Answer,
    Category,
    Level,
    MissionKind,
    PersonFacts,
    Relationship,
    decide,
)

# Each outcome is a level and six answers, written out from facts §1.2 and §4.3. Answer order:
# arrest or detention, residence entry, traffic citation, witness subpoena, prosecution, vehicle search or impound.
OUTCOMES = {
    # Diplomatic agent, A&T staff, diplomatic-level IO-mission staff, TECRO designated, senior IO official.
    "FULL_DIPLO": ("full", ("no", "no", "yes", "no", "no", "no")),
    # The † special-bilateral consular row: residence and subpoena "not stated – consult DoS".
    "FULL_BILAT": ("full", ("no", "consult_state", "yes", "consult_state", "no", "no")),
    # TECRO family: "immune from criminal jurisdiction, arrest and detention", nothing more stated.
    "FULL_TECRO_FAM": ("full", ("no", "consult_state", "yes", "consult_state", "no", "no")),
    # Career consular officer, TECO head / deputy head.
    "FELONY": (
        "felony_warrant",
        ("felony_warrant_only", "yes", "yes", "not_about_official_acts", "official_acts_defence", "yes"),
    ),
    # Honorary consul, consular employee, IO staff, IO-mission support staff, TECO designated, capped US nationals.
    "OFFICIAL": ("official_acts", ("yes", "yes", "yes", "not_about_official_acts", "official_acts_defence", "yes")),
    "OFFICIAL_SERVICE": ("official_acts", ("yes", "yes", "yes", "yes", "official_acts_defence", "yes")),
    "NONE_CONSULAR": ("none", ("yes", "yes", "yes", "not_about_official_acts", "yes", "yes")),
    "NONE": ("none", ("yes", "yes", "yes", "yes", "yes", "yes")),
}

# The outcome for each flag combination, from facts §1.1–1.2 and SPEC §3.
#   plain = no flags, bilateral = special_bilateral, us = us_national_or_lpr, us+bilateral = both.
EXPECTED_TABLE = """
category                   who       plain            bilateral        us               us+bilateral
diplomatic_agent           principal FULL_DIPLO       FULL_DIPLO       OFFICIAL         OFFICIAL
diplomatic_agent           family    FULL_DIPLO       FULL_DIPLO       NONE             NONE
admin_technical_staff      principal FULL_DIPLO       FULL_DIPLO       NONE             NONE
admin_technical_staff      family    FULL_DIPLO       FULL_DIPLO       NONE             NONE
service_staff              principal OFFICIAL_SERVICE FULL_DIPLO       NONE             NONE
service_staff              family    NONE             FULL_DIPLO       NONE             NONE
career_consular_officer    principal FELONY           FULL_BILAT       OFFICIAL         OFFICIAL
career_consular_officer    family    NONE             FULL_BILAT       NONE             NONE
honorary_consular_officer  principal OFFICIAL         OFFICIAL         OFFICIAL         OFFICIAL
honorary_consular_officer  family    NONE             NONE             NONE             NONE
consular_employee          principal OFFICIAL         FULL_BILAT       NONE             NONE
consular_employee          family    NONE             FULL_BILAT       NONE             NONE
consular_service_staff     principal NONE_CONSULAR    FULL_BILAT       NONE             NONE
consular_service_staff     family    NONE             FULL_BILAT       NONE             NONE
io_staff                   principal OFFICIAL         OFFICIAL         OFFICIAL         OFFICIAL
io_staff                   family    NONE             NONE             NONE             NONE
io_senior_official         principal FULL_DIPLO       FULL_DIPLO       OFFICIAL         OFFICIAL
io_senior_official         family    FULL_DIPLO       FULL_DIPLO       NONE             NONE
io_mission_diplomatic      principal FULL_DIPLO       FULL_DIPLO       OFFICIAL         OFFICIAL
io_mission_diplomatic      family    FULL_DIPLO       FULL_DIPLO       NONE             NONE
io_mission_support_staff   principal OFFICIAL         OFFICIAL         OFFICIAL         OFFICIAL
io_mission_support_staff   family    NONE             NONE             NONE             NONE
tecro_designated           principal FULL_DIPLO       FULL_DIPLO       OFFICIAL         OFFICIAL
tecro_designated           family    FULL_TECRO_FAM   FULL_TECRO_FAM   NONE             NONE
teco_head                  principal FELONY           FELONY           OFFICIAL         OFFICIAL
teco_head                  family    NONE             NONE             NONE             NONE
teco_designated            principal OFFICIAL         OFFICIAL         OFFICIAL         OFFICIAL
teco_designated            family    NONE             NONE             NONE             NONE
none                       principal NONE             NONE             NONE             NONE
none                       family    NONE             NONE             NONE             NONE
"""

# Where each category is normally found; the special-bilateral flag is a property of the mission.
MISSION_OF = {
    Category.DIPLOMATIC_AGENT: MissionKind.EMBASSY,
    Category.ADMIN_TECHNICAL_STAFF: MissionKind.EMBASSY,
    Category.SERVICE_STAFF: MissionKind.EMBASSY,
    Category.CAREER_CONSULAR_OFFICER: MissionKind.CONSULATE,
    Category.HONORARY_CONSULAR_OFFICER: MissionKind.CONSULATE,
    Category.CONSULAR_EMPLOYEE: MissionKind.CONSULATE,
    Category.CONSULAR_SERVICE_STAFF: MissionKind.CONSULATE,
    Category.IO_STAFF: MissionKind.INTERNATIONAL_ORG,
    Category.IO_SENIOR_OFFICIAL: MissionKind.INTERNATIONAL_ORG,
    Category.IO_MISSION_DIPLOMATIC: MissionKind.IO_MISSION,
    Category.IO_MISSION_SUPPORT_STAFF: MissionKind.IO_MISSION,
    Category.TECRO_DESIGNATED: MissionKind.TECRO,
    Category.TECO_HEAD: MissionKind.TECO,
    Category.TECO_DESIGNATED: MissionKind.TECO,
    Category.NONE: MissionKind.EMBASSY,
}
FLAG_COLUMNS = {"plain": (False, False), "bilateral": (False, True), "us": (True, False), "us+bilateral": (True, True)}


def _expected_cases() -> list:
    lines = EXPECTED_TABLE.strip().splitlines()
    columns = lines[0].split()[2:]
    cases = []
    for line in lines[1:]:
        category, who, *cells = line.split()
        if who == "principal":
            relationships = [Relationship.PRINCIPAL]
        else:
            relationships = [Relationship.SPOUSE, Relationship.CHILD, Relationship.OTHER_FAMILY]
        for relationship, (column, outcome) in itertools.product(relationships, zip(columns, cells, strict=True)):
            us_national, bilateral = FLAG_COLUMNS[column]
            level, answers = OUTCOMES[outcome]
            flags = [name for name, on in (("us_national", us_national), ("special_bilateral", bilateral)) if on]
            case_id = "-".join([category, relationship, *flags])
            cases.append(
                pytest.param(
                    Category(category), relationship, us_national, bilateral, Level(level), answers, id=case_id
                )
            )
    return cases


CASES = _expected_cases()


def test_expected_table_covers_every_combination():
    combinations = {(c.values[0], c.values[1], c.values[2], c.values[3]) for c in CASES}

    assert len(CASES) == len(combinations) == len(Category) * len(Relationship) * 2 * 2


@pytest.mark.parametrize(("category", "relationship", "us_national", "bilateral", "level", "answers"), CASES)
def test_verdict_matches_the_booklet_table(category, relationship, us_national, bilateral, level, answers):
    facts = PersonFacts(
        category=category,
        relationship=relationship,
        sponsor_category=None if relationship is Relationship.PRINCIPAL else category,
        us_national_or_lpr=us_national,
        special_bilateral=bilateral,
        mission_kind=MISSION_OF[category],
        nationality="France",
    )

    verdict = decide(facts)

    got = verdict.answers
    assert verdict.level is level
    assert verdict.record_level is level
    assert (
        got.arrest_or_detention,
        got.residence_entry,
        got.traffic_citation,
        got.witness_subpoena,
        got.prosecution,
        got.vehicle_search_or_impound,
    ) == tuple(Answer(value) for value in answers)


def person(category: Category, relationship: Relationship = Relationship.PRINCIPAL, **changes) -> PersonFacts:
    """A current, non-US, non-bilateral person at the mission kind their category belongs to."""
    values = {
        "category": category,
        "relationship": relationship,
        "sponsor_category": None if relationship is Relationship.PRINCIPAL else category,
        "us_national_or_lpr": False,
        "special_bilateral": False,
        "mission_kind": MISSION_OF[category],
        "nationality": "France",
    }
    return PersonFacts(**(values | changes))


def test_family_of_career_consular_officer_has_no_immunity():
    verdict = decide(person(Category.CAREER_CONSULAR_OFFICER, Relationship.SPOUSE))

    assert verdict.level is Level.NONE
    assert verdict.answers.arrest_or_detention is Answer.YES
    assert "Family member of a career consular officer: no immunity" in verdict.reasons


def test_us_national_spouse_of_diplomat_has_no_immunity():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, Relationship.SPOUSE, us_national_or_lpr=True))

    assert verdict.level is Level.NONE
    assert any(reason.startswith("US national or permanent resident") for reason in verdict.reasons)


def test_special_bilateral_raises_consular_employee_to_full():
    verdict = decide(person(Category.CONSULAR_EMPLOYEE, special_bilateral=True))

    assert verdict.level is Level.FULL
    assert verdict.answers.arrest_or_detention is Answer.NO
    assert verdict.answers.residence_entry is Answer.CONSULT_STATE


def test_special_bilateral_raises_consular_family_to_full():
    verdict = decide(person(Category.CAREER_CONSULAR_OFFICER, Relationship.CHILD, special_bilateral=True))

    assert verdict.level is Level.FULL
    assert "full criminal immunity" in verdict.family_rule


def test_special_bilateral_raises_embassy_service_staff_to_diplomatic_treatment():
    verdict = decide(person(Category.SERVICE_STAFF, special_bilateral=True))

    assert verdict.level is Level.FULL
    assert verdict.answers.witness_subpoena is Answer.NO


def test_special_bilateral_reason_says_the_country_list_is_not_confirmed():
    verdict = decide(person(Category.CONSULAR_EMPLOYEE, special_bilateral=True))

    assert any("not confirmed" in reason and "registry" in reason for reason in verdict.reasons)
    assert any("inferred" in reason for reason in verdict.reasons)


def test_special_bilateral_does_not_raise_a_us_national():
    verdict = decide(person(Category.CONSULAR_EMPLOYEE, special_bilateral=True, us_national_or_lpr=True))

    assert verdict.level is Level.NONE


def test_special_bilateral_does_not_raise_an_honorary_consul():
    verdict = decide(person(Category.HONORARY_CONSULAR_OFFICER, special_bilateral=True))

    assert verdict.level is Level.OFFICIAL_ACTS
    assert any("not honorary consuls" in reason for reason in verdict.reasons)


def test_special_bilateral_covers_consular_staff_in_an_embassy_consular_section():
    verdict = decide(person(Category.CAREER_CONSULAR_OFFICER, special_bilateral=True, mission_kind=MissionKind.EMBASSY))

    assert verdict.level is Level.FULL


def test_special_bilateral_flag_on_an_io_mission_changes_nothing():
    verdict = decide(person(Category.IO_MISSION_SUPPORT_STAFF, special_bilateral=True))

    assert verdict.level is Level.OFFICIAL_ACTS


def test_us_national_io_senior_official_gets_at_most_official_acts():
    verdict = decide(person(Category.IO_SENIOR_OFFICIAL, us_national_or_lpr=True))

    assert verdict.level is Level.OFFICIAL_ACTS
    assert verdict.answers.arrest_or_detention is Answer.YES
    assert verdict.answers.prosecution is Answer.OFFICIAL_ACTS_DEFENCE


def test_us_national_career_consul_keeps_the_official_acts_testimony_privilege():
    verdict = decide(person(Category.CAREER_CONSULAR_OFFICER, us_national_or_lpr=True))

    assert verdict.level is Level.OFFICIAL_ACTS
    assert verdict.answers.witness_subpoena is Answer.NOT_ABOUT_OFFICIAL_ACTS


def test_us_national_admin_technical_staff_has_no_immunity():
    verdict = decide(person(Category.ADMIN_TECHNICAL_STAFF, us_national_or_lpr=True))

    assert verdict.level is Level.NONE


def test_consular_service_staff_need_not_testify_about_official_acts():
    verdict = decide(person(Category.CONSULAR_SERVICE_STAFF))

    assert verdict.level is Level.NONE
    assert verdict.answers.witness_subpoena is Answer.NOT_ABOUT_OFFICIAL_ACTS


def test_tecro_family_has_full_criminal_immunity():
    verdict = decide(person(Category.TECRO_DESIGNATED, Relationship.SPOUSE))

    assert verdict.level is Level.FULL
    assert verdict.answers.arrest_or_detention is Answer.NO
    assert verdict.answers.witness_subpoena is Answer.CONSULT_STATE


def test_teco_designated_reason_says_the_row_is_inferred():
    verdict = decide(person(Category.TECO_DESIGNATED))

    assert any("inferred" in reason and "not confirmed" in reason for reason in verdict.reasons)


def test_io_senior_official_family_reason_says_it_is_inferred():
    verdict = decide(person(Category.IO_SENIOR_OFFICIAL, Relationship.SPOUSE))

    assert verdict.level is Level.FULL
    assert any("inferred" in reason for reason in verdict.reasons)


def test_other_family_reason_says_state_must_consent():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, Relationship.OTHER_FAMILY))

    assert any("express State Department consent" in reason for reason in verdict.reasons)


def test_career_consular_reason_cites_the_vienna_convention():
    verdict = decide(person(Category.CAREER_CONSULAR_OFFICER))

    assert verdict.reasons[0].startswith("Category: career consular officer (VCCR art. 41")


def test_departed_person_is_unverified_but_keeps_record_level():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, problems=("Person has departed",)))

    assert verdict.level is Level.UNVERIFIED
    assert verdict.record_level is Level.FULL
    assert verdict.headline == "NOT VERIFIED — call DS Command Center"
    assert "Person has departed" in verdict.reasons
    assert "The record says full immunity, but it is not current:" in verdict.reasons


def test_unverified_verdict_answers_every_question_with_consult_state():
    verdict = decide(person(Category.SERVICE_STAFF, problems=("Card revoked",)))

    assert set(verdict.answers.to_dict().values()) == {"consult_state"}


def test_family_member_without_a_sponsor_on_record_is_unverified():
    verdict = decide(person(Category.DIPLOMATIC_AGENT, Relationship.SPOUSE, sponsor_category=None))

    assert verdict.level is Level.UNVERIFIED
    assert "Family member with no sponsor on record" in verdict.reasons


def test_family_member_uses_the_sponsors_category_not_their_own():
    verdict = decide(
        person(
            Category.NONE,
            Relationship.CHILD,
            sponsor_category=Category.DIPLOMATIC_AGENT,
            mission_kind=MissionKind.EMBASSY,
        )
    )

    assert verdict.level is Level.FULL


@pytest.mark.parametrize(
    ("category", "headline"),
    [
        (Category.DIPLOMATIC_AGENT, "FULL IMMUNITY — do not arrest or detain"),
        (Category.CAREER_CONSULAR_OFFICER, "FELONY WARRANT ONLY — no arrest except for a felony, on a warrant"),
        (Category.IO_STAFF, "OFFICIAL-ACTS IMMUNITY ONLY — normal enforcement, a court decides"),
        (Category.NONE, "NO IMMUNITY — normal enforcement"),
    ],
    ids=["full", "felony_warrant", "official_acts", "none"],
)
def test_headline_says_the_level_in_plain_words(category, headline):
    assert decide(person(category)).headline == headline


def test_full_immunity_vehicle_may_only_be_towed_to_clear_a_hazard():
    verdict = decide(person(Category.DIPLOMATIC_AGENT))

    assert verdict.answers.vehicle_search_or_impound is Answer.NO
    assert any(reason.startswith("Vehicle:") and "hazard" in reason for reason in verdict.reasons)


def test_consular_vehicle_reason_says_to_tell_the_state_department():
    verdict = decide(person(Category.CONSULAR_EMPLOYEE))

    assert verdict.answers.vehicle_search_or_impound is Answer.YES
    assert any(reason.startswith("Vehicle:") and "tell the State Department" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("category", list(Category), ids=str)
def test_every_verdict_shows_the_always_allowed_actions_and_caveats(category):
    verdict = decide(person(category))

    assert any("impaired driver" in action for action in verdict.always_allowed)
    assert any("defend yourself" in action.lower() for action in verdict.always_allowed)
    assert any("official-acts immunity is for a court to decide" in caveat.lower() for caveat in verdict.caveats)
    assert any("not proof of immunity" in caveat for caveat in verdict.caveats)
    assert any("registered person" in caveat for caveat in verdict.caveats)


def test_family_rule_of_a_diplomat_says_us_national_family_members_have_none():
    verdict = decide(person(Category.DIPLOMATIC_AGENT))

    assert "same as sponsor" in verdict.family_rule
    assert "US nationals or permanent residents have none" in verdict.family_rule


def test_family_rule_of_a_consular_officer_says_no_immunity():
    verdict = decide(person(Category.CAREER_CONSULAR_OFFICER))

    assert "no immunity" in verdict.family_rule
