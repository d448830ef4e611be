"""From one person's facts to a verdict: the rules of SPEC §3, step by step."""

from dataclasses import dataclass

from app.immunity.codes import Answer, Category, Level, MissionKind, Relationship
from app.immunity.consular import mandatory_country
from app.immunity.contacts import contacts_for
from app.immunity.facts import PersonFacts
from app.immunity.table import (
    BILATERAL_CONSULAR_FAMILY_RULE,
    BILATERAL_EMBASSY_FAMILY_RULE,
    DIPLOMATIC_ROW,
    NO_IMMUNITY_ROW,
    OFFICIAL_ACTS_ROW,
    RULES,
    SPECIAL_BILATERAL_CONSULAR_ROW,
    UNVERIFIED_ROW,
    Row,
)
from app.immunity.verdict import TableAnswers, Verdict
from app.immunity.wording import (
    ALWAYS_ALLOWED,
    CAVEATS,
    HEADLINES,
    SUMMARIES,
    UNVERIFIED_CAVEAT,
    consular_caveat,
)

US_NATIONAL_SOURCE = "VCDR art. 37–38 / VCCR art. 71"
# VCDR art. 37(2)–(3) and VCCR art. 71(2) give these staff nothing when they are US nationals or LPRs.
NO_IMMUNITY_IF_US_NATIONAL = frozenset(
    {
        Category.ADMIN_TECHNICAL_STAFF,
        Category.SERVICE_STAFF,
        Category.CONSULAR_EMPLOYEE,
        Category.CONSULAR_SERVICE_STAFF,
    }
)
# Facts §1.1 (a): all embassy staff get diplomatic-agent treatment; (b): consulate staff get full
# criminal immunity. Honorary consuls are not career staff of the sending state, so neither applies.
BILATERAL_EMBASSY_STAFF = frozenset({Category.DIPLOMATIC_AGENT, Category.ADMIN_TECHNICAL_STAFF, Category.SERVICE_STAFF})
BILATERAL_CONSULAR_STAFF = frozenset(
    {Category.CAREER_CONSULAR_OFFICER, Category.CONSULAR_EMPLOYEE, Category.CONSULAR_SERVICE_STAFF}
)
BILATERAL_MISSIONS = frozenset({MissionKind.EMBASSY, MissionKind.CONSULATE})
CONSULAR_CATEGORIES = frozenset({*BILATERAL_CONSULAR_STAFF, Category.HONORARY_CONSULAR_OFFICER})


@dataclass(frozen=True)
class _Finding:
    """The level and table row reached so far, and why."""

    level: Level
    row: Row
    family_rule: str
    reasons: tuple[str, ...]

    def because(
        self,
        *reasons: str,
        level: Level | None = None,
        row: Row | None = None,
        family_rule: str | None = None,
    ) -> "_Finding":
        return _Finding(
            level=self.level if level is None else level,
            row=self.row if row is None else row,
            family_rule=self.family_rule if family_rule is None else family_rule,
            reasons=self.reasons + reasons,
        )


def decide(facts: PersonFacts) -> Verdict:
    """The verdict for one person (SPEC §3).

    The base level comes from the category's row of the booklet's table ([BK] p.48); then, in
    this order: family members take what the table gives their sponsor's family, US nationals
    and permanent residents lose immunity (VCDR art. 37–38, VCCR art. 71), a special bilateral
    agreement raises embassy and consular staff to full, and any status problem makes the
    verdict `unverified` while `record_level` keeps what the record says.
    """
    category, problems = _rules_category(facts)
    finding = _category(facts, category)
    for adjust in (_family, _us_national, _special_bilateral):
        finding = adjust(facts, category, finding)
    record_level = finding.level
    if problems:
        finding = finding.because(
            f"The record says {SUMMARIES[record_level]}, but it is not current:",
            *problems,
            level=Level.UNVERIFIED,
            row=UNVERIFIED_ROW,
        )
    vehicle, vehicle_reasons = _vehicle(facts, category, finding.level)
    country = mandatory_country(facts.nationality)
    caveats = CAVEATS
    if finding.level is Level.UNVERIFIED:
        caveats += (UNVERIFIED_CAVEAT,)
    if country is not None:
        caveats += (consular_caveat(country),)
    return Verdict(
        level=finding.level,
        headline=HEADLINES[finding.level],
        answers=TableAnswers(*finding.row, vehicle_search_or_impound=vehicle),
        family_rule=finding.family_rule,
        always_allowed=ALWAYS_ALLOWED,
        caveats=caveats,
        reasons=finding.reasons + vehicle_reasons,
        contacts=contacts_for(facts),
        consular_notification=country is not None,
        record_level=record_level,
    )


def _rules_category(facts: PersonFacts) -> tuple[Category, tuple[str, ...]]:
    """The category whose row applies (the sponsor's for a family member) and any problem finding it."""
    if not facts.is_family:
        return facts.category, facts.problems
    if facts.sponsor_category is None:
        # The family rules depend entirely on the sponsor; without one the record cannot be vouched for.
        return facts.category, (*facts.problems, "Family member with no sponsor on record")
    return facts.sponsor_category, facts.problems


