"""Plain factory functions: registry rows added to db.session, and interchange folders written to disk."""

import csv
import hashlib
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from flask import current_app
from sqlalchemy import select

from app.api import tokens as api_tokens
from app.audit.actor import Actor
from app.auth.passwords import hash_password
from app.auth.roles import Role, mfa_required
from app.extensions import db
from app.immunity.codes import (
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    MissionKind,
    PersonStatus,
    Relationship,
    VehicleStatus,
)
from app.incident_codes import ActionTaken, EventKind, IncidentType, Status
from app.incidents import snapshot
from app.models import Agency, Card, Incident, IncidentAttachment, IncidentEvent, Mission, Person, User, Vehicle
from app.offices import Office
from app.registry.columns import CARDS, MISSIONS, PERSONS, VEHICLES
from app.registry.results import find_card, find_plate

_numbers = itertools.count(1)

# The first bytes are what the import checks; the rest only has to differ between two photos.
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# --- ORM rows, added to db.session (the caller commits) -------------------------------------


def make_mission(**overrides: Any) -> Mission:
    n = next(_numbers)
    values: dict[str, Any] = {
        "id": f"M{n:05d}",
        "name": f"Embassy of Testland {n}",
        "country": "Testland",
        "kind": MissionKind.EMBASSY,
        "city": "Washington",
        "state": "DC",
        "plate_code": None,
        "special_bilateral": False,
    }
    values.update(overrides)
    mission = Mission(**values)
    db.session.add(mission)
    return mission


def make_person(mission: Mission | None = None, **overrides: Any) -> Person:
    n = next(_numbers)
    values: dict[str, Any] = {
        "id": f"P{n:06d}",
        "mission": mission if mission is not None else make_mission(),
        "full_name": f"Test Person {n}",
        "category": Category.DIPLOMATIC_AGENT,
        "relationship": Relationship.PRINCIPAL,
        "status": PersonStatus.ACTIVE,
        "nationality": "Testland",
        "date_of_birth": date(1980, 1, 1),
        "accredited_from": date(2024, 1, 1),
        "accredited_until": None,
        "us_national_or_lpr": False,
    }
    values.update(overrides)
    person = Person(**values)
    db.session.add(person)
    return person


def make_card(person: Person | None = None, **overrides: Any) -> Card:
    n = next(_numbers)
    values: dict[str, Any] = {
        "card_number": f"C{n:07d}",
        "person": person if person is not None else make_person(),
        "card_type": CardType.DIPLOMATIC,
        "issuer": CardIssuer.PROTOCOL,
        "issued_on": date(2024, 1, 15),
        "expires_on": date(2029, 1, 15),
        "status": CardStatus.VALID,
    }
    values.update(overrides)
    card = Card(**values)
    db.session.add(card)
    return card


def make_vehicle(mission: Mission | None = None, person: Person | None = None, **overrides: Any) -> Vehicle:
    n = next(_numbers)
    values: dict[str, Any] = {
        "plate": f"DTL{n % 10000:04d}",
        "mission": mission if mission is not None else (person.mission if person is not None else make_mission()),
        "person": person,
        "make": "Toyota",
        "model": "Camry",
        "colour": "black",
        "year": 2022,
        "registration_expires": date(2027, 6, 30),
        "status": VehicleStatus.ACTIVE,
    }
    values.update(overrides)
    vehicle = Vehicle(**values)
    db.session.add(vehicle)
    return vehicle


# --- Interchange folders (SPEC §2), as plain CSV rows ---------------------------------------


def mission_row(**overrides: str) -> dict[str, str]:
    row = {
        "mission_id": "M1",
        "name": "Embassy of Testland",
        "country": "Testland",
        "kind": "embassy",
        "city": "Washington",
        "state": "DC",
        "plate_code": "TL",
        "special_bilateral": "false",
    }
    return {**row, **overrides}


def person_row(**overrides: str) -> dict[str, str]:
    row = {
        "person_id": "P1",
        "mission_id": "M1",
        "full_name": "Ana Testova",
        "category": "diplomatic_agent",
        "relationship": "principal",
        "principal_id": "",
        "date_of_birth": "1975-04-02",
        "nationality": "Testland",
        "title": "Counsellor",
        "us_national_or_lpr": "false",
        "status": "active",
        "accredited_from": "2023-09-01",
        "accredited_until": "",
        "photo_file": "",
    }
    return {**row, **overrides}


