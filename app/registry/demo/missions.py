"""Which missions the demo registry has: the demo cases' own, then a weighted draw of real-looking ones."""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.immunity.codes import MissionKind
from app.registry.demo import cases
from app.registry.demo import vocabulary as words
from app.registry.demo.profile import KIND_SHARES, KIND_WEIGHTS, MIN_RANDOM_MISSIONS, SPECIAL_BILATERAL_SHARE

T = TypeVar("T")


@dataclass
class Planned:
    row: dict[str, Any]  # the missions row
    role: str  # a KIND_WEIGHTS key: what kind of staff the mission has
    weight: float  # relative head count


def weighted_sample(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """k items without replacement, each drawn in proportion to its weight (Efraimidis–Spirakis)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _, i in keyed[:k]]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into whole shares proportional to weights (largest remainder)."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def plate_codes(rng: random.Random) -> dict[str, str]:
    """One code per country or organisation, never an ISO code (facts §3)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    excluded = words.NOT_PLATE_CODES | set(cases.ANCHOR_CODES.values())
    pool = [a + b for a in letters for b in letters if a + b not in excluded]
    rng.shuffle(pool)
    bodies = list(dict.fromkeys(body for _, body, _, _ in words.ORGANISATIONS))
    entities = (*words.COUNTRIES, words.TAIWAN, *bodies)
    return {entity: cases.ANCHOR_CODES.get(entity) or pool.pop() for entity in entities}


def plan(rng: random.Random, size: Mapping[str, float], codes: Mapping[str, str], wanted: int) -> list[Planned]:
    """The demo cases' missions, then enough drawn ones to make `wanted` (at least a few), ids assigned."""
    anchors = [Planned(row, str(row["kind"]), 0.0) for row in cases.demo_missions()]
    for anchor in anchors:
        anchor.weight = KIND_WEIGHTS[anchor.role] * size.get(anchor.row["country"], 1.0)
    candidates = _candidates(rng, size, codes)
    quotas = apportion(max(MIN_RANDOM_MISSIONS, wanted - len(anchors)), [share for _, share in KIND_SHARES])
    chosen: list[Planned] = []
    spill = 0
    for (role, _), quota in zip(KIND_SHARES, quotas, strict=True):
        # The small pools come first, so the big consular ones absorb what they cannot hold.
        pool = candidates[role]
        take = min(len(pool), quota + spill)
        spill = quota + spill - take
        chosen += weighted_sample(rng, pool, [m.weight for m in pool], take)
    chosen.sort(key=lambda m: (m.row["kind"], m.row["country"] or "", m.row["city"], m.row["name"]))
    for number, mission in enumerate(chosen, start=1):
        mission.row["id"] = f"M{number:05d}"
    _flag_special_bilateral(rng, anchors + chosen)
    return anchors + chosen


def _candidates(rng: random.Random, size: Mapping[str, float], codes: Mapping[str, str]) -> dict[str, list[Planned]]:
    """Every mission the demo could have, by role: one embassy and UN mission per country, consulates per city."""
    pools: dict[str, list[Planned]] = {role: [] for role, _ in KIND_SHARES}

    def add(
        role: str,
        name: str,
        country: str | None,
        kind: MissionKind,
        city: str,
        state: str,
        weight: float,
        coded_as: str | None = None,
    ) -> None:
        # Honorary consuls drive on state plates (facts §3); a few new missions have no plates yet.
        has_plates = role != "honorary" and rng.random() >= 0.02
        row = {
            "id": "",
            "name": name,
            "country": country,
            "kind": kind,
            "city": city,
            "state": state,
            "plate_code": codes[coded_as or country] if has_plates else None,
            "special_bilateral": False,
        }
        pools[role].append(Planned(row, role, weight))

    taken = cases.ANCHOR_SLOTS
    for country in words.COUNTRIES:
        the = "the " if country in words.WITH_THE else ""
        if (country, MissionKind.IO_MISSION, "New York") not in taken:
            name = f"Permanent Mission of {the}{country} to the United Nations"
            weight = KIND_WEIGHTS["io_mission"] * size[country]
            add("io_mission", name, country, MissionKind.IO_MISSION, *words.NEW_YORK, weight)
        if country in words.NO_BILATERAL_MISSIONS:
            continue
        if (country, MissionKind.EMBASSY, "Washington") not in taken:
            weight = KIND_WEIGHTS["embassy"] * size[country]
            add("embassy", f"Embassy of {the}{country}", country, MissionKind.EMBASSY, *words.WASHINGTON, weight)
        for city, state, city_weight in words.CONSULAR_CITIES:
            if (country, MissionKind.CONSULATE, city) not in taken:
                name = f"Consulate General of {the}{country} in {city}"
                weight = KIND_WEIGHTS["consulate"] * size[country] * city_weight
                add("consulate", name, country, MissionKind.CONSULATE, city, state, weight)
        for city, state in words.HONORARY_CITIES:
            name = f"Honorary Consulate of {the}{country} in {city}"
            add("honorary", name, country, MissionKind.CONSULATE, city, state, KIND_WEIGHTS["honorary"])
    for name, body, city, state in words.ORGANISATIONS:
        weight = KIND_WEIGHTS["organisation"] * (3.0 if name == "United Nations Secretariat" else 1.0)
        # An organization has no country (SPEC §2); it drives on its body's plate code.
        add("organisation", name, None, MissionKind.INTERNATIONAL_ORG, city, state, weight, coded_as=body)
    for city, state in words.TECO_CITIES:
        name = f"Taipei Economic and Cultural Office in {city}"
        add("teco", name, words.TAIWAN, MissionKind.TECO, city, state, KIND_WEIGHTS["teco"])
    return pools


def _flag_special_bilateral(rng: random.Random, missions: list[Planned]) -> None:
    """Flag the embassy and career consulates of a few countries, about 3% of all missions.

    Random countries, plus the demo case's: this reflects no real agreement (facts §1.1: the list is not known).
    """
    covered: dict[str, list[Planned]] = {}
    for m in missions:
        if m.role in ("embassy", "consulate"):
            covered.setdefault(m.row["country"], []).append(m)
    target = round(SPECIAL_BILATERAL_SHARE * len(missions))
    # The other demo countries must keep their documented verdicts, so they are never drawn.
    excluded = {*cases.SPECIAL_BILATERAL_COUNTRIES, *cases.ANCHOR_CODES}
    countries = [c for c in words.COUNTRIES if c in covered and c not in excluded]
    rng.shuffle(countries)
    flagged = 0
    for country in [*cases.SPECIAL_BILATERAL_COUNTRIES, *countries]:
        group = covered.get(country, [])
        if country in cases.SPECIAL_BILATERAL_COUNTRIES or flagged + len(group) <= target:
            for m in group:
                m.row["special_bilateral"] = True
            flagged += len(group)
        if flagged >= target:
            break
