"""The demo registry's guaranteed records: one per officer journey, with fixed ids, plates and card numbers.

Every seed, whatever its size or random seed, holds these rows, so tests, screenshots and a live demo
can look them up by name. Dates that decide a verdict (expiry, departure) are relative to the seed's
`today`. Other missions of the same countries are random; none of this reflects a real agreement.
"""

from datetime import date, datetime, timedelta
from typing import Any

from app.immunity.codes import (
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    Level,
    MissionKind,
    PersonStatus,
    Relationship,
    VehicleStatus,
)
from app.registry.demo.vocabulary import TAIWAN, TECRO_NAME, US_NATIONALITY

# Journey name -> what the officer types or scans: a plate, or a printed card number.
DEMO_CASES: dict[str, str] = {
    "diplomat_car": "DWJ1204",  # diplomatic agent's own car, Washington layout
    "diplomat": "ZZ000001",  # the same diplomatic agent's blue card
    "us_national_spouse": "ZZ000002",  # the diplomat's US-citizen spouse
    "service_staff": "ZZ000003",  # embassy driver
    "revoked_card": "ZZ000004",
    "departed_person": "ZZ000005",
    "expired_card": "ZZ000006",
    "consular_officer": "ZZ000007",  # career consul, red card
    "consular_family": "ZZ000008",  # the consul's spouse
    "special_bilateral_employee": "ZZ000009",  # consular employee of a special-bilateral consulate
    "tecro_employee": "ZZ000010",  # green AIT card
    "un_diplomat": "ZZ000011",  # diplomat of a UN permanent mission, blue USUN card
    "un_diplomat_car": "318WJD",  # the same person's car, New York layout
    "official_car": "DWJ100",  # embassy car registered to no person
}

# The verdict each journey shows on the seed's `today`; None: a vehicle with nobody to judge.
DEMO_LEVELS: dict[str, Level | None] = {
    "diplomat_car": Level.FULL,
    "diplomat": Level.FULL,
    "us_national_spouse": Level.NONE,
    "service_staff": Level.OFFICIAL_ACTS,
    "revoked_card": Level.UNVERIFIED,
    "departed_person": Level.UNVERIFIED,
    "expired_card": Level.UNVERIFIED,
    "consular_officer": Level.FELONY_WARRANT,
    "consular_family": Level.NONE,
    "special_bilateral_employee": Level.FULL,
    "tecro_employee": Level.FULL,
    "un_diplomat": Level.FULL,
    "un_diplomat_car": Level.FULL,
    "official_car": None,
}

# Demo persons who get a synthetic portrait (demo/portraits.py) when the seed is given an instance folder;
# the others show the verdict without a photo, as newly registered people do.
DEMO_PORTRAITS = ("DEMO-DIPLOMAT", "DEMO-SERVICE", "DEMO-CONSUL", "DEMO-TECRO", "DEMO-UN-DIPLOMAT")

# Points on the OFM driving record: (days before `today` of the violation, points, reference).
# The driver has 9 within two years (review); the UN diplomat 13 (suspended), plus 4 too old to count.
DEMO_DRIVING: dict[str, tuple[tuple[int, int, str], ...]] = {
    "DEMO-SERVICE": ((45, 3, "DEMO-CITATION-0451"), (210, 6, "DEMO-CITATION-0318")),
    "DEMO-UN-DIPLOMAT": (
        (20, 6, "DEMO-CITATION-0502"),
        (160, 4, "DEMO-CITATION-0377"),
        (400, 3, "DEMO-CITATION-0140"),
        (900, 4, "DEMO-CITATION-0021"),
    ),
}

# Plate codes of the demo countries; the random part of the seed gives every other country its own.
ANCHOR_CODES = {"Norway": "WJ", "Brazil": "KV", "Hungary": "FQ", TAIWAN: "TQ"}
# (country, kind, city) the random part must not create again.
ANCHOR_SLOTS = frozenset(
    {
        ("Norway", MissionKind.EMBASSY, "Washington"),
        ("Norway", MissionKind.IO_MISSION, "New York"),
        ("Brazil", MissionKind.CONSULATE, "Chicago"),
        ("Hungary", MissionKind.CONSULATE, "New York"),
        (TAIWAN, MissionKind.TECRO, "Washington"),
    }
)
SPECIAL_BILATERAL_COUNTRIES = ("Hungary",)

