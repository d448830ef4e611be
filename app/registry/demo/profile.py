"""The demo registry's proportions: how many of what, who gets which card colour and plate letter.

Shares are plausible guesses shaped by OFM's published totals and facts §1–§3, not OFM data.
"""

from app.immunity.codes import Category, MissionKind

# OFM's own figures (SPEC §2): 1,700 missions and 12,000 vehicles for 55,000 persons.
MISSIONS_PER_PERSON = 1_700 / 55_000
VEHICLES_PER_PERSON = 12_000 / 55_000
OFFICIAL_CAR_SHARE = 0.10
SPECIAL_BILATERAL_SHARE = 0.03
MIN_RANDOM_MISSIONS = 3
YEAR = 365  # days: the demo needs no leap-year precision

# Share of the random missions by kind; the honorary share takes whatever the others cannot fill.
KIND_SHARES = (
    ("embassy", 0.112),
    ("io_mission", 0.112),
    ("organisation", 0.010),
    ("teco", 0.007),
    ("consulate", 0.380),
    ("honorary", 0.379),
)
# Relative head count of a mission of each kind (multiplied by the country's size for national missions).
KIND_WEIGHTS = {
    "embassy": 110.0,
    "io_mission": 24.0,
    "organisation": 120.0,
    "teco": 10.0,
    "tecro": 80.0,
    "consulate": 6.0,
    "honorary": 0.5,
}
PRINCIPAL_MIX: dict[str, tuple[tuple[Category, float], ...]] = {
    "embassy": (
        (Category.DIPLOMATIC_AGENT, 0.42),
        (Category.ADMIN_TECHNICAL_STAFF, 0.33),
        (Category.SERVICE_STAFF, 0.18),
        (Category.NONE, 0.07),
    ),
    "consulate": (
        (Category.CAREER_CONSULAR_OFFICER, 0.30),
        (Category.CONSULAR_EMPLOYEE, 0.50),
        (Category.CONSULAR_SERVICE_STAFF, 0.20),
    ),
    "honorary": ((Category.HONORARY_CONSULAR_OFFICER, 1.0),),
    "io_mission": (
        (Category.IO_MISSION_DIPLOMATIC, 0.62),
        (Category.IO_MISSION_SUPPORT_STAFF, 0.33),
        (Category.NONE, 0.05),
    ),
    "organisation": ((Category.IO_STAFF, 0.96), (Category.IO_SENIOR_OFFICIAL, 0.04)),
    "tecro": ((Category.TECRO_DESIGNATED, 1.0),),
    "teco": ((Category.TECO_DESIGNATED, 1.0),),
}
# The first principal of a mission is its head; TECO offices also have a deputy head (facts §1.1).
HEADS = {
    "embassy": Category.DIPLOMATIC_AGENT,
    "consulate": Category.CAREER_CONSULAR_OFFICER,
    "io_mission": Category.IO_MISSION_DIPLOMATIC,
    "tecro": Category.TECRO_DESIGNATED,
    "teco": Category.TECO_HEAD,
}
# Share of each category who are US nationals or permanent residents.
US_NATIONAL_SHARE = {
    Category.HONORARY_CONSULAR_OFFICER: 0.80,
    Category.SERVICE_STAFF: 0.06,
    Category.CONSULAR_EMPLOYEE: 0.08,
    Category.CONSULAR_SERVICE_STAFF: 0.10,
    Category.ADMIN_TECHNICAL_STAFF: 0.02,
    Category.IO_STAFF: 0.06,
    Category.IO_MISSION_SUPPORT_STAFF: 0.03,
    Category.NONE: 0.05,
}
SENIOR = frozenset(
    {
        Category.DIPLOMATIC_AGENT,
        Category.ADMIN_TECHNICAL_STAFF,
        Category.CAREER_CONSULAR_OFFICER,
        Category.IO_MISSION_DIPLOMATIC,
        Category.IO_SENIOR_OFFICIAL,
        Category.TECRO_DESIGNATED,
        Category.TECO_HEAD,
    }
)
NO_FAMILY = frozenset({Category.NONE, Category.HONORARY_CONSULAR_OFFICER})

# Families who get no DoS card: UN-mission support staff (facts §2.1) and IO staff (decision: G-4 dependants).
NO_FAMILY_CARD = frozenset({Category.IO_MISSION_SUPPORT_STAFF, Category.IO_STAFF})
CARD_MIN_AGE = 16  # USUN cards children from 16 (facts §2.1); the demo applies it to every issuer
# Plate status letter by category (facts §3); `none` registers no OFM vehicle.
STATUS_LETTERS = {
    Category.DIPLOMATIC_AGENT: "D",
    Category.IO_MISSION_DIPLOMATIC: "D",
    Category.ADMIN_TECHNICAL_STAFF: "S",
    Category.SERVICE_STAFF: "S",
    Category.IO_MISSION_SUPPORT_STAFF: "S",
    Category.TECRO_DESIGNATED: "S",
    Category.CAREER_CONSULAR_OFFICER: "C",
    Category.CONSULAR_EMPLOYEE: "C",
    Category.CONSULAR_SERVICE_STAFF: "C",
    Category.HONORARY_CONSULAR_OFFICER: "C",
    Category.TECO_HEAD: "C",
    Category.TECO_DESIGNATED: "C",
    Category.IO_STAFF: "A",
    Category.IO_SENIOR_OFFICIAL: "A",
}
OFFICIAL_LETTERS = {
    MissionKind.EMBASSY: "D",
    MissionKind.CONSULATE: "C",
    MissionKind.IO_MISSION: "D",
    MissionKind.INTERNATIONAL_ORG: "A",
    MissionKind.TECRO: "S",
    MissionKind.TECO: "C",
}
CARD_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"  # no I/O (misread as 1/0) and no Z: "ZZ" is the demo cases' prefix
