"""What the registry says about a plate or a card: the results pages and JSON both read, and the finding.

`find_plate` and `find_card` query the registry and build results; they audit nothing and apply no page policy
(the officer page's kind detection, its card-number fallback and the audit event are app.lookup.services).
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import ARRAY, Row, Select, String, any_, bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from app import plates
from app.extensions import db
from app.immunity import (
    CardStatus,
    DrivingStatus,
    Level,
    PersonFacts,
    Relationship,
    Verdict,
    decide,
    status_problems,
)
from app.immunity.codes import CardIssuer, CardType, Category, MissionKind, PersonStatus
from app.models import Card, Mission, Person, RegistryLoad, Vehicle
from app.registry import driving
from app.registry.freshness import data_as_of

Kind = Literal["plate", "card"]
BORDER_COLOURS = {"diplomatic": "blue", "official": "green", "consular": "red"}
# A person id -> the address of their photo. The caller's to give: the page and the API serve photos at their own.
PhotoUrl = Callable[[str], str]


@dataclass(frozen=True)
class CardView:
    number: str
    card_type: str
    border_colour: str
    status: str
    expires_on: date
    issuer: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "type": self.card_type,
            "border_colour": self.border_colour,
            "status": self.status,
            "expires_on": self.expires_on.isoformat(),
            "issuer": self.issuer,
        }


@dataclass(frozen=True)
class PersonResult:
    """One person as an officer sees them: the record, the card, the verdict."""

    id: str
    full_name: str
    title: str | None
    photo_file: str | None
    date_of_birth: date | None
    nationality: str | None
    mission_name: str
    mission_country: str | None
    mission_city: str | None
    category: str
    relationship: str
    principal_name: str | None
    us_national_or_lpr: bool
    status: str
    card: CardView | None
    problems: tuple[str, ...]
    verdict: Verdict
    driving: DrivingStatus | None  # None: no points on the OFM driving record in the last two years

    @property
    def level(self) -> Level:
        return self.verdict.level

    def to_dict(self, photo_url: PhotoUrl | None = None) -> dict[str, Any]:
        """What the verdict screen shows of this person, as plain JSON values; no date of birth (not shown)."""
        verdict = self.verdict.to_dict()
        # Who to call and consular notification are about the person: they stand beside the verdict, not in it.
        contacts = verdict.pop("contacts")
        notification = verdict.pop("consular_notification")
        return {
            "id": self.id,
            "name": self.full_name,
            "title": self.title,
            "nationality": self.nationality,
            "mission": {"name": self.mission_name, "country": self.mission_country, "city": self.mission_city},
            "category": self.category,
            "relationship": self.relationship,
            "principal_name": self.principal_name,
            "us_national_or_lpr": self.us_national_or_lpr,
            "status": self.status,
            "card": self.card.to_dict() if self.card else None,
            "problems": list(self.problems),
            "verdict": verdict,
            "driving": _driving_dict(self.driving) if self.driving else None,
            "consular_notification": {"required": notification, "nationality": self.nationality},
            "contacts": contacts,
            "photo_url": photo_url(self.id) if photo_url and self.photo_file else None,
        }


@dataclass(frozen=True)
class VehicleView:
    plate: str
    make: str | None
    model: str | None
    colour: str | None
    year: int | None
    status: str
    registration_expires: date | None
    mission_name: str
    mission_country: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plate": self.plate,
            "make": self.make,
            "model": self.model,
            "colour": self.colour,
            "year": self.year,
            "status": self.status,
            "registration_expires": iso(self.registration_expires),
            "mission": {"name": self.mission_name, "country": self.mission_country},
        }


@dataclass(frozen=True)
class LookupResult:
    kind: Kind
    query: str
    vehicle: VehicleView | None
    persons: tuple[PersonResult, ...]
    hint: plates.PlateHint | None
    hint_mission: str | None
    suggestions: tuple[str, ...]
    data_as_of: datetime | None
    typed_as: Kind | None = None  # set when the input was chosen as the other kind and only this kind matched
    looked_up_at: datetime | None = None  # when its audited lookup happened (app.lookup.services), in UTC

    @property
    def found(self) -> bool:
        return self.vehicle is not None or bool(self.persons)

    def to_dict(self, photo_url: PhotoUrl | None = None) -> dict[str, Any]:
        """The lookup answer as plain JSON values: the normalised query, the plate hint, the vehicle, each person."""
        return {
            "query": {"kind": self.kind, "text": self.query},
            "typed_as": self.typed_as,
            "hint": {**asdict(self.hint), "mission": self.hint_mission} if self.hint else None,
            "suggestions": list(self.suggestions),
            "data_as_of": iso(self.data_as_of),
            "vehicle": self.vehicle.to_dict() if self.vehicle else None,
            "persons": [person.to_dict(photo_url) for person in self.persons],
        }


# The plate and card lookups' rows (find_plate, find_card): the ORM models' columns, read as plain values into
# the records below, which person_result reads exactly as it reads the models.
@dataclass(frozen=True)
class MissionRecord:
    name: str
    country: str | None
    city: str | None
    kind: MissionKind
    special_bilateral: bool


@dataclass(frozen=True)
class PrincipalRecord:
    full_name: str
    category: Category


@dataclass(frozen=True)
class PersonRecord:
    id: str
    full_name: str
    title: str | None
    photo_file: str | None
    date_of_birth: date | None
    nationality: str | None
    category: Category
    relationship: Relationship
    us_national_or_lpr: bool
    status: PersonStatus
    accredited_until: date | None
    mission: MissionRecord
    principal: PrincipalRecord | None


@dataclass(frozen=True)
class CardRecord:
    id: int
    card_number: str
    card_type: CardType
    issuer: CardIssuer
    issued_on: date
    expires_on: date
    status: CardStatus
    min_valid_iat: datetime | None  # prints issued before this are superseded (app.cards.services)


@dataclass(frozen=True)
class CardHolder:
    """A card, its holder and the registry's data-as-of time, as card_holder reads them in one statement."""

    card: CardRecord
    person: PersonRecord
    data_as_of: datetime | None


