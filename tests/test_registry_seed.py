"""`flask registry seed-demo`: a realistic, deterministic, clearly fictitious demo registry."""

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import plates
from app.extensions import db
from app.immunity import (
    CardIssuer,
    CardStatus,
    CardType,
    Category,
    MissionKind,
    PersonFacts,
    PersonStatus,
    Relationship,
    VehicleStatus,
    decide,
    status_problems,
)
from app.models import Card, Mission, Person, RegistryLoad, Vehicle
from app.models.base import utcnow
from app.registry import seed
from app.registry.counts import LoadCounts
from app.registry.demo import generator as demo_generator
from app.registry.demo.vocabulary import ISO_3166_ALPHA2

TODAY = date(2026, 11, 23)

ALLOWED = {
    MissionKind.EMBASSY: {
        Category.DIPLOMATIC_AGENT,
        Category.ADMIN_TECHNICAL_STAFF,
        Category.SERVICE_STAFF,
        Category.NONE,
    },
    MissionKind.CONSULATE: {
        Category.CAREER_CONSULAR_OFFICER,
        Category.CONSULAR_EMPLOYEE,
        Category.CONSULAR_SERVICE_STAFF,
        Category.HONORARY_CONSULAR_OFFICER,
    },
    MissionKind.IO_MISSION: {Category.IO_MISSION_DIPLOMATIC, Category.IO_MISSION_SUPPORT_STAFF, Category.NONE},
    MissionKind.INTERNATIONAL_ORG: {Category.IO_STAFF, Category.IO_SENIOR_OFFICIAL},
    MissionKind.TECRO: {Category.TECRO_DESIGNATED},
    MissionKind.TECO: {Category.TECO_HEAD, Category.TECO_DESIGNATED},
}
BLUE = {Category.DIPLOMATIC_AGENT, Category.IO_MISSION_DIPLOMATIC, Category.IO_SENIOR_OFFICIAL}
GREEN = {
    Category.ADMIN_TECHNICAL_STAFF,
    Category.SERVICE_STAFF,
    Category.IO_MISSION_SUPPORT_STAFF,
    Category.IO_STAFF,
    Category.TECRO_DESIGNATED,
}
LETTERS = {
    "D": {Category.DIPLOMATIC_AGENT, Category.IO_MISSION_DIPLOMATIC},
    "S": {
        Category.ADMIN_TECHNICAL_STAFF,
        Category.SERVICE_STAFF,
        Category.IO_MISSION_SUPPORT_STAFF,
        Category.TECRO_DESIGNATED,
    },
    "C": ALLOWED[MissionKind.CONSULATE] | ALLOWED[MissionKind.TECO],
    "A": {Category.IO_STAFF, Category.IO_SENIOR_OFFICIAL},
}


def seeded(persons: int = 300, seed_value: int = 1) -> LoadCounts:
    return seed.seed_demo(persons=persons, seed=seed_value, today=TODAY)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def digest() -> str:
    """A fingerprint of every registry row, leaving out surrogate ids and load timestamps."""
    queries = (
        select(*[c for c in Mission.__table__.c]).order_by(Mission.id),
        select(*[c for c in Person.__table__.c if c.name != "updated_at"]).order_by(Person.id),
        select(*[c for c in Card.__table__.c if c.name != "id"]).order_by(Card.card_number),
        select(*[c for c in Vehicle.__table__.c if c.name != "id"]).order_by(Vehicle.plate),
    )
    hashed = hashlib.sha256()
    for query in queries:
        for row in db.session.execute(query):
            hashed.update(repr(tuple(row)).encode())
    return hashed.hexdigest()


def test_seed_has_the_asked_persons_and_scales_missions_and_vehicles(app: Flask) -> None:
    with app.app_context():
        counts = seeded(300)
        assert counts == LoadCounts(count(Mission), count(Person), count(Card), count(Vehicle))
        assert (counts.persons, counts.missions, counts.vehicles) == (300, 9, 65)
        assert 0.6 * counts.persons < counts.cards < 1.1 * counts.persons


