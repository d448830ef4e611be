"""Build the rows of a synthetic registry at OFM's proportions: pure Python, deterministic for a seed.

Only `random.Random(seed)` is used, sets are never iterated, and every date is relative to
`today`, so the same (persons, seed, today) always gives the same rows. People are fictitious
(every surname starts with "Demo-"); countries and organisations are real.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from app.immunity.codes import Category, MissionKind, PersonStatus, Relationship
from app.registry.demo import cases, missions
from app.registry.demo import vocabulary as words
from app.registry.demo.cards import CardMaker
from app.registry.demo.missions import Planned
from app.registry.demo.profile import (
    HEADS,
    MISSIONS_PER_PERSON,
    NO_FAMILY,
    PRINCIPAL_MIX,
    SENIOR,
    US_NATIONAL_SHARE,
    VEHICLES_PER_PERSON,
    YEAR,
)
from app.registry.demo.vehicles import VehicleMaker


@dataclass
class Rows:
    """Rows ready for `insert(Model)`, in an order the foreign keys accept."""

    missions: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)


def generate(persons: int, seed: int, today: date, updated_at: datetime) -> Rows:
    """A demo registry of max(persons, the demo cases' 11) persons, about persons/32 missions and 0.22 vehicles each."""
    rng = random.Random(seed)  # noqa: S311 -- demo data, never secrets
    return _Generator(rng, today, updated_at).build(persons)


class _Generator:
    def __init__(self, rng: random.Random, today: date, updated_at: datetime) -> None:
        self.rng = rng
        self.today = today
        self.updated_at = updated_at
        self.rows = Rows(
            persons=cases.demo_persons(today, updated_at),
            cards=cases.demo_cards(today),
            vehicles=cases.demo_vehicles(today),
        )
        self.cards = CardMaker(rng, today, (card["card_number"] for card in self.rows.cards))
        self.next_person = 0
        # A country's relative size shapes its missions' head counts and how many consulates it keeps.
        self.size = {country: rng.lognormvariate(0.0, 0.7) for country in words.COUNTRIES}
        self.country_weights = list(accumulate(self.size[c] for c in words.COUNTRIES))

    def build(self, persons: int) -> Rows:
        rows = self.rows
        demo_persons = len(rows.persons)
        codes = missions.plate_codes(self.rng)
        planned = missions.plan(self.rng, self.size, codes, round(persons * MISSIONS_PER_PERSON))
        rows.missions = [m.row for m in planned]
        for mission, staff in zip(planned, self._staff_counts(planned, max(0, persons - demo_persons)), strict=True):
            self._populate(mission, staff)
        vehicles = VehicleMaker(self.rng, self.today, (v["plate"] for v in rows.vehicles))
        wanted = max(0, round(persons * VEHICLES_PER_PERSON) - len(rows.vehicles))
        rows.vehicles += vehicles.fill(rows.missions, rows.persons[demo_persons:], wanted)
        return rows

    def _staff_counts(self, planned: list[Planned], total: int) -> list[int]:
        """Every mission gets one person if there are enough, the rest in proportion to its weight."""
        if total < len(planned):
            return [1 if i < total else 0 for i in range(len(planned))]
        return [1 + n for n in missions.apportion(total - len(planned), [m.weight for m in planned])]

    def _person_id(self) -> str:
        self.next_person += 1
        return f"P{self.next_person:07d}"

    def _populate(self, mission: Planned, budget: int) -> None:
        rng, role, row = self.rng, mission.role, mission.row
        mix = PRINCIPAL_MIX[role]
        categories, weights = [c for c, _ in mix], [w for _, w in mix]
        principals = 0
        while budget > 0:
            if principals == 0 and role in HEADS:
                category, title = HEADS[role], words.HEAD_TITLES[HEADS[role]]
            elif principals == 1 and role == "teco":
                category, title = Category.TECO_HEAD, "Deputy Director-General"
            elif principals == 0 and role == "organisation":
                category, title = Category.IO_SENIOR_OFFICIAL, rng.choice(words.TITLES[Category.IO_SENIOR_OFFICIAL])
            else:
                category = rng.choices(categories, weights)[0]
                title = rng.choice(words.TITLES[category])
            principal, surname = self._principal(row, category, title, head=principals == 0)
            principals += 1
            budget -= 1
            if category not in NO_FAMILY:
                budget = self._family(row, principal, surname, budget)

    def _nationality(self, row: dict[str, Any]) -> str:
        if row["kind"] is MissionKind.INTERNATIONAL_ORG:
            return self.rng.choices(words.COUNTRIES, cum_weights=self.country_weights)[0]
        return str(row["country"])

    def _name(self, surname: str | None = None) -> tuple[str, str]:
        rng = self.rng

        def word(syllables: Sequence[str], low: int, high: int) -> str:
            return "".join(rng.choice(syllables) for _ in range(rng.randint(low, high))).capitalize()

        surname = surname or words.SURNAME_MARKER + word(words.SURNAME_SYLLABLES, 2, 3)
        return f"{word(words.GIVEN_SYLLABLES, 2, 3)} {surname}", surname

    def _born(self, age: int) -> date:
        return self.today - timedelta(days=age * YEAR + self.rng.randint(0, YEAR - 1))

    def _principal(self, row: dict[str, Any], category: Category, title: str, head: bool) -> tuple[dict[str, Any], str]:
        rng, today = self.rng, self.today
        nationality = self._nationality(row)
        us_national = rng.random() < US_NATIONAL_SHARE.get(category, 0.0)
        if us_national and rng.random() < 0.5:
            nationality = words.US_NATIONALITY  # the others are permanent residents keeping their nationality
        roll = rng.random()
        status = PersonStatus.ACTIVE
        start = today - timedelta(days=rng.randint(20, 6 * YEAR))
        until: date | None = None
        if roll < 0.025:
            status = PersonStatus.DEPARTED
        elif roll < 0.03:
            status = PersonStatus.TERMINATED
        if status is not PersonStatus.ACTIVE:
            until = today - timedelta(days=rng.randint(1, 500))
            start = until - timedelta(days=rng.randint(180, 5 * YEAR))
        elif roll < 0.04:  # accreditation ended but the person is still listed as active
            until = today - timedelta(days=rng.randint(1, 120))
            start = until - timedelta(days=rng.randint(180, 5 * YEAR))
        elif roll < 0.18:  # a fixed term
            until = today + timedelta(days=rng.randint(30, 3 * YEAR))
        name, surname = self._name()
        person = self._person_row(
            row, name, category, title, Relationship.PRINCIPAL, None, nationality, us_national, status, start, until,
            self._born(rng.randint(45, 66) if head else rng.randint(24, 64)),
        )  # fmt: skip
        return person, surname

    def _family(self, row: dict[str, Any], principal: dict[str, Any], family_name: str, budget: int) -> int:
        rng = self.rng
        category = principal["category"]
        married = rng.random() < (0.62 if category in SENIOR else 0.45)
        children = rng.choices((0, 1, 2, 3, 4), (30, 25, 28, 12, 5) if married else (80, 12, 6, 2, 0))[0]
        members = [Relationship.SPOUSE] * married + [Relationship.CHILD] * children
        if rng.random() < 0.01:
            members.append(Relationship.OTHER_FAMILY)
        principal_age = (self.today - principal["date_of_birth"]).days // YEAR
        for relationship in members[:budget]:
            nationality, us_national = principal["nationality"], False
            if relationship is Relationship.SPOUSE:
                age = max(21, principal_age + rng.randint(-6, 6))
                roll = rng.random()
                if roll < 0.04:
                    nationality, us_national = words.US_NATIONALITY, True
                elif roll < 0.14:
                    nationality = rng.choice(words.COUNTRIES)
                surname = family_name if rng.random() < 0.8 else None
            elif relationship is Relationship.CHILD:
                # Children under 21, or to 23 in higher education (facts §1.1).
                age = rng.randint(0, max(0, min(22, principal_age - 22)))
                surname = family_name
            else:
                age = principal_age + rng.randint(20, 30)
                surname = family_name
            name, _ = self._name(surname)
            joined = principal["accredited_from"] + timedelta(days=rng.randint(0, 120))
            joined = min(joined, principal["accredited_until"] or self.today, self.today)
            self._person_row(
                row, name, category, None, relationship, principal["id"], nationality, us_national,
                principal["status"], joined, principal["accredited_until"], self._born(age),
            )  # fmt: skip
        return budget - len(members[:budget])

    def _person_row(
        self,
        row: dict[str, Any],
        name: str,
        category: Category,
        title: str | None,
        relationship: Relationship,
        principal_id: str | None,
        nationality: str,
        us_national: bool,
        status: PersonStatus,
        start: date,
        until: date | None,
        born: date,
    ) -> dict[str, Any]:
        person = {
            "id": self._person_id(),
            "mission_id": row["id"],
            "full_name": name,
            "photo_file": None,
            "date_of_birth": born,
            "nationality": nationality,
            "category": category,
            "title": title,
            "relationship": relationship,
            "principal_id": principal_id,
            "us_national_or_lpr": us_national,
            "status": status,
            "accredited_from": start,
            "accredited_until": until,
            "updated_at": self.updated_at,
        }
        self.rows.persons.append(person)
        self.rows.cards += self.cards.for_person(row, person)
        return person

    # Cards