def card_row(**overrides: str) -> dict[str, str]:
    row = {
        "card_number": "DA100001",
        "person_id": "P1",
        "card_type": "diplomatic",
        "issuer": "protocol",
        "issued_on": "2023-09-15",
        "expires_on": "2028-09-15",
        "status": "valid",
    }
    return {**row, **overrides}


def vehicle_row(**overrides: str) -> dict[str, str]:
    row = {
        "plate": "DTL0001",
        "mission_id": "M1",
        "person_id": "P1",
        "make": "Toyota",
        "model": "Camry",
        "colour": "black",
        "year": "2022",
        "registration_expires": "2027-06-30",
        "status": "active",
    }
    return {**row, **overrides}


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Mapping[str, str]]) -> Path:
    """Write one CSV file with the given header; each row gives the values of those columns."""
    columns = list(header)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def write_registry_folder(
    folder: Path,
    missions: Iterable[Mapping[str, str]],
    persons: Iterable[Mapping[str, str]],
    cards: Iterable[Mapping[str, str]],
    vehicles: Iterable[Mapping[str, str]],
) -> Path:
    """Write the four files of an interchange folder with their standard headers."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec, rows in ((MISSIONS, missions), (PERSONS, persons), (CARDS, cards), (VEHICLES, vehicles)):
        write_csv(folder / spec.name, spec.header, rows)
    return folder


def small_registry_rows() -> dict[str, list[dict[str, str]]]:
    """A small, valid registry: two missions, a family and a consul, their cards and cars.

    Line numbers in the files are the list index + 2 (the header is line 1).
    """
    return {
        "missions": [
            mission_row(),
            mission_row(
                mission_id="M2",
                name="Consulate General of Exampleland",
                country="Exampleland",
                kind="consulate",
                city="New York",
                state="NY",
                plate_code="EX",
            ),
        ],
        "persons": [
            person_row(photo_file="photos/ana.jpg"),
            person_row(
                person_id="P2",
                full_name="Boris Testov",
                relationship="spouse",
                principal_id="P1",
                title="",
                date_of_birth="1977-11-30",
            ),
            person_row(
                person_id="P3",
                full_name="Clara Testova",
                relationship="child",
                principal_id="P1",
                title="",
                date_of_birth="2012-05-06",
            ),
            person_row(
                person_id="P4",
                mission_id="M2",
                full_name="Dario Exampli",
                category="career_consular_officer",
                nationality="Exampleland",
                title="Consul",
                accredited_until="2027-08-31",
            ),
        ],
        "cards": [
            card_row(),
            card_row(card_number="DA100002", person_id="P2"),
            card_row(card_number="CO200001", person_id="P4", card_type="consular"),
        ],
        "vehicles": [
            vehicle_row(),
            vehicle_row(plate="DTL0002", person_id="", make="Ford", model="Explorer", colour="white"),
            vehicle_row(plate="CEX0101", mission_id="M2", person_id="P4", make="Honda", model="Accord"),
        ],
    }


def write_small_registry(folder: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write `small_registry_rows()` (or the given rows) and the one photo it refers to."""
    rows = rows if rows is not None else small_registry_rows()
    write_registry_folder(folder, rows["missions"], rows["persons"], rows["cards"], rows["vehicles"])
    (folder / "photos").mkdir(exist_ok=True)
    (folder / "photos" / "ana.jpg").write_bytes(JPEG_BYTES)
    return folder


# --- Accounts (committed: a user must exist before a test client signs in) -----------------

# Meets the password rules (15+ characters, not a common password).
DEFAULT_PASSWORD = "lantern orbit cobalt meadow"


def make_user(
    role: str = "officer",
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    agency: str = "Test Police Department",
    totp: bool | None = None,
    **overrides: Any,
) -> User:
    """A committed user in an app context. `totp` None: a TOTP secret exactly when the role must use one.

    The user comes back loaded and detached from db.session, so later commits do not expire it and it stays
    readable after the app context ends; to change it, load it again with db.session.get(User, user.id).
    """
    n = next(_numbers)
    if totp is None:
        totp = mfa_required(role, current_app.config["MFA_REQUIRED_ROLES"])
    agency_row = db.session.scalars(select(Agency).where(Agency.name == agency)).one_or_none() or Agency(name=agency)
    values: dict[str, Any] = {
        "email": (email or f"{role}{n}@test.example.gov").lower(),
        "password_hash": hash_password(password),
        "role": Role(role),
        "agency": agency_row,
        "totp_secret": pyotp.random_base32() if totp else None,
        "recent_failures": [],
    }
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.commit()
    db.session.refresh(user)
    _ = user.agency.name
    _ = user.totp_secret  # deferred (read only where a code is checked): loaded now, for tests that make codes
    db.session.expunge(user)
    return user