def test_seed_records_a_registry_load_with_its_counts(app: Flask) -> None:
    with app.app_context():
        counts = seeded(300, seed_value=7)
        load = db.session.scalars(select(RegistryLoad)).one()
        assert load.source == "demo seed 7"
        assert (load.missions, load.persons, load.cards, load.vehicles) == (
            counts.missions,
            counts.persons,
            counts.cards,
            counts.vehicles,
        )


def test_a_tiny_seed_still_has_a_few_missions_of_several_kinds(app: Flask) -> None:
    with app.app_context():
        counts = seeded(50)
        kinds = set(db.session.scalars(select(Mission.kind)))
        assert counts.persons == 50
        assert 5 <= counts.missions <= 10
        assert {MissionKind.EMBASSY, MissionKind.CONSULATE, MissionKind.IO_MISSION, MissionKind.TECRO} <= kinds


def test_a_seed_smaller_than_the_demo_cases_holds_just_the_demo_cases(app: Flask) -> None:
    with app.app_context():
        counts = seeded(1)
        ids = set(db.session.scalars(select(Person.id)))
        assert counts.persons == 11
        assert all(i.startswith("DEMO-") for i in ids)


def test_default_scale_matches_ofm_figures() -> None:
    rows = demo_generator.generate(seed.DEFAULT_PERSONS, seed.DEFAULT_SEED, TODAY, utcnow())
    assert (len(rows.missions), len(rows.persons), len(rows.vehicles)) == (1_700, 55_000, 12_000)
    kinds = Counter(m["kind"] for m in rows.missions)
    assert kinds[MissionKind.TECRO] == 1
    assert kinds[MissionKind.TECO] >= 10
    assert 150 <= kinds[MissionKind.EMBASSY] <= 195
    bilateral = sum(m["special_bilateral"] for m in rows.missions)
    assert 0.02 * 1_700 <= bilateral <= 0.04 * 1_700


@pytest.mark.parametrize("seed_value", [seed.DEFAULT_SEED, 1, 7])
def test_only_the_bilateral_demo_country_of_the_demo_missions_is_flagged_special_bilateral(seed_value: int) -> None:
    rows = demo_generator.generate(seed.DEFAULT_PERSONS, seed_value, TODAY, utcnow())
    flagged = {m["country"] for m in rows.missions if m["special_bilateral"]}
    assert "Hungary" in flagged
    assert not flagged & {"Norway", "Brazil"}, "the demo journeys' documented verdicts would change"