_EMBASSY, _UN, _CONSULATE, _BILATERAL, _TECRO = (
    "M-DEMO-EMBASSY",
    "M-DEMO-UN",
    "M-DEMO-CONSULATE",
    "M-DEMO-BILATERAL",
    "M-DEMO-TECRO",
)


def _mission(
    mission_id: str, name: str, country: str, kind: MissionKind, city: str, state: str, bilateral: bool = False
) -> dict[str, Any]:
    return {
        "id": mission_id,
        "name": name,
        "country": country,
        "kind": kind,
        "city": city,
        "state": state,
        "plate_code": ANCHOR_CODES[country],
        "special_bilateral": bilateral,
    }


def demo_missions() -> list[dict[str, Any]]:
    un_mission = "Permanent Mission of Norway to the United Nations"
    return [
        _mission(_EMBASSY, "Embassy of Norway", "Norway", MissionKind.EMBASSY, "Washington", "DC"),
        _mission(_UN, un_mission, "Norway", MissionKind.IO_MISSION, "New York", "NY"),
        _mission(_CONSULATE, "Consulate General of Brazil in Chicago", "Brazil", MissionKind.CONSULATE, "Chicago",
                 "IL"),
        _mission(_BILATERAL, "Consulate General of Hungary in New York", "Hungary", MissionKind.CONSULATE, "New York",
                 "NY", bilateral=True),
        _mission(_TECRO, TECRO_NAME, TAIWAN, MissionKind.TECRO, "Washington", "DC"),
    ]  # fmt: skip


def demo_persons(today: date, updated_at: datetime) -> list[dict[str, Any]]:
    """The eleven guaranteed persons; principals come before their families."""

    def person(
        id: str,
        mission_id: str,
        full_name: str,
        category: Category,
        title: str | None,
        born: date,
        nationality: str,
        relationship: Relationship = Relationship.PRINCIPAL,
        principal_id: str | None = None,
        us_national: bool = False,
        status: PersonStatus = PersonStatus.ACTIVE,
        accredited_until: date | None = None,
    ) -> dict[str, Any]:
        return {
            "id": id,
            "mission_id": mission_id,
            "full_name": full_name,
            "photo_file": None,
            "date_of_birth": born,
            "nationality": nationality,
            "category": category,
            "title": title,
            "relationship": relationship,
            "principal_id": principal_id,
            "us_national_or_lpr": us_national,
            "status": status,
            "accredited_from": today - timedelta(days=800),
            "accredited_until": accredited_until,
            "updated_at": updated_at,
        }

    dip, spouse, consul = "DEMO-DIPLOMAT", Relationship.SPOUSE, "DEMO-CONSUL"
    return [
        person(
            dip, _EMBASSY, "Oskaro Demo-Valdrenn", Category.DIPLOMATIC_AGENT, "Counselor", date(1979, 4, 12), "Norway",
        ),
        person(
            "DEMO-US-SPOUSE", _EMBASSY, "Marisel Demo-Valdrenn", Category.DIPLOMATIC_AGENT, None, date(1981, 9, 3),
            US_NATIONALITY, spouse, dip, us_national=True,
        ),
        person(
            "DEMO-SERVICE", _EMBASSY, "Tavilo Demo-Brenskar", Category.SERVICE_STAFF, "Driver", date(1986, 1, 20),
            "Norway",
        ),
        person(
            "DEMO-REVOKED", _EMBASSY, "Idrana Demo-Kortash", Category.ADMIN_TECHNICAL_STAFF, "Secretary",
            date(1990, 6, 8), "Norway",
        ),
        person(
            "DEMO-DEPARTED", _EMBASSY, "Benlu Demo-Ostmir", Category.DIPLOMATIC_AGENT, "First Secretary",
            date(1975, 11, 30), "Norway", status=PersonStatus.DEPARTED, accredited_until=today - timedelta(days=60),
        ),
        person(
            "DEMO-EXPIRED", _EMBASSY, "Sanevi Demo-Lothar", Category.ADMIN_TECHNICAL_STAFF, "IT Specialist",
            date(1988, 2, 14), "Norway",
        ),
        person(
            consul, _CONSULATE, "Raldo Demo-Quintaro", Category.CAREER_CONSULAR_OFFICER, "Consul", date(1972, 7, 1),
            "Brazil",
        ),
        person(
            "DEMO-CONSUL-SPOUSE", _CONSULATE, "Elinea Demo-Quintaro", Category.CAREER_CONSULAR_OFFICER, None,
            date(1974, 3, 22), "Brazil", spouse, consul,
        ),
        person(
            "DEMO-BILATERAL", _BILATERAL, "Kazmer Demo-Fenholt", Category.CONSULAR_EMPLOYEE, "Consular Assistant",
            date(1984, 10, 5), "Hungary",
        ),
        person(
            "DEMO-TECRO", _TECRO, "Lianto Demo-Ashvel", Category.TECRO_DESIGNATED, "Economic Officer",
            date(1980, 5, 17), TAIWAN,
        ),
        person(
            "DEMO-UN-DIPLOMAT", _UN, "Fenna Demo-Skarvold", Category.IO_MISSION_DIPLOMATIC, "Counsellor",
            date(1977, 12, 9), "Norway",
        ),
    ]  # fmt: skip