# --- Stand-ins (no database row) ------------------------------------------------------------


@dataclass(frozen=True)
class StandInAgency:
    name: str


@dataclass(frozen=True)
class StandInUser:
    """Stands in for a signed-in account: what the audit actor reads, and what login_user needs."""

    id: int
    email: str
    role: str
    agency: StandInAgency
    is_authenticated: bool = True
    is_active: bool = True

    def get_id(self) -> str:
        return str(self.id)


def stand_in_user(user_id: int, email: str, role: str, agency: str) -> StandInUser:
    """A user object with no row behind it, for audit tests that only need who it is."""
    return StandInUser(user_id, email, role, StandInAgency(agency))


# --- Incidents (added to db.session and flushed; the caller commits) -------------------------------------------


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    media_type: str
    content: bytes


def make_incident(
    *,
    plate: str | None = None,
    card_number: str | None = None,
    filed_by: User | None = None,
    attachments: Iterable[AttachmentFile] = (),
    **overrides: Any,
) -> Incident:
    """An incident as the filing service would leave it: a FILED event at version 1 and a snapshot built with
    app.incidents.snapshot from a real lookup of `plate` or `card_number` (neither: filed without a lookup).

    References come from a range the filing service's counter will not reach in a test (INC-YYYY-9NNNNN).
    `filed_by` defaults to a new officer (make_user commits). Any column can be overridden.
    """
    now = datetime.now(UTC)
    officer = filed_by if filed_by is not None else make_user("officer")
    if plate is not None:
        shot = snapshot.of_lookup(find_plate(plate, now.date()), now)
    elif card_number is not None:
        shot = snapshot.of_lookup(find_card(card_number, now.date()), now)
    else:
        shot = snapshot.empty()
    person_id, mission_name, mission_country = snapshot.subject(shot)
    values: dict[str, Any] = {
        "reference": f"INC-{now.year}-{900000 + next(_numbers):06d}",
        "filed_at": now,
        "filed_by_id": officer.id,
        "agency_id": officer.agency_id,
        "office": Office.HEADQUARTERS,
        "incident_type": IncidentType.TRAFFIC,
        "occurred_at": now - timedelta(hours=2),
        "place": "Connecticut Ave NW & R St NW",
        "state": "DC",
        "narrative": "Ran a red light; stopped; showed a card. Released after DS confirmed status.",
        "actions_taken": [ActionTaken.CITATION_ISSUED.value, ActionTaken.RELEASED.value],
        "citation_number": "DC-2026-0001",
        "report_number": None,
        "ds_called": True,
        "ds_confirmed_by": "Watch officer Reyes",
        "ds_confirmed_at": now - timedelta(hours=1, minutes=50),
        "impairment_signs": None,
        "sobriety_tests": None,
        "snapshot": shot,
        "person_id": person_id,
        "mission_name": mission_name,
        "mission_country": mission_country,
        "lookup_event_id": None,
        "status": Status.SUBMITTED,
        "version": 1,
        "updated_at": now,
    }
    values.update(overrides)
    incident = Incident(**values)
    db.session.add(incident)
    db.session.flush()
    db.session.add(
        IncidentEvent(
            incident_id=incident.id,
            version=1,
            at=values["filed_at"],
            author_id=officer.id,
            author=officer.email,
            kind=EventKind.FILED,
            detail={},
        )
    )
    for position, file in enumerate(attachments, start=1):
        db.session.add(
            IncidentAttachment(
                incident_id=incident.id,
                position=position,
                filename=file.filename,
                media_type=file.media_type,
                size=len(file.content),
                sha256=hashlib.sha256(file.content).hexdigest(),
                content=file.content,
            )
        )
    db.session.flush()
    return incident


def make_api_token(user: User, *, days: int | None = None, name: str = "Test CAD") -> str:
    """A bearer token for this committed user (in an app context); returns the secret, as a client sends it."""
    return api_tokens.create_token(user.email, name=name, days=days, actor=Actor.cli()).secret
