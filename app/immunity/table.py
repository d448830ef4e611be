"""The booklet's law-enforcement table as data: one rule per category ([BK] p.48, facts §1)."""

from dataclasses import dataclass
from typing import NamedTuple

from app.immunity.codes import Answer, Category, Level


class Row(NamedTuple):
    """The five questions of the booklet's table, in its column order."""

    arrest_or_detention: Answer
    residence_entry: Answer
    traffic_citation: Answer
    witness_subpoena: Answer
    prosecution: Answer


_N, _Y, _ASK = Answer.NO, Answer.YES, Answer.CONSULT_STATE
_FELONY, _NOT_OFFICIAL = Answer.FELONY_WARRANT_ONLY, Answer.NOT_ABOUT_OFFICIAL_ACTS
_DEFENCE = Answer.OFFICIAL_ACTS_DEFENCE

DIPLOMATIC_ROW = Row(_N, _N, _Y, _N, _N)
SERVICE_STAFF_ROW = Row(_Y, _Y, _Y, _Y, _DEFENCE)
FELONY_WARRANT_ROW = Row(_FELONY, _Y, _Y, _NOT_OFFICIAL, _DEFENCE)
# Honorary consul, consular employee, IO staff, IO-mission support staff, TECO designated; also
# the cap for US nationals and permanent residents (VCDR art. 38(1), VCCR art. 71(1)).
OFFICIAL_ACTS_ROW = Row(_Y, _Y, _Y, _NOT_OFFICIAL, _DEFENCE)
CONSULAR_SERVICE_STAFF_ROW = Row(_Y, _Y, _Y, _NOT_OFFICIAL, _Y)
# † inferred from the card text ([BK] pp.40–41): "full criminal immunity, may not be arrested or
# detained"; residence and testimony are not stated.
SPECIAL_BILATERAL_CONSULAR_ROW = Row(_N, _ASK, _Y, _ASK, _N)
# Facts table: "Immune from criminal jurisdiction, arrest and detention"; nothing more is stated.
TECRO_FAMILY_ROW = Row(_N, _ASK, _Y, _ASK, _N)
NO_IMMUNITY_ROW = Row(_Y, _Y, _Y, _Y, _Y)
UNVERIFIED_ROW = Row(_ASK, _ASK, _ASK, _ASK, _ASK)

_US_FAMILY = " Family members who are US nationals or permanent residents have none."
_SHARED = (
    "Recognized family members (spouse; children under 21, or under 23 if full-time students): "
    "same as sponsor, full immunity and inviolability." + _US_FAMILY
)
# Facts §1.1 special bilateral agreements (a) embassy staff and (b) consular staff.
BILATERAL_EMBASSY_FAMILY_RULE = (
    "Recognized family members: same as sponsor under the special bilateral agreement, full immunity and "
    "inviolability." + _US_FAMILY
)
BILATERAL_CONSULAR_FAMILY_RULE = (
    "Recognized family members: full criminal immunity, no arrest or detention (card text for "
    "special-bilateral countries)." + _US_FAMILY
)
_NOT_SHARED = "Recognized family members: no immunity or inviolability."
_NOT_SHARED_CARD = "Recognized family members: no immunity (their card says: treat with due respect)."


@dataclass(frozen=True)
class CategoryRule:
    """One row of the table: the principal's level and answers, and what the family gets."""

    name: str
    source: str
    level: Level
    row: Row
    family_level: Level
    family_row: Row
    family_rule: str
    notes: tuple[str, ...] = ()
    family_notes: tuple[str, ...] = ()


def _family_shares(name: str, source: str, *notes: str, family_notes: tuple[str, ...] = ()) -> CategoryRule:
    """A diplomatic-agent-style row: full immunity, and the family is the same as the sponsor."""
    return CategoryRule(
        name=name,
        source=source,
        level=Level.FULL,
        row=DIPLOMATIC_ROW,
        family_level=Level.FULL,
        family_row=DIPLOMATIC_ROW,
        family_rule=_SHARED,
        notes=notes,
        family_notes=family_notes,
    )


def _family_has_none(name: str, source: str, level: Level, row: Row, *notes: str, card: bool = False) -> CategoryRule:
    """A row whose "Recognized family members" column says no immunity or inviolability."""
    return CategoryRule(
        name=name,
        source=source,
        level=level,
        row=row,
        family_level=Level.NONE,
        family_row=NO_IMMUNITY_ROW,
        family_rule=_NOT_SHARED_CARD if card else _NOT_SHARED,
        notes=notes,
    )