def _category(facts: PersonFacts, category: Category) -> _Finding:
    """The principal's row of the table ([BK] p.48)."""
    rule = RULES[category]
    if facts.is_family:
        return _Finding(rule.level, rule.row, rule.family_rule, (f"Sponsor's category: {rule.name} ({rule.source})",))
    return _Finding(rule.level, rule.row, rule.family_rule, (f"Category: {rule.name} ({rule.source})", *rule.notes))


def _family(facts: PersonFacts, category: Category, finding: _Finding) -> _Finding:
    """Family members get the table's "Recognized family members" column: the sponsor's level or none ([BK] p.48)."""
    if not facts.is_family:
        return finding
    rule = RULES[category]
    reasons: tuple[str, ...] = ()
    if facts.relationship is Relationship.OTHER_FAMILY:
        reasons = (
            "Family members other than a spouse or children are recognized only by express State Department consent",
        )
    if rule.family_level is Level.NONE:
        return finding.because(
            *reasons, f"Family member of {_a(rule.name)}: no immunity", level=Level.NONE, row=NO_IMMUNITY_ROW
        )
    return finding.because(
        *reasons,
        f"Family member of {_a(rule.name)}: same as sponsor",
        *rule.family_notes,
        level=rule.family_level,
        row=rule.family_row,
    )


def _us_national(facts: PersonFacts, category: Category, finding: _Finding) -> _Finding:
    """US nationals and permanent residents: none as family or junior staff, else official acts at most.

    VCDR art. 37(1)–(3) and 38(1); VCCR art. 71(1)–(2); facts §1.1.
    """
    if not facts.us_national_or_lpr:
        return finding
    if facts.is_family or category in NO_IMMUNITY_IF_US_NATIONAL:
        return finding.because(
            f"US national or permanent resident: no immunity ({US_NATIONAL_SOURCE})",
            level=Level.NONE,
            row=NO_IMMUNITY_ROW,
        )
    if finding.level in (Level.FULL, Level.FELONY_WARRANT):
        return finding.because(
            f"US national or permanent resident: official-acts immunity only ({US_NATIONAL_SOURCE})",
            level=Level.OFFICIAL_ACTS,
            row=OFFICIAL_ACTS_ROW,
        )
    return finding.because(
        f"US national or permanent resident: official-acts immunity at most, so no change ({US_NATIONAL_SOURCE})"
    )


def _special_bilateral(facts: PersonFacts, category: Category, finding: _Finding) -> _Finding:
    """A special bilateral agreement raises embassy and consular staff and their families to full.

    Facts §1.1 and [BK] p.48 note 2; the consular row is inferred from the card text ([BK] pp.40–41).
    """
    if not facts.special_bilateral:
        return finding
    if facts.us_national_or_lpr:
        return finding.because("Special bilateral agreement: does not cover US nationals or permanent residents")
    embassy_staff = category in BILATERAL_EMBASSY_STAFF
    if facts.mission_kind not in BILATERAL_MISSIONS or not (embassy_staff or category in BILATERAL_CONSULAR_STAFF):
        return finding.because(
            "Special bilateral agreement on record, but it covers only embassy and consulate staff, "
            "not honorary consuls or this category"
        )
    if finding.level is Level.FULL:
        return finding
    not_confirmed = (
        "The current list of special-bilateral countries is not confirmed: this follows the registry's flag "
        "for the mission"
    )
    if embassy_staff:
        return finding.because(
            "Special bilateral agreement raises the level to full (diplomatic-agent treatment)",
            not_confirmed,
            level=Level.FULL,
            row=DIPLOMATIC_ROW,
            family_rule=BILATERAL_EMBASSY_FAMILY_RULE,
        )
    return finding.because(
        "Special bilateral agreement raises the level to full (full criminal immunity, no arrest or detention)",
        not_confirmed,
        "This row is inferred (†) from the card text: residence entry and subpoena are not stated; consult DoS",
        level=Level.FULL,
        row=SPECIAL_BILATERAL_CONSULAR_ROW,
        family_rule=BILATERAL_CONSULAR_FAMILY_RULE,
    )


def _vehicle(facts: PersonFacts, category: Category, level: Level) -> tuple[Answer, tuple[str, ...]]:
    """May the person's vehicle be searched or impounded? Facts §4.3, [BK] p.35."""
    if level is Level.UNVERIFIED:
        return Answer.CONSULT_STATE, ()
    if level is Level.FULL:
        return Answer.NO, (
            "Vehicle: may not be searched, seized, impounded or booted; tow only as far as needed to clear a "
            "hazard ([BK] p.35)",
        )
    if category in CONSULAR_CATEGORIES or facts.mission_kind is MissionKind.CONSULATE:
        return Answer.YES, (
            "Vehicle: consular vehicles may be impounded under local procedure, but tell the State Department "
            "so OFM can follow up with the consulate ([BK] p.35)",
        )
    return Answer.YES, ()


def _a(name: str) -> str:
    article = "an" if name[0] in "aeiou" or name.startswith("honorary") else "a"
    return f"{article} {name}"