PersonLike = Person | PersonRecord
CardLike = Card | CardRecord


def find_plate(plate: str, today: date) -> LookupResult:
    """The vehicle with this canonical plate (app.plates.normalise) and its person, or the plate's hint and near
    matches on a miss. A plate only: a card number typed as a plate is not looked for here."""
    # One statement, plain rows (no ORM objects: this is every plate lookup's read, issue 14): the vehicle, its
    # mission, its person with their mission, principal and cards (a row per card), and the data-as-of time.
    rows = db.session.execute(_plate_statement(), {"plate": plate}).all()
    hint = plates.decode(plate)
    if not rows:
        return LookupResult(
            kind="plate",
            query=plate,
            vehicle=None,
            persons=(),
            hint=hint,
            hint_mission=_mission_for_code(hint.code) if hint else None,
            suggestions=tuple(plates.near_matches(plate, _existing_plates)),
            data_as_of=data_as_of(),
        )
    first = rows[0]
    person = _person_record(first)
    persons = ()
    if person is not None:
        cards = [_card_record(row) for row in rows if row.card_id is not None]
        persons = (person_result(person, _current_card(cards), today),)
    return LookupResult(
        kind="plate",
        query=plate,
        vehicle=VehicleView(
            plate=first.plate,
            make=first.make,
            model=first.model,
            colour=first.colour,
            year=first.year,
            status=str(first.vehicle_status),
            registration_expires=first.registration_expires,
            mission_name=first.vehicle_mission_name,
            mission_country=first.vehicle_mission_country,
        ),
        persons=persons,
        hint=hint,
        hint_mission=None,
        suggestions=(),
        data_as_of=first.data_as_of,
    )


def find_card(number: str, today: date) -> LookupResult:
    """The holder of the card with this number, as stored (app.cards.numbers.compact reads a typed one)."""
    holder = card_holder(number)
    return LookupResult(
        kind="card",
        query=number,
        vehicle=None,
        persons=(person_result(holder.person, holder.card, today),) if holder else (),
        hint=None,
        hint_mission=None,
        suggestions=(),
        data_as_of=holder.data_as_of if holder else data_as_of(),
    )