RULES: dict[Category, CategoryRule] = {
    Category.DIPLOMATIC_AGENT: _family_shares("diplomatic agent", "VCDR art. 29–31; [BK] p.48"),
    Category.ADMIN_TECHNICAL_STAFF: _family_shares(
        "administrative and technical staff member", "VCDR art. 37(2); [BK] p.48"
    ),
    Category.SERVICE_STAFF: _family_has_none(
        "service-staff member", "VCDR art. 37(3); [BK] p.48", Level.OFFICIAL_ACTS, SERVICE_STAFF_ROW
    ),
    Category.CAREER_CONSULAR_OFFICER: _family_has_none(
        "career consular officer",
        "VCCR art. 41–44; [BK] p.48",
        Level.FELONY_WARRANT,
        FELONY_WARRANT_ROW,
        "Testimony can never be compelled, and no penalty may follow a refusal to testify (VCCR art. 44)",
        "A residence inside the consular premises: only the office space is protected ([BK] p.48 note 4)",
        card=True,
    ),
    Category.HONORARY_CONSULAR_OFFICER: _family_has_none(
        "honorary consular officer",
        "VCCR art. 58; [BK] p.48",
        Level.OFFICIAL_ACTS,
        OFFICIAL_ACTS_ROW,
        "Consular archives are inviolable when kept apart from private papers (VCCR art. 61)",
    ),
    Category.CONSULAR_EMPLOYEE: _family_has_none(
        "consular employee", "VCCR art. 43–44; [BK] p.48", Level.OFFICIAL_ACTS, OFFICIAL_ACTS_ROW, card=True
    ),
    Category.CONSULAR_SERVICE_STAFF: _family_has_none(
        "consular service-staff member",
        "VCCR art. 44(3)",
        Level.NONE,
        CONSULAR_SERVICE_STAFF_ROW,
        "No immunity, but need not testify about official acts (VCCR art. 44(3))",
    ),
    Category.IO_STAFF: _family_has_none(
        "international organization staff member",
        "22 U.S.C. 288d(b); [BK] p.48",
        Level.OFFICIAL_ACTS,
        OFFICIAL_ACTS_ROW,
    ),
    Category.IO_SENIOR_OFFICIAL: _family_shares(
        "senior international organization official",
        "[BK] p.48 note 3",
        "The table has no row for senior IO officials: they are treated like diplomatic agents ([BK] p.48 note 3)",
        family_notes=(
            "Family of a senior IO official: inferred from the diplomatic-agent row, not confirmed; check with DS",
        ),
    ),
    Category.IO_MISSION_DIPLOMATIC: _family_shares(
        "diplomatic-level member of a mission to an international organization", "[BK] p.48"
    ),
    Category.IO_MISSION_SUPPORT_STAFF: _family_has_none(
        "support-staff member of a mission to an international organization",
        "[BK] p.48",
        Level.OFFICIAL_ACTS,
        OFFICIAL_ACTS_ROW,
    ),
    Category.TECRO_DESIGNATED: CategoryRule(
        name="TECRO designated employee",
        source="[BK] p.48",
        level=Level.FULL,
        row=DIPLOMATIC_ROW,
        family_level=Level.FULL,
        family_row=TECRO_FAMILY_ROW,
        family_rule="Recognized family members: immune from criminal jurisdiction, arrest and detention." + _US_FAMILY,
        family_notes=("Family of a TECRO employee: residence entry and subpoena are not stated; consult DoS",),
    ),
    Category.TECO_HEAD: _family_has_none(
        "TECO head or deputy head",
        "[BK] p.48",
        Level.FELONY_WARRANT,
        FELONY_WARRANT_ROW,
        "Arrest only on a warrant for a felony punishable by at least one year (card text)",
        "On whether an act was official, consult AIT",
        card=True,
    ),
    Category.TECO_DESIGNATED: _family_has_none(
        "TECO designated employee",
        "[BK] pp.40–41",
        Level.OFFICIAL_ACTS,
        OFFICIAL_ACTS_ROW,
        "This row is inferred (†) from the booklet's card pages, not its table: not confirmed",
        "On whether an act was official, consult AIT",
        card=True,
    ),
    Category.NONE: _family_has_none(
        "person with no accredited status (e.g. a private servant, or short temporary duty)",
        "[BK] p.48",
        Level.NONE,
        NO_IMMUNITY_ROW,
    ),
}
