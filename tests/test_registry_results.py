"""The result layer: what find_plate and find_card return, and its JSON-ready form (to_dict)."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.immunity import CardStatus, Category, MissionKind, Relationship
from app.models import Card, Vehicle
from app.registry.freshness import data_as_of
from app.registry.results import LookupResult, VehicleView, find_card, find_plate, person_result
from app.registry.seed import seed_demo
from tests.factories import make_card, make_mission, make_person, make_vehicle

TODAY = date(2026, 11, 23)


@pytest.fixture
def registry(app: Flask) -> Iterator[None]:
    with app.app_context():
        embassy = make_mission(name="Embassy of Ruritania", country="Ruritania", city="Washington", plate_code="RZ")
        diplomat = make_person(embassy, id="P-DIP", full_name="Ada Demo-Kovar", photo_file="photos/P-DIP.jpg")
        make_card(diplomat, card_number="ZZ100001", expires_on=date(2029, 1, 15))
        make_vehicle(embassy, diplomat, plate="DRZ1204", make="Volvo", model="XC60", colour="grey", year=2023)
        consulate = make_mission(id="M-CON", kind=MissionKind.CONSULATE, name="Consulate of Ruritania")
        consul = make_person(consulate, id="P-CON", category=Category.CAREER_CONSULAR_OFFICER, nationality="China")
        make_card(consul, card_number="ZZ100002", status=CardStatus.REVOKED)
        db.session.commit()
        yield


def test_find_plate_does_not_read_a_card_number_typed_as_a_plate(registry: None) -> None:
    # The officer page falls back to the card (lookup.services); the API's /plates/ must not.
    result = find_plate("ZZ100001", TODAY)
    assert result.kind == "plate" and not result.found and result.typed_as is None
    assert find_card("ZZ100001", TODAY).persons[0].id == "P-DIP"


def test_find_card_does_not_read_a_plate_typed_as_a_card_number(registry: None) -> None:
    assert not find_card("DRZ1204", TODAY).found


def test_a_plate_hit_as_json_carries_the_vehicle_and_its_person(registry: None) -> None:
    answer = find_plate("DRZ1204", TODAY).to_dict()
    assert json.loads(json.dumps(answer)) == answer  # plain JSON values only
    assert answer["query"] == {"kind": "plate", "text": "DRZ1204"}
    assert answer["vehicle"] == {
        "plate": "DRZ1204",
        "make": "Volvo",
        "model": "XC60",
        "colour": "grey",
        "year": 2023,
        "status": "active",
        "registration_expires": "2027-06-30",
        "mission": {"name": "Embassy of Ruritania", "country": "Ruritania"},
    }
    (person,) = answer["persons"]
    assert person["id"] == "P-DIP" and person["name"] == "Ada Demo-Kovar"
    assert person["mission"] == {"name": "Embassy of Ruritania", "country": "Ruritania", "city": "Washington"}
    assert (person["category"], person["relationship"]) == ("diplomatic_agent", "principal")
    assert person["card"] == {
        "number": "ZZ100001",
        "type": "diplomatic",
        "border_colour": "blue",
        "status": "valid",
        "expires_on": "2029-01-15",
        "issuer": "protocol",
    }
    assert person["verdict"]["level"] == "full"
    assert person["verdict"]["answers"]["arrest_or_detention"] == "no"
    assert {"headline", "always_allowed", "reasons"} <= person["verdict"].keys()
    assert person["driving"] is None
    assert person["consular_notification"] == {"required": False, "nationality": "Testland"}
    assert person["contacts"][0]["number"] == "866-217-2089"
    assert person["photo_url"] is None  # no address unless the caller says where photos are served
    assert "date_of_birth" not in person


def test_a_card_hit_as_json_says_why_the_verdict_is_unverified(registry: None) -> None:
    (person,) = find_card("ZZ100002", TODAY).to_dict()["persons"]
    assert person["verdict"]["level"] == "unverified" and person["card"]["status"] == "revoked"
    assert person["problems"] and all(isinstance(problem, str) for problem in person["problems"])
    assert person["consular_notification"] == {"required": True, "nationality": "China"}


def test_the_photo_url_is_the_callers_and_only_for_a_person_with_a_photo(registry: None) -> None:
    answer = find_plate("DRZ1204", TODAY).to_dict(photo_url=lambda person_id: f"/photos/{person_id}")
    assert answer["persons"][0]["photo_url"] == "/photos/P-DIP"
    consul = find_card("ZZ100002", TODAY).to_dict(photo_url=lambda person_id: f"/photos/{person_id}")
    assert consul["persons"][0]["photo_url"] is None


def test_a_plate_miss_as_json_carries_the_hint_and_the_near_matches(registry: None) -> None:
    misheard = find_plate("DRZ12O4", TODAY).to_dict()
    assert misheard["vehicle"] is None and misheard["persons"] == []
    assert misheard["suggestions"] == ["DRZ1204"]
    hint = find_plate("DRZ1209", TODAY).to_dict()["hint"]
    assert hint["layout"] == "washington" and hint["status_letter"] == "D"
    assert hint["code"] == "RZ" and hint["mission"] == "Embassy of Ruritania"


def test_data_as_of_is_written_in_utc_with_a_z() -> None:
    result = LookupResult("card", "ZZ1", None, (), None, None, (), datetime(2026, 12, 1, 9, 0, 0, 1, tzinfo=UTC))
    assert result.to_dict()["data_as_of"] == "2026-12-01T09:00:00Z"
    assert result.to_dict()["hint"] is None


def _read_through_the_models(plate: str) -> LookupResult:
    """What find_plate said when it loaded ORM objects (before issue 14's plain-row read): the test's oracle."""
    vehicle = db.session.scalars(select(Vehicle).where(Vehicle.plate == plate)).one()
    persons = ()
    if vehicle.person is not None:
        cards = sorted(vehicle.person.cards, key=lambda c: (c.issued_on, c.id), reverse=True)
        card = ([c for c in cards if c.status is CardStatus.VALID] or cards or [None])[0]
        persons = (person_result(vehicle.person, card, TODAY),)
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
        hint=find_plate(plate, TODAY).hint,
        hint_mission=None,
        suggestions=(),
        data_as_of=data_as_of(),
    )


def test_the_plate_read_says_what_the_models_say_for_every_plate_of_a_demo_registry(app: Flask) -> None:
    """find_plate reads plain rows in one statement; every field of every result must be what the ORM models say,
    across the demo's cases (official cars without a person, dependents with principals, consular staff,
    expired and revoked cards, driving records), and for a person whose newest card is revoked."""
    with app.app_context():
        seed_demo(persons=400, seed=3, today=TODAY)
        holder = db.session.scalars(select(Vehicle).where(Vehicle.person_id.is_not(None))).first()
        assert holder is not None and holder.person is not None
        make_card(holder.person, card_number="ZZ900001", issued_on=date(2020, 1, 1), status=CardStatus.VALID)
        make_card(holder.person, card_number="ZZ900002", issued_on=date(2026, 1, 1), status=CardStatus.REVOKED)
        db.session.commit()
        plates = db.session.scalars(select(Vehicle.plate).order_by(Vehicle.plate)).all()
        results = {plate: find_plate(plate, TODAY) for plate in plates}
        db.session.expire_all()
        for plate in plates:
            assert results[plate] == _read_through_the_models(plate), plate
        persons = [p for r in results.values() for p in r.persons]
        assert any(not r.persons for r in results.values())  # an official car without a person
        assert any(p.relationship != str(Relationship.PRINCIPAL) and p.principal_name for p in persons)
        assert any(p.driving is not None for p in persons) and any(p.problems for p in persons)
        assert results[holder.plate].persons[0].card.number != "ZZ900002"  # the newest valid, not the revoked


def test_the_card_read_says_what_the_models_say_for_every_card_of_a_demo_registry(app: Flask) -> None:
    """find_card reads plain rows in one statement too: the same check against the ORM models, card by card."""
    with app.app_context():
        seed_demo(persons=400, seed=5, today=TODAY)
        numbers = db.session.scalars(select(Card.card_number).order_by(Card.card_number)).all()
        results = {number: find_card(number, TODAY) for number in numbers}
        db.session.expire_all()
        for number in numbers:
            card = db.session.scalars(select(Card).where(Card.card_number == number)).one()
            expected = LookupResult(
                kind="card",
                query=number,
                vehicle=None,
                persons=(person_result(card.person, card, TODAY),),
                hint=None,
                hint_mission=None,
                suggestions=(),
                data_as_of=data_as_of(),
            )
            assert results[number] == expected, number
        statuses = {r.persons[0].card.status for r in results.values() if r.persons[0].card}
        assert len(statuses) > 1 and any(r.persons[0].principal_name for r in results.values())
        assert not find_card("ZZ000000", TODAY).found
