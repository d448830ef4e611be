"""The registry's code lists: categories, relationships, statuses and kinds (SPEC §2–§3)."""

from enum import StrEnum


class Category(StrEnum):
    """A person's accreditation category (SPEC §3; facts §1.1)."""

    DIPLOMATIC_AGENT = "diplomatic_agent"
    ADMIN_TECHNICAL_STAFF = "admin_technical_staff"
    SERVICE_STAFF = "service_staff"
    CAREER_CONSULAR_OFFICER = "career_consular_officer"
    HONORARY_CONSULAR_OFFICER = "honorary_consular_officer"
    CONSULAR_EMPLOYEE = "consular_employee"
    CONSULAR_SERVICE_STAFF = "consular_service_staff"
    IO_STAFF = "io_staff"
    IO_SENIOR_OFFICIAL = "io_senior_official"
    IO_MISSION_DIPLOMATIC = "io_mission_diplomatic"
    IO_MISSION_SUPPORT_STAFF = "io_mission_support_staff"
    TECRO_DESIGNATED = "tecro_designated"
    TECO_HEAD = "teco_head"
    TECO_DESIGNATED = "teco_designated"
    NONE = "none"


class Relationship(StrEnum):
    PRINCIPAL = "principal"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER_FAMILY = "other_family"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DEPARTED = "departed"
    TERMINATED = "terminated"


class MissionKind(StrEnum):
    EMBASSY = "embassy"
    CONSULATE = "consulate"
    IO_MISSION = "io_mission"
    INTERNATIONAL_ORG = "international_org"
    TECRO = "tecro"
    TECO = "teco"


class CardType(StrEnum):
    """Card families by border colour (facts §2.1)."""

    DIPLOMATIC = "diplomatic"  # blue border
    OFFICIAL = "official"  # green border
    CONSULAR = "consular"  # red border


class CardIssuer(StrEnum):
    PROTOCOL = "protocol"
    USUN = "usun"
    AIT = "ait"


class CardStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    LOST = "lost"


class VehicleStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    RECALLED = "recalled"


class Level(StrEnum):
    """A verdict's level (SPEC §3)."""

    FULL = "full"
    FELONY_WARRANT = "felony_warrant"
    OFFICIAL_ACTS = "official_acts"
    NONE = "none"
    UNVERIFIED = "unverified"


class Answer(StrEnum):
    """An answer to one question of the law-enforcement table (SPEC §3)."""

    NO = "no"
    YES = "yes"
    FELONY_WARRANT_ONLY = "felony_warrant_only"
    NOT_ABOUT_OFFICIAL_ACTS = "not_about_official_acts"
    OFFICIAL_ACTS_DEFENCE = "official_acts_defence"
    CONSULT_STATE = "consult_state"
