"""How codes read on the verdict screen: question labels, answers, categories, levels."""

import re
from difflib import SequenceMatcher

from app.immunity import Answer, Level
from app.immunity.contacts import DS_COMMAND_CENTER

QUESTIONS = {
    "arrest_or_detention": "Arrest or detain",
    "residence_entry": "Enter the residence",
    "traffic_citation": "Traffic citation",
    "witness_subpoena": "Subpoena as a witness",
    "prosecution": "Prosecute",
    "vehicle_search_or_impound": "Search or impound the vehicle",
}

# (short word, explanation, tone) — the tone picks the icon and colour, never colour alone.
ANSWERS = {
    Answer.NO: ("No", "", "stop"),
    Answer.YES: ("Yes", "", "go"),
    Answer.FELONY_WARRANT_ONLY: ("Only on a felony warrant", "Arrest only for a felony and on a warrant", "caution"),
    Answer.NOT_ABOUT_OFFICIAL_ACTS: (
        "Yes, not about official acts",
        "Cannot be made to testify about official acts",
        "caution",
    ),
    Answer.OFFICIAL_ACTS_DEFENCE: (
        "Yes — court decides official acts",
        "Official-acts immunity is a defence the court decides",
        "caution",
    ),
    Answer.CONSULT_STATE: ("Call DS first", "Not stated: ask the DS Command Center", "ask"),
}

LEVEL_WORDS = {
    Level.FULL: "Full immunity",
    Level.FELONY_WARRANT: "Felony warrant only",
    Level.OFFICIAL_ACTS: "Official acts only",
    Level.NONE: "No immunity",
    Level.UNVERIFIED: "Not verified",
}

CATEGORIES = {
    "diplomatic_agent": "Diplomatic agent",
    "admin_technical_staff": "Administrative and technical staff",
    "service_staff": "Service staff",
    "career_consular_officer": "Career consular officer",
    "honorary_consular_officer": "Honorary consular officer",
    "consular_employee": "Consular employee",
    "consular_service_staff": "Consular service staff",
    "io_staff": "International organization staff",
    "io_senior_official": "International organization senior official",
    "io_mission_diplomatic": "Diplomatic staff, mission to an international organization",
    "io_mission_support_staff": "Support staff, mission to an international organization",
    "tecro_designated": "TECRO designated employee",
    "teco_head": "TECO head or deputy head",
    "teco_designated": "TECO designated employee",
    "none": "No immunity category",
}

# The OFM driving record (facts §4.2): (headline, what it means, tone).
DRIVING = {
    "clear": ("Points on the OFM driving record", "Under the review threshold of 8 points in two years.", "ask"),
    "review": (
        "Driving record under OFM review",
        "8 points or more in two years: OFM reviews the record and may take administrative action.",
        "caution",
    ),
    "suspended": (
        "Driving privileges suspended by OFM",
        "12 points or more in two years: OFM suspends all licence and driving privileges.",
        "stop",
    ),
}
# What a record under review or suspended means for this stop (facts §4.2). The facts do not say whether an
# unimpaired driver whose privileges are suspended may drive on: the last line says so and sends to DS.
DRIVING_GUIDANCE = (
    "Immunity is unchanged: the verdict above still applies.",
    "You may issue a citation: it is not an arrest. Document everything.",
    "An impaired driver never drives on, whatever the immunity.",
    "Report the stop to OFM: the citation and your report add to this record.",
)
SUSPENDED_NOT_CONFIRMED = (
    "Not confirmed: whether a driver with suspended privileges who is not impaired may drive on. "
    "Ask the DS Command Center."
)
# How the dispatcher's history names a driving record worth relaying.
DRIVING_SHORT = {"review": "driving under review", "suspended": "driving suspended"}

# The one number a result keeps in reach (the call bar, the failure panel): the first DS Command Center line.
DS_CALL = DS_COMMAND_CENTER[0]

RELATIONSHIPS = {"principal": "Principal", "spouse": "Spouse", "child": "Child", "other_family": "Family member"}


def mark_difference(query: str, plate: str) -> list[tuple[str, bool]]:
    """`plate` in runs of (text, differs from `query`), so a near match shows which characters are not the same.

    A near match is one edit away (plates.variants). Of the same length (a misread, another character, two
    neighbours swapped), every position that differs is marked; otherwise the inserted characters are, and
    for a missing character the one that now stands where it was.
    """
    if len(query) == len(plate):
        flags = [a != b for a, b in zip(query, plate, strict=True)]
    else:
        flags = [False] * len(plate)
        for tag, _i1, _i2, j1, j2 in SequenceMatcher(a=query, b=plate, autojunk=False).get_opcodes():
            if tag == "delete" and plate:
                flags[min(j1, len(plate) - 1)] = True
            for j in range(j1, j2):
                flags[j] = flags[j] or tag != "equal"
    runs: list[tuple[str, bool]] = []
    for char, differs in zip(plate, flags, strict=True):
        if runs and runs[-1][1] == differs:
            runs[-1] = (runs[-1][0] + char, differs)
        else:
            runs.append((char, differs))
    return runs


ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def date_parts(text: str) -> list[tuple[str, bool]]:
    """`text` in runs of (text, is an ISO date), for templates/macros/time.html `whole_dates`: a browser breaks a
    narrow line at a date's hyphen, and "replaced on 2026-12-" over "03" is a date an officer has to piece together.
    The template escapes every run; the dates it keeps on one line."""
    parts = ISO_DATE.split(text)  # text, date, text, ... (the pattern's one group keeps the dates)
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


TEMPLATE_GLOBALS = {
    "QUESTIONS": QUESTIONS,
    "ANSWERS": ANSWERS,
    "LEVEL_WORDS": LEVEL_WORDS,
    "CATEGORIES": CATEGORIES,
    "RELATIONSHIPS": RELATIONSHIPS,
    "DRIVING": DRIVING,
    "DRIVING_GUIDANCE": DRIVING_GUIDANCE,
    "SUSPENDED_NOT_CONFIRMED": SUSPENDED_NOT_CONFIRMED,
    "DS_CALL": DS_CALL,
    "DS_COMMAND_CENTER": DS_COMMAND_CENTER,
    "mark_difference": mark_difference,
}