def demo_cards(today: date) -> list[dict[str, Any]]:
    issued, expires = today - timedelta(days=400), today + timedelta(days=700)

    def card(
        number: str,
        person_id: str,
        card_type: CardType,
        issuer: CardIssuer = CardIssuer.PROTOCOL,
        status: CardStatus = CardStatus.VALID,
        expires_on: date = expires,
    ) -> dict[str, Any]:
        return {
            "card_number": number,
            "person_id": person_id,
            "card_type": card_type,
            "issuer": issuer,
            "issued_on": min(issued, expires_on - timedelta(days=1)),
            "expires_on": expires_on,
            "status": status,
            "min_valid_iat": None,
        }

    blue, green, red = CardType.DIPLOMATIC, CardType.OFFICIAL, CardType.CONSULAR
    return [
        card(DEMO_CASES["diplomat"], "DEMO-DIPLOMAT", blue),
        card(DEMO_CASES["us_national_spouse"], "DEMO-US-SPOUSE", blue),
        card(DEMO_CASES["service_staff"], "DEMO-SERVICE", green),
        card(DEMO_CASES["revoked_card"], "DEMO-REVOKED", green, status=CardStatus.REVOKED),
        card(DEMO_CASES["departed_person"], "DEMO-DEPARTED", blue),
        card(DEMO_CASES["expired_card"], "DEMO-EXPIRED", green, expires_on=today - timedelta(days=30)),
        card(DEMO_CASES["consular_officer"], "DEMO-CONSUL", red),
        card(DEMO_CASES["consular_family"], "DEMO-CONSUL-SPOUSE", red),
        card(DEMO_CASES["special_bilateral_employee"], "DEMO-BILATERAL", red),
        card(DEMO_CASES["tecro_employee"], "DEMO-TECRO", green, CardIssuer.AIT),
        card(DEMO_CASES["un_diplomat"], "DEMO-UN-DIPLOMAT", blue, CardIssuer.USUN),
    ]


def demo_vehicles(today: date) -> list[dict[str, Any]]:
    def vehicle(
        plate: str, mission_id: str, person_id: str | None, make: str, model: str, colour: str
    ) -> dict[str, Any]:
        return {
            "plate": plate,
            "mission_id": mission_id,
            "person_id": person_id,
            "make": make,
            "model": model,
            "colour": colour,
            "year": today.year - 3,
            "registration_expires": today + timedelta(days=200),
            "status": VehicleStatus.ACTIVE,
        }

    return [
        vehicle(DEMO_CASES["diplomat_car"], _EMBASSY, "DEMO-DIPLOMAT", "Volvo", "XC90", "Dark Blue"),
        vehicle(DEMO_CASES["un_diplomat_car"], _UN, "DEMO-UN-DIPLOMAT", "Toyota", "RAV4", "Silver"),
        vehicle(DEMO_CASES["official_car"], _EMBASSY, None, "Chevrolet", "Suburban", "Black"),
    ]


def demo_driving_points(today: date, recorded_at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "person_id": person_id,
            "violation_on": today - timedelta(days=days),
            "points": points,
            "reference": reference,
            "recorded_at": recorded_at,
            "recorded_by": "demo seed",
        }
        for person_id, violations in DEMO_DRIVING.items()
        for days, points, reference in violations
    ]