def card_holder(number: str) -> CardHolder | None:
    """The card with exactly this number and its holder, as plain records (as find_plate reads): one statement,
    for a card lookup and a QR check alike."""
    row = db.session.execute(_card_statement(), {"number": number}).one_or_none()
    person = _person_record(row) if row is not None else None
    if row is None or person is None:  # the holder is joined, never missing: a card always has one
        return None
    return CardHolder(card=_card_record(row), person=person, data_as_of=row.data_as_of)


def card_by_number(number: str) -> Card | None:
    """The card with exactly this number, its holder loaded for person_result."""
    return db.session.scalar(
        select(Card).where(Card.card_number == number).options(joinedload(Card.person).options(*_person_loads()))
    )


def person_result(
    person: PersonLike, card: CardLike | None, today: date, extra_problems: tuple[str, ...] = ()
) -> PersonResult:
    """The officer's view of one person with the given card; used by lookups and QR verification alike."""
    problems = (
        status_problems(
            person.status,
            person.accredited_until,
            card.status if card else None,
            card.expires_on if card else None,
            today,
        )
        + extra_problems
    )
    sponsor = person.principal if person.relationship is not Relationship.PRINCIPAL else None
    verdict = decide(
        PersonFacts(
            category=person.category,
            relationship=person.relationship,
            sponsor_category=sponsor.category if sponsor else None,
            us_national_or_lpr=person.us_national_or_lpr,
            special_bilateral=person.mission.special_bilateral,
            mission_kind=person.mission.kind,
            nationality=person.nationality,
            problems=problems,
        )
    )
    return PersonResult(
        id=person.id,
        full_name=person.full_name,
        title=person.title,
        photo_file=person.photo_file,
        date_of_birth=person.date_of_birth,
        nationality=person.nationality,
        mission_name=person.mission.name,
        mission_country=person.mission.country,
        mission_city=person.mission.city,
        category=str(person.category),
        relationship=str(person.relationship),
        principal_name=sponsor.full_name if sponsor else None,
        us_national_or_lpr=person.us_national_or_lpr,
        status=str(person.status),
        card=_card_view(card) if card else None,
        problems=problems,
        verdict=verdict,
        driving=driving.statuses([person.id], today).get(person.id),
    )


def _person_loads() -> tuple[object, ...]:
    """What person_result reads of a person, in the same statement: the mission and the principal."""
    return (joinedload(Person.mission), joinedload(Person.principal))


def _current_card(cards: Sequence[CardLike]) -> CardLike | None:
    """The card an officer would expect the person to carry: the newest valid one, else the newest."""
    newest_first = sorted(cards, key=lambda c: (c.issued_on, c.id), reverse=True)
    valid = [c for c in newest_first if c.status is CardStatus.VALID]
    return (valid or newest_first or [None])[0]


@cache
def _plate_statement() -> Select[Any]:
    """Built once: the same statement object every time, so SQLAlchemy neither rebuilds nor re-keys it."""
    person_mission, principal = aliased(Mission), aliased(Person)
    return (
        select(
            Vehicle.plate,
            Vehicle.make,
            Vehicle.model,
            Vehicle.colour,
            Vehicle.year,
            Vehicle.status.label("vehicle_status"),
            Vehicle.registration_expires,
            Mission.name.label("vehicle_mission_name"),
            Mission.country.label("vehicle_mission_country"),
            *_person_and_card_columns(person_mission, principal),
        )
        .select_from(Vehicle)
        .join(Mission, Vehicle.mission_id == Mission.id)
        .outerjoin(Person, Vehicle.person_id == Person.id)
        .outerjoin(person_mission, Person.mission_id == person_mission.id)
        .outerjoin(principal, Person.principal_id == principal.id)
        .outerjoin(Card, Card.person_id == Person.id)
        .where(Vehicle.plate == bindparam("plate"))
    )


@cache
def _card_statement() -> Select[Any]:
    """The card with a number, its holder, their mission and principal, and the data-as-of time: one statement."""
    person_mission, principal = aliased(Mission), aliased(Person)
    return (
        select(*_person_and_card_columns(person_mission, principal))
        .select_from(Card)
        .join(Person, Card.person_id == Person.id)
        .join(person_mission, Person.mission_id == person_mission.id)
        .outerjoin(principal, Person.principal_id == principal.id)
        .where(Card.card_number == bindparam("number"))
    )