def test_every_person_has_a_category_that_fits_the_mission_kind(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        pairs = db.session.execute(select(Mission.kind, Person.category).join(Person.mission).distinct()).all()
        assert pairs
        for kind, category in pairs:
            assert category in ALLOWED[kind], (kind, category)


def test_family_members_belong_to_a_principal_of_the_same_mission(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        family = db.session.scalars(select(Person).where(Person.relationship != Relationship.PRINCIPAL)).all()
        assert {p.relationship for p in family} == {Relationship.SPOUSE, Relationship.CHILD, Relationship.OTHER_FAMILY}
        for person in family:
            assert person.principal is not None
            assert person.principal.relationship is Relationship.PRINCIPAL
            assert person.principal.mission_id == person.mission_id
            assert person.category is person.principal.category
        principals = db.session.scalars(select(Person).where(Person.relationship == Relationship.PRINCIPAL)).all()
        assert all(p.principal_id is None for p in principals)


def test_children_are_under_21_or_students_under_23(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        births = db.session.scalars(select(Person.date_of_birth).where(Person.relationship == Relationship.CHILD)).all()
        assert births
        assert min(births) > TODAY - timedelta(days=23 * 365)


def test_card_colours_and_issuers_match_the_holders_category(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        columns = (Card.card_type, Card.issuer, Person.category, Mission.kind)
        query = select(*columns).join(Card.person).join(Person.mission)
        cards = db.session.execute(query).all()
        assert {c.card_type for c in cards} == set(CardType)
        for card_type, issuer, category, kind in cards:
            if category in BLUE:
                assert card_type is CardType.DIPLOMATIC, category
            elif category in GREEN:
                assert card_type is CardType.OFFICIAL, category
            else:
                assert card_type is CardType.CONSULAR, category
            if kind in (MissionKind.TECRO, MissionKind.TECO):
                assert issuer is CardIssuer.AIT
            elif kind is MissionKind.IO_MISSION:
                assert issuer is CardIssuer.USUN
            elif kind in (MissionKind.EMBASSY, MissionKind.CONSULATE):
                assert issuer is CardIssuer.PROTOCOL


def test_nobody_without_a_card_entitlement_gets_a_card(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        holders = select(Card.person_id)
        query = select(Person).where(Person.id.in_(holders))
        for person in db.session.scalars(query):
            assert person.category is not Category.NONE
            if person.relationship is not Relationship.PRINCIPAL:
                # Dependants of UN-mission support staff get no DoS card (facts §2.1).
                assert person.category is not Category.IO_MISSION_SUPPORT_STAFF
            if person.relationship is Relationship.CHILD:
                assert person.date_of_birth <= TODAY - timedelta(days=16 * 365)


def test_card_numbers_are_two_letters_and_six_digits(app: Flask) -> None:
    with app.app_context():
        seeded(300)
        numbers = db.session.scalars(select(Card.card_number)).all()
        assert all(len(n) == 8 and n[:2].isalpha() and n[:2].isupper() and n[2:].isdigit() for n in numbers)


def test_every_plate_is_canonical_and_decodes_to_its_mission_and_holder(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        vehicles = db.session.scalars(select(Vehicle)).all()
        layouts = Counter()
        for vehicle in vehicles:
            assert plates.normalise(vehicle.plate) == vehicle.plate
            hint = plates.decode(vehicle.plate)
            assert hint is not None, vehicle.plate
            layouts[hint.layout] += 1
            assert hint.code == vehicle.mission.plate_code
            assert (hint.layout == "new_york") == (vehicle.mission.city == "New York")
            if vehicle.person is not None:
                assert vehicle.person.mission_id == vehicle.mission_id
                assert vehicle.person.category in LETTERS[hint.status_letter], (vehicle.plate, vehicle.person.category)
        assert set(layouts) == {"washington", "new_york"}
        official = sum(v.person_id is None for v in vehicles)
        assert 0.05 * len(vehicles) < official < 0.2 * len(vehicles)


def test_plate_codes_are_one_per_country_and_never_an_iso_code(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        codes = defaultdict(set)
        for country, code in db.session.execute(select(Mission.country, Mission.plate_code)):
            if code is not None:
                codes[code].add(country)
        assert codes
        assert all(len(countries) == 1 for countries in codes.values())
        assert not set(codes) & ISO_3166_ALPHA2
        assert db.session.scalar(select(func.count()).where(Mission.plate_code.is_(None))) > 0


def test_names_are_clearly_fictitious(app: Flask) -> None:
    with app.app_context():
        seeded(300)
        names = db.session.scalars(select(Person.full_name)).all()
        assert all(" Demo-" in name for name in names)


def test_registry_has_the_problem_records_officers_meet(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        persons = Counter(db.session.scalars(select(Person.status)))
        cards = Counter(db.session.scalars(select(Card.status)))
        vehicles = Counter(db.session.scalars(select(Vehicle.status)))
        assert persons[PersonStatus.DEPARTED] and persons[PersonStatus.ACTIVE] > 0.9 * persons.total()
        assert cards[CardStatus.REVOKED] and cards[CardStatus.LOST]
        assert db.session.scalar(select(func.count()).where(Card.expires_on < TODAY)) > 0
        assert db.session.scalar(select(func.count()).where(Person.accredited_until < TODAY)) > 0
        assert vehicles[VehicleStatus.EXPIRED] and vehicles[VehicleStatus.RECALLED]
        assert db.session.scalar(select(func.count()).where(Mission.special_bilateral)) > 0
        assert db.session.scalar(select(func.count()).where(Person.us_national_or_lpr)) > 0


def test_same_seed_gives_identical_rows(app: Flask) -> None:
    with app.app_context():
        seeded(300, seed_value=5)
        first = digest()
        seeded(300, seed_value=5)
        assert digest() == first


def test_another_seed_gives_other_rows(app: Flask) -> None:
    with app.app_context():
        seeded(300, seed_value=5)
        first = digest()
        seeded(300, seed_value=6)
        assert digest() != first


def test_seeding_replaces_what_was_there(app: Flask) -> None:
    with app.app_context():
        seeded(2_000)
        counts = seeded(50)
        assert (count(Mission), count(Person), count(Card), count(Vehicle)) == (
            counts.missions,
            counts.persons,
            counts.cards,
            counts.vehicles,
        )


def test_a_failed_seed_leaves_the_registry_as_it_was(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        seeded(300)
        before = digest()
        real = seed.generate

        def broken(*args: object) -> demo_generator.Rows:
            rows = real(*args)
            rows.cards.append(dict(rows.cards[0]))  # a duplicate card number
            return rows

        monkeypatch.setattr(seed, "generate", broken)
        with pytest.raises(IntegrityError):
            seeded(50)
        assert digest() == before
        assert count(RegistryLoad) == 1


def _verdict_level(person: Person, card: Card | None) -> str:
    problems = status_problems(
        person.status,
        person.accredited_until,
        card.status if card else None,
        card.expires_on if card else None,
        TODAY,
    )
    facts = PersonFacts(
        category=person.category,
        relationship=person.relationship,
        sponsor_category=person.principal.category if person.principal else None,
        us_national_or_lpr=person.us_national_or_lpr,
        special_bilateral=person.mission.special_bilateral,
        mission_kind=person.mission.kind,
        nationality=person.nationality,
        problems=problems,
    )
    return decide(facts).level


@pytest.mark.parametrize("name", sorted(seed.DEMO_CASES))
def test_each_demo_case_resolves_with_its_documented_verdict(app: Flask, name: str) -> None:
    with app.app_context():
        seeded(300, seed_value=3)
        key = seed.DEMO_CASES[name]
        expected = seed.DEMO_LEVELS[name]
        card = db.session.scalar(select(Card).where(Card.card_number == key))
        vehicle = db.session.scalar(select(Vehicle).where(Vehicle.plate == key))
        assert (card is None) != (vehicle is None), "a demo case is exactly one card or one plate"
        if vehicle is not None:
            assert plates.normalise(key) == key and plates.decode(key) is not None
            if expected is None:
                assert vehicle.person is None
                return
            person, card = vehicle.person, vehicle.person.cards[0]
        else:
            person = card.person
        assert _verdict_level(person, card) == expected


def test_demo_un_diplomat_car_has_a_new_york_plate(app: Flask) -> None:
    with app.app_context():
        seeded(300)
        hint = plates.decode(seed.DEMO_CASES["un_diplomat_car"])
        assert hint is not None and hint.layout == "new_york" and hint.status_letter == "D"


def test_cli_seeds_the_demo_registry(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["registry", "seed-demo", "--persons", "300", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "seeded 9 missions, 300 persons" in result.output
    with app.app_context():
        assert count(Person) == 300


def test_cli_if_empty_seeds_an_empty_registry(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["registry", "seed-demo", "--persons", "100", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "seeded" in result.output
    with app.app_context():
        assert count(Person) == 100


def test_cli_if_empty_leaves_a_loaded_registry_alone(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        seeded(300)
        before = digest()
    result = runner.invoke(args=["registry", "seed-demo", "--persons", "100", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "registry already loaded; demo data not seeded" in result.output
    with app.app_context():
        assert digest() == before
        assert not seed.registry_is_empty()


def test_cli_refuses_zero_persons(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["registry", "seed-demo", "--persons", "0"])
    assert result.exit_code != 0
    assert "--persons" in result.output


def test_the_cli_seed_gives_the_demo_journeys_synthetic_portraits(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["registry", "seed-demo", "--persons", "100", "--seed", "1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        pictured = db.session.scalars(select(Person).where(Person.photo_file.is_not(None)))
        with_photos = {person.id: person.photo_file for person in pictured}
    assert sorted(with_photos) == sorted(seed.DEMO_PORTRAITS)
    for name in with_photos.values():
        assert (Path(app.instance_path) / name).read_bytes().startswith(b"\x89PNG")
