"""Lookups: a plate or card number in, the registry's records and each person's verdict out."""

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import alphabets, plates
from app.audit import service as audit
from app.cards import numbers
from app.extensions import db
from app.home.services import data_as_of
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
from app.models import Card, Mission, Person, Vehicle
from app.models.audit import AuditEvent
from app.registry import driving

Kind = Literal["plate", "card"]
# The id a lookup page gives a result (secrets.token_urlsafe(9) in lookup.views).
RESULT_ID = re.compile(r"[A-Za-z0-9_-]{12}")
BORDER_COLOURS = {"diplomatic": "blue", "official": "green", "consular": "red"}


class LookupInputError(ValueError):
    """The query cannot be looked up as typed; the message says why, for the officer."""


@dataclass(frozen=True)
class CardView:
    number: str
    card_type: str
    border_colour: str
    status: str
    expires_on: date
    issuer: str


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

    @property
    def found(self) -> bool:
        return self.vehicle is not None or bool(self.persons)


def normalise(raw: str, kind: Kind | Literal["auto"]) -> tuple[Kind, str]:
    """Decide what was typed and put it in canonical form; LookupInputError if it cannot be looked up."""
    if letters := alphabets.foreign_letters(raw):
        # Greek Ζ or Cyrillic О look Latin in the field: say which they are, never read them as Latin (SPEC §4).
        raise LookupInputError(alphabets.retype_message(letters))
    if kind == "auto":
        kind = "card" if numbers.PRINTED.fullmatch(numbers.compact(raw)) else "plate"
    if kind == "plate":
        try:
            return "plate", plates.normalise(raw)
        except plates.PlateError as error:
            raise LookupInputError(str(error)) from None
    number = numbers.compact(raw)
    if not number:
        raise LookupInputError("Enter a card number")
    if not numbers.TYPED.fullmatch(number):
        raise LookupInputError("A card number has 4 to 20 letters and digits")
    return "card", number


def lookup(
    raw: str, kind: Kind | Literal["auto"] = "auto", today: date | None = None, rid: str | None = None
) -> LookupResult:
    """Look up a plate or card number, audit the lookup and return what the registry says.

    Invalid input is audited too (outcome `invalid`) and raised as LookupInputError. `rid` names the result
    on the lookup pages (/lookup/r/<rid>); the audit event keeps it so `earlier_lookup` can name it later.
    """
    today = today or date.today()
    try:
        kind, query = normalise(raw, kind)
    except LookupInputError:
        audit.record(f"lookup.{kind if kind != 'auto' else 'query'}", "invalid")
        db.session.commit()
        raise
    result = _find(kind, query, today)
    if not result.found and (other := _other_reading(raw, kind)) is not None:
        # "ZZ000001" typed under Plate is a card number; a miss there would be a false "no record".
        alternative = _find(*other, today)
        if alternative.found:
            result = replace(alternative, typed_as=kind)
    audit.record(
        f"lookup.{result.kind}",
        "hit" if result.found else "miss",
        query=result.query,
        record_ids=_record_ids(result),
        detail={**({"typed_as": kind} if result.typed_as else {}), **({"rid": rid} if rid else {})} or None,
    )
    db.session.commit()
    return result


def earlier_lookup(user_id: int, rid: str) -> tuple[Kind, str] | None:
    """The kind and query of this user's own lookup `rid` from the last 12 hours (the audit trail keeps it).

    For a result link that outlived its session: the page can say what it was for and offer it again.
    """
    if not RESULT_ID.fullmatch(rid):
        return None
    since = datetime.now(UTC) - timedelta(hours=12)
    event = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.user_id == user_id,
            AuditEvent.action.in_(("lookup.plate", "lookup.card")),
            AuditEvent.occurred_at >= since,
            AuditEvent.detail.contains(f'"rid":"{rid}"', autoescape=True),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None or event.query is None:
        return None
    return ("plate" if event.action == "lookup.plate" else "card"), event.query


