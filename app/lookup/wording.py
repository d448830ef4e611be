"""How codes read on the verdict screen: question labels, answers, categories, levels."""

from app.immunity import Answer, Level

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
    Answer.NOT_ABOUT_OFFICIAL_ACTS: ("Yes, not about official acts", "Cannot be made to testify about official acts", "caution"),
    Answer.OFFICIAL_ACTS_DEFENCE: ("Yes — court decides official acts", "Official-acts immunity is a defence the court decides", "caution"),
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

RELATIONSHIPS = {"principal": "Principal", "spouse": "Spouse", "child": "Child", "other_family": "Family member"}

TEMPLATE_GLOBALS = {
    "QUESTIONS": QUESTIONS,
    "ANSWERS": ANSWERS,
    "LEVEL_WORDS": LEVEL_WORDS,
    "CATEGORIES": CATEGORIES,
    "RELATIONSHIPS": RELATIONSHIPS,
    "DRIVING": DRIVING,
}
