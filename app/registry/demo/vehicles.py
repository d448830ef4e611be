"""The demo registry's vehicles: OFM plates in both layouts (facts §3), the letter fitting the holder."""

import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from app.immunity.codes import PersonStatus, Relationship, VehicleStatus
from app.registry.demo import vocabulary as words
from app.registry.demo.missions import weighted_sample
from app.registry.demo.profile import OFFICIAL_CAR_SHARE, OFFICIAL_LETTERS, STATUS_LETTERS, YEAR


class VehicleMaker:
    def __init__(self, rng: random.Random, today: date, taken: Iterable[str]) -> None:
        self.rng = rng
        self.today = today
        self.plates = set(taken)

    def fill(
        self, missions: Sequence[dict[str, Any]], persons: Sequence[dict[str, Any]], wanted: int
    ) -> list[dict[str, Any]]:
        """`wanted` vehicles if the plates allow: staff's and spouses' own cars, then official cars of nobody."""
        rng = self.rng
        plated = {m["id"]: m for m in missions if m["plate_code"]}
        if not plated:
            return []
        drivers = [
            p
            for p in persons
            if p["mission_id"] in plated
            and p["category"] in STATUS_LETTERS
            and p["relationship"] in (Relationship.PRINCIPAL, Relationship.SPOUSE)
        ]
        weights = [1.0 if p["relationship"] is Relationship.PRINCIPAL else 0.25 for p in drivers]
        chosen = weighted_sample(rng, drivers, weights, wanted - round(wanted * OFFICIAL_CAR_SHARE))
        chosen.sort(key=lambda p: p["id"])
        made = (self._vehicle(plated[p["mission_id"]], p) for p in chosen)
        vehicles = [v for v in made if v is not None]
        staff: dict[str, int] = {}
        for p in persons:
            staff[p["mission_id"]] = staff.get(p["mission_id"], 0) + 1
        official = list(plated.values())
        official_weights = [staff.get(m["id"], 0) + 1 for m in official]
        attempts = 0
        while len(vehicles) < wanted and attempts < 10 * wanted:
            attempts += 1
            vehicle = self._vehicle(rng.choices(official, official_weights)[0], None)
            if vehicle is not None:
                vehicles.append(vehicle)
        return vehicles

    def _plate(self, mission: dict[str, Any], letter: str) -> str | None:
        """A new plate in the mission city's layout, or None when this series looks full."""
        code = mission["plate_code"]
        for _ in range(50):
            number = str(self.rng.randint(100, 999) if self.rng.random() < 0.3 else self.rng.randint(1, 9999))
            # New York keeps the reversed UN layout: digits, code, letter (facts §3).
            plate = number + code + letter if mission["city"] == "New York" else letter + code + number
            if plate not in self.plates:
                self.plates.add(plate)
                return plate
        return None

    def _vehicle(self, mission: dict[str, Any], person: dict[str, Any] | None) -> dict[str, Any] | None:
        rng, today = self.rng, self.today
        letter = STATUS_LETTERS[person["category"]] if person else OFFICIAL_LETTERS[mission["kind"]]
        plate = self._plate(mission, letter)
        if plate is None:
            return None
        if person is None or rng.random() < 0.1:
            make, model = rng.choice(words.OFFICIAL_CARS)
        else:
            make, model = rng.choice(words.PRIVATE_CARS)
        colour = "Black" if person is None and rng.random() < 0.7 else rng.choice(words.COLOURS)
        roll = rng.random()
        if person is not None and person["status"] is not PersonStatus.ACTIVE:
            status = VehicleStatus.RECALLED if roll < 0.6 else VehicleStatus.EXPIRED
        elif roll < 0.05:
            status = VehicleStatus.EXPIRED
        elif roll < 0.06:
            status = VehicleStatus.RECALLED
        else:
            status = VehicleStatus.ACTIVE
        if status is VehicleStatus.ACTIVE:
            expires = today + timedelta(days=rng.randint(1, YEAR))  # registration runs one year (facts §3)
        elif status is VehicleStatus.EXPIRED:
            expires = today - timedelta(days=rng.randint(1, 300))
        else:
            expires = today + timedelta(days=rng.randint(-200, 300))
        return {
            "plate": plate,
            "mission_id": mission["id"],
            "person_id": person["id"] if person else None,
            "make": make,
            "model": model,
            "colour": colour,
            "year": today.year - rng.randint(0, 6 if person is None else 12),
            "registration_expires": expires,
            "status": status,
        }