def _find(kind: Kind, query: str, today: date) -> LookupResult:
    return _plate(query, today) if kind == "plate" else _card(query, today)


def _other_reading(raw: str, kind: Kind) -> tuple[Kind, str] | None:
    """The same input read as the other kind, when it has that kind's shape: a printed card number, or a plate."""
    if kind == "plate":
        number = numbers.compact(raw)
        return ("card", number) if numbers.PRINTED.fullmatch(number) else None
    try:
        return "plate", plates.normalise(raw)
    except plates.PlateError:
        return None


def _plate(plate: str, today: date) -> LookupResult:
    vehicle = db.session.scalar(
        select(Vehicle)
        .where(Vehicle.plate == plate)
        .options(joinedload(Vehicle.mission), joinedload(Vehicle.person).options(*_person_loads()))
    )
    hint = plates.decode(plate)
    if vehicle is None:
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
    persons = (person_result(vehicle.person, _current_card(vehicle.person), today),) if vehicle.person else ()
    return LookupResult(
        kind="plate",
        query=plate,
        vehicle=VehicleView(
            plate=vehicle.plate,
            make=vehicle.make,
            model=vehicle.model,
            colour=vehicle.colour,
            year=vehicle.year,
            status=str(vehicle.status),
            registration_expires=vehicle.registration_expires,
            mission_name=vehicle.mission.name,
            mission_country=vehicle.mission.country,
        ),
        persons=persons,
        hint=hint,
        hint_mission=None,
        suggestions=(),
        data_as_of=data_as_of(),
    )


def _card(number: str, today: date) -> LookupResult:
    card = db.session.scalar(
        select(Card).where(Card.card_number == number).options(joinedload(Card.person).options(*_person_loads()))
    )
    persons = (person_result(card.person, card, today),) if card else ()
    return LookupResult(
        kind="card",
        query=number,
        vehicle=None,
        persons=persons,
        hint=None,
        hint_mission=None,
        suggestions=(),
        data_as_of=data_as_of(),
    )


def person_result(person: Person, card: Card | None, today: date, extra_problems: tuple[str, ...] = ()) -> PersonResult:
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
    return (joinedload(Person.mission), joinedload(Person.principal), selectinload(Person.cards))


def _current_card(person: Person) -> Card | None:
    """The card an officer would expect the person to carry: the newest valid one, else the newest."""
    cards = sorted(person.cards, key=lambda c: (c.issued_on, c.id), reverse=True)
    valid = [c for c in cards if c.status is CardStatus.VALID]
    return (valid or cards or [None])[0]


def _card_view(card: Card) -> CardView:
    return CardView(
        number=card.card_number,
        card_type=str(card.card_type),
        border_colour=BORDER_COLOURS[str(card.card_type)],
        status=str(card.status),
        expires_on=card.expires_on,
        issuer=str(card.issuer),
    )


def _existing_plates(candidates: list[str]) -> list[str]:
    return list(db.session.scalars(select(Vehicle.plate).where(Vehicle.plate.in_(candidates))))


def _mission_for_code(code: str) -> str | None:
    """The mission OFM gave this plate code, as a hint only (codes are not published, facts §3)."""
    missions = db.session.scalars(select(Mission.name).where(Mission.plate_code == code).limit(2)).all()
    if not missions:
        return None
    return missions[0] if len(missions) == 1 else f"{missions[0]} (and others)"


def _record_ids(result: LookupResult) -> list[str]:
    ids = [f"vehicle:{result.vehicle.plate}"] if result.vehicle else []
    ids += [f"person:{p.id}" for p in result.persons]
    ids += [f"card:{p.card.number}" for p in result.persons if p.card]
    return ids


def photo_file(person_id: str) -> str | None:
    return db.session.scalar(select(Person.photo_file).where(Person.id == person_id))
