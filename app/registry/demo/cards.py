"""The demo registry's identity cards: colour and issuer by category and mission (facts §2.1), some not current."""

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.immunity.card_types import CARD_TYPE
from app.immunity.codes import CardIssuer, CardStatus, MissionKind, PersonStatus, Relationship
from app.registry.demo.profile import CARD_LETTERS, CARD_MIN_AGE, NO_FAMILY_CARD, YEAR


def issuer(mission: dict[str, Any]) -> CardIssuer:
    """AIT for Taiwan's offices, USUN for people accredited to the UN, Protocol for everyone else."""
    kind = mission["kind"]
    if kind in (MissionKind.TECRO, MissionKind.TECO):
        return CardIssuer.AIT
    if kind is MissionKind.IO_MISSION or (kind is MissionKind.INTERNATIONAL_ORG and mission["city"] == "New York"):
        return CardIssuer.USUN
    return CardIssuer.PROTOCOL


class CardMaker:
    def __init__(self, rng: random.Random, today: date, taken: Iterable[str]) -> None:
        self.rng = rng
        self.today = today
        self.numbers = set(taken)

    def _number(self) -> str:
        rng = self.rng
        while True:
            number = rng.choice(CARD_LETTERS) + rng.choice(CARD_LETTERS) + f"{rng.randint(0, 999_999):06d}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def for_person(self, mission: dict[str, Any], person: dict[str, Any]) -> list[dict[str, Any]]:
        """The person's cards, oldest first: usually one, sometimes with the card it replaced, sometimes none."""
        rng, today = self.rng, self.today
        category = person["category"]
        family = person["relationship"] is not Relationship.PRINCIPAL
        if category not in CARD_TYPE or (family and category in NO_FAMILY_CARD):
            return []
        age_days = (today - person["date_of_birth"]).days
        if person["relationship"] is Relationship.CHILD and age_days < CARD_MIN_AGE * YEAR:
            return []
        start = person["accredited_from"]
        newly_arrived = (today - start).days < 45 and rng.random() < 0.5
        if newly_arrived or rng.random() < 0.01:
            return []  # no card yet: officers are told to call (facts §2.1)
        cards: list[dict[str, Any]] = []

        def card(issued: date, expires: date, status: CardStatus, reprinted: datetime | None = None) -> None:
            cards.append(
                {
                    "card_number": self._number(),
                    "person_id": person["id"],
                    "card_type": CARD_TYPE[category],
                    "issuer": issuer(mission),
                    "issued_on": issued,
                    "expires_on": expires,
                    "status": status,
                    "min_valid_iat": reprinted,
                }
            )

        status, roll = CardStatus.VALID, rng.random()
        if person["status"] is not PersonStatus.ACTIVE:
            end = person["accredited_until"]
            issued = max(start, end - timedelta(days=rng.randint(30, 3 * YEAR)))
            expires = issued + timedelta(days=3 * YEAR)
            terminated = person["status"] is PersonStatus.TERMINATED
            status = CardStatus.REVOKED if terminated or rng.random() < 0.4 else CardStatus.VALID
        elif roll < 0.02 and (today - start).days > YEAR:  # expired and not renewed
            expires = today - timedelta(days=rng.randint(1, 240))
            issued = min(max(start, expires - timedelta(days=3 * YEAR)), expires - timedelta(days=1))
        else:
            issued = max(start, today - timedelta(days=rng.randint(0, 3 * YEAR - 30)))
            expires = issued + timedelta(days=rng.randint(3 * YEAR, 4 * YEAR))
            if roll < 0.025:
                status = CardStatus.REVOKED
            elif roll < 0.031:
                status = CardStatus.LOST
        if (issued - start).days > 2 * YEAR and rng.random() < 0.15:
            # The card this one replaced: expired, or reported lost.
            old_expires = issued - timedelta(days=1)
            old_issued = max(start, old_expires - timedelta(days=3 * YEAR))
            card(old_issued, old_expires, CardStatus.LOST if rng.random() < 0.2 else CardStatus.VALID)
        reprinted = None
        if status is CardStatus.VALID and rng.random() < 0.01 and issued < today - timedelta(days=30):
            # A reprint under the same number: prints made before it stop verifying (qr-tokens.md).
            reprint_day = issued + timedelta(days=rng.randint(1, (today - issued).days))
            reprinted = datetime.combine(reprint_day, time(14, 0), tzinfo=UTC)
        card(issued, expires, status, reprinted)
        return cards