def _person_and_card_columns(person_mission: type[Mission], principal: type[Person]) -> tuple[Any, ...]:
    """What _person_record and _card_record read of a row, and the data-as-of time."""
    return (
        Person.id.label("person_id"),
        Person.full_name,
        Person.title,
        Person.photo_file,
        Person.date_of_birth,
        Person.nationality,
        Person.category,
        Person.relationship,
        Person.us_national_or_lpr,
        Person.status.label("person_status"),
        Person.accredited_until,
        person_mission.name.label("mission_name"),
        person_mission.country.label("mission_country"),
        person_mission.city.label("mission_city"),
        person_mission.kind.label("mission_kind"),
        person_mission.special_bilateral,
        principal.full_name.label("principal_name"),
        principal.category.label("principal_category"),
        Card.id.label("card_id"),
        Card.card_number,
        Card.card_type,
        Card.issuer,
        Card.issued_on,
        Card.expires_on,
        Card.status.label("card_status"),
        Card.min_valid_iat,
        select(func.max(RegistryLoad.loaded_at)).scalar_subquery().label("data_as_of"),
    )


def _person_record(row: Row[Any]) -> PersonRecord | None:
    if row.person_id is None:
        return None
    principal = None
    if row.principal_name is not None:
        principal = PrincipalRecord(full_name=row.principal_name, category=row.principal_category)
    return PersonRecord(
        id=row.person_id,
        full_name=row.full_name,
        title=row.title,
        photo_file=row.photo_file,
        date_of_birth=row.date_of_birth,
        nationality=row.nationality,
        category=row.category,
        relationship=row.relationship,
        us_national_or_lpr=row.us_national_or_lpr,
        status=row.person_status,
        accredited_until=row.accredited_until,
        mission=MissionRecord(
            name=row.mission_name,
            country=row.mission_country,
            city=row.mission_city,
            kind=row.mission_kind,
            special_bilateral=row.special_bilateral,
        ),
        principal=principal,
    )


def _card_record(row: Row[Any]) -> CardRecord:
    return CardRecord(
        id=row.card_id,
        card_number=row.card_number,
        card_type=row.card_type,
        issuer=row.issuer,
        issued_on=row.issued_on,
        expires_on=row.expires_on,
        status=row.card_status,
        min_valid_iat=row.min_valid_iat,
    )


def _card_view(card: CardLike) -> CardView:
    return CardView(
        number=card.card_number,
        card_type=str(card.card_type),
        border_colour=BORDER_COLOURS[str(card.card_type)],
        status=str(card.status),
        expires_on=card.expires_on,
        issuer=str(card.issuer),
    )


def _existing_plates(candidates: list[str]) -> list[str]:
    """Which of the candidates (up to 500 near matches of a missed plate) are registered: one bound value.

    `IN (:p1, ..., :p500)` made SQLAlchemy render 500 placeholders on every miss (on PostgreSQL with a cast each):
    two fifths of a miss's time (issue 14). The list goes as one value instead: an array on PostgreSQL, JSON
    that SQLite's json_each unpacks.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    value = candidates if postgresql else json.dumps(candidates)
    return list(db.session.scalars(_existing_plates_statement(postgresql), {"candidates": value}))


@cache
def _existing_plates_statement(postgresql: bool) -> Select[tuple[str]]:
    if postgresql:
        return select(Vehicle.plate).where(Vehicle.plate == any_(bindparam("candidates", type_=ARRAY(String))))
    unpacked = func.json_each(bindparam("candidates", type_=String)).table_valued("value")
    return select(Vehicle.plate).where(Vehicle.plate.in_(select(unpacked.c.value)))


def _mission_for_code(code: str) -> str | None:
    """The mission OFM gave this plate code, as a hint only (codes are not published, facts §3)."""
    missions = db.session.scalars(select(Mission.name).where(Mission.plate_code == code).limit(2)).all()
    if not missions:
        return None
    return missions[0] if len(missions) == 1 else f"{missions[0]} (and others)"


def _driving_dict(status: DrivingStatus) -> dict[str, Any]:
    return {
        "status": str(status.level),
        "points": status.points,
        "since": status.since.isoformat(),
        "last_violation": status.last_violation.isoformat(),
    }


def iso(value: date | datetime | None) -> str | None:
    """A date or moment as JSON carries it: ISO 8601, a moment in UTC to the second with a Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()
