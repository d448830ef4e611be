"""Card administration for OFM admins: find, issue, revoke, mark lost, reprint, the card's QR; all audited.

Each function commits once (`transaction()`): the change and its audit event land together or not at all.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.audit import service as audit
from app.cards import numbers, prints, qr, tokens
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.immunity import CardStatus
from app.immunity.affiliation import international_organisation, taiwan
from app.immunity.card_types import CARD_TYPE
from app.immunity.codes import CardIssuer, CardType, Category, PersonStatus, Relationship
from app.immunity.dates import add_years
from app.models import Card, Person

SEARCH_LIMIT = 50
MAX_QUERY = 100
# Printed card numbers: two letters for the card family, six digits (numbers.PRINTED).
NUMBER_PREFIX = {CardType.DIPLOMATIC: "DA", CardType.OFFICIAL: "OF", CardType.CONSULAR: "CO"}
DEFAULT_CARD_YEARS = 3


class CardAdminError(DomainError, ValueError):
    """The action cannot be done to this card or person; the message says why, for the admin."""

    status = 409


class NotFound(DomainError, LookupError):
    """No such card or person."""

    status = 404


class WouldReplace(CardAdminError):
    """The new card would revoke the holder's current cards, and the caller has not said yes to that."""

    def __init__(self, replaced: list[Card]) -> None:
        super().__init__(f"The new card replaces {', '.join(c.card_number for c in replaced)}: confirm to revoke")
        self.replaced = replaced


@dataclass(frozen=True)
class CardPage:
    card: Card
    svg: bytes | None
    size: qr.PrintSize | None
    problem: str | None


# revoke, mark_lost and reprint: (card number, now, note) -> the changed card.
CardAction = Callable[[str, datetime, str], Card]


@dataclass(frozen=True)
class IssueDefaults:
    card_type: CardType
    issuer: CardIssuer
    expires_on: date


def search(raw: str) -> list[Person]:
    """Persons whose card number or person id is `raw`, or whose name contains it; audited as admin.card_search."""
    query = " ".join(raw.split())[:MAX_QUERY]
    if len(query) < 2:
        raise CardAdminError("Type at least two characters: a card number, a person id or part of a name")
    number = numbers.compact(query)
    pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    by_card = select(Card.person_id).where(Card.card_number.in_({query, number}))
    persons = list(
        db.session.scalars(
            select(Person)
            .where(
                or_(
                    Person.id.in_(by_card),
                    Person.id == query,
                    func.lower(Person.full_name).like(pattern, escape="\\"),
                )
            )
            .options(joinedload(Person.mission), selectinload(Person.cards))
            .order_by(Person.full_name, Person.id)
            .limit(SEARCH_LIMIT)
        )
    )
    with transaction():
        audit.record(
            "admin.card_search",
            "hit" if persons else "miss",
            query=query,
            record_ids=[f"person:{p.id}" for p in persons],
        )
    return persons


def person(person_id: str) -> Person:
    """One person with their cards, for the issue page; audited as admin.person_view."""
    found = db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(joinedload(Person.mission), joinedload(Person.principal), selectinload(Person.cards))
    )
    if found is None:
        raise NotFound(f"No person {person_id}")
    with transaction():
        audit.record("admin.person_view", "hit", query=person_id, record_ids=[f"person:{found.id}"])
    return found


def card(card_number: str, now: datetime) -> CardPage:
    """One card with its holder and, when it may be printed, its QR; audited as admin.card_view."""
    found = _card(card_number)
    problem = printable_problem(found, now.date())
    svg = size = None
    if problem is None:
        try:
            url = prints.print_url(found, now)
        except (tokens.KeyRingError, ValueError) as error:
            problem = f"No QR code: {error}"
        else:
            svg, size = prints.image(url, "svg"), qr.print_size(url)
    with transaction():
        audit.record("admin.card_view", "hit", query=card_number, record_ids=_ids(found))
    return CardPage(found, svg, size, problem)


def card_brief(card_number: str) -> Card:
    """The card and its holder, named in the question asked before changing it; audited as admin.card_view."""
    found = _card(card_number)
    with transaction():
        audit.record("admin.card_view", "hit", query=card_number, record_ids=_ids(found))
    return found


def issue_defaults(holder: Person, today: date) -> IssueDefaults:
    """The card family and issuer the holder's category calls for, and a suggested expiry date."""
    category = _card_category(holder)
    card_type = CARD_TYPE.get(category)
    if card_type is None:
        raise CardAdminError("People with no immunity category get no State Department identity card")
    if international_organisation({category}, holder.mission.kind):
        issuer = CardIssuer.USUN
    elif taiwan({category}, holder.mission.kind):
        issuer = CardIssuer.AIT
    else:
        issuer = CardIssuer.PROTOCOL
    expires_on = add_years(today, DEFAULT_CARD_YEARS)
    if holder.accredited_until is not None and today < holder.accredited_until < expires_on:
        expires_on = holder.accredited_until
    return IssueDefaults(card_type, issuer, expires_on)


def issue_card(person_id: str, expires_on: date, now: datetime, *, replace: bool = False) -> Card:
    """Issue a new card to an active person: a fresh card number, the family from the category, audited.

    The new card replaces any the person holds: their valid or lost cards are revoked in the same
    transaction, so an old card left in circulation never verifies (one card per person, as OFM issues them).
    Revoking is for good, so it needs `replace=True` (the admin said yes); otherwise WouldReplace, nothing changed.
    """
    holder = db.session.scalar(select(Person).where(Person.id == person_id).options(joinedload(Person.mission)))
    if holder is None:
        raise NotFound(f"No person {person_id}")
    if holder.status is not PersonStatus.ACTIVE:
        raise CardAdminError(f"{holder.full_name} is {holder.status}: only active people get a card")
    today = now.date()
    if expires_on <= today:
        raise CardAdminError("The expiry date must be after today")
    if expires_on > (now + tokens.MAX_CARD_LIFE).date() - timedelta(days=1):
        raise CardAdminError(f"A card may be valid for at most {tokens.MAX_CARD_LIFE.days // 365} years")
    if holder.accredited_until is not None and expires_on > holder.accredited_until:
        raise CardAdminError(f"The card may not outlast the accreditation (ends {holder.accredited_until.isoformat()})")
    defaults = issue_defaults(holder, today)
    replaced = cards_replaced(holder)
    if replaced and not replace:
        raise WouldReplace(replaced)
    with transaction():
        new = Card(
            card_number=_new_number(defaults.card_type),
            person=holder,
            card_type=defaults.card_type,
            issuer=defaults.issuer,
            issued_on=today,
            expires_on=expires_on,
            status=CardStatus.VALID,
            min_valid_iat=now.replace(microsecond=0),
        )
        for old in replaced:
            old.status = CardStatus.REVOKED
        db.session.add(new)
        db.session.flush()
        audit.record(
            "admin.card_issue",
            "ok",
            query=new.card_number,
            record_ids=[*_ids(new), *(f"card:{c.card_number}" for c in replaced)],
            detail={
                "card_type": str(new.card_type),
                "expires_on": expires_on.isoformat(),
                "revoked": [c.card_number for c in replaced],
            },
        )
    return new


def cards_replaced(holder: Person) -> list[Card]:
    """The holder's cards a new card replaces, and so revokes: the valid and lost ones."""
    return [c for c in holder.cards if c.status in (CardStatus.VALID, CardStatus.LOST)]


# The card statuses each action may start from; a revoked card allows none.
ALLOWED_FROM: dict[str, frozenset[CardStatus]] = {
    "reprint": frozenset({CardStatus.VALID, CardStatus.LOST}),
    "lost": frozenset({CardStatus.VALID}),
    "revoke": frozenset({CardStatus.VALID, CardStatus.LOST}),
}


def revoke(card_number: str, now: datetime, note: str = "") -> Card:
    """Revoke a valid or lost card for good: every print stops verifying (`revoked`)."""
    return _change(card_number, "revoke", ALLOWED_FROM["revoke"], CardStatus.REVOKED, now, note)


def mark_lost(card_number: str, now: datetime, note: str = "") -> Card:
    """Report a valid card lost: every print stops verifying (`revoked`) until a reprint."""
    return _change(card_number, "lost", ALLOWED_FROM["lost"], CardStatus.LOST, now, note)


def reprint(card_number: str, now: datetime, note: str = "") -> Card:
    """Make a new print of a valid or lost card: it becomes valid and every older print is `superseded`."""
    return _change(card_number, "reprint", ALLOWED_FROM["reprint"], CardStatus.VALID, now, note)


def card_url(card_number: str, now: datetime) -> str:
    """The verification URL of the card's current print (for `cards token`), audited as admin.card_token."""
    found = _printable(card_number, now)
    url = prints.print_url(found, now)
    with transaction():
        audit.record("admin.card_token", "ok", query=card_number, record_ids=_ids(found))
    return url


def qr_image(card_number: str, fmt: str, now: datetime) -> bytes:
    """The QR of the card's current print as PNG or SVG, audited as admin.card_qr."""
    if fmt not in prints.FORMATS:
        raise CardAdminError("The QR comes as png or svg")
    found = _printable(card_number, now)
    data = prints.image(prints.print_url(found, now), fmt)
    with transaction():
        audit.record("admin.card_qr", "ok", query=card_number, record_ids=_ids(found), detail={"format": fmt})
    return data


def print_sheet(card_number: str, now: datetime) -> tuple[Card, bytes, qr.PrintSize]:
    """The card, its QR as SVG and the printed size, for the print sheet; audited as admin.card_print."""
    found = _printable(card_number, now)
    url = prints.print_url(found, now)
    data = prints.image(url, "svg")
    with transaction():
        audit.record("admin.card_print", "ok", query=card_number, record_ids=_ids(found))
    return found, data, qr.print_size(url)


def printable_problem(found: Card, today: date) -> str | None:
    """Why this card must not be printed, or None."""
    if found.status is CardStatus.REVOKED:
        return "This card is revoked: issue a new card instead of printing this one."
    if found.status is CardStatus.LOST:
        return "This card is reported lost: reprint it first, so the lost print stops verifying."
    if found.expires_on < today:
        return "This card has expired: issue a new card."
    if not numbers.IN_TOKEN.fullmatch(found.card_number):
        return "This card number cannot carry a QR code (only A-Z, 0-9 and inner hyphens)."
    return None


def _change(
    card_number: str, action: str, allowed: frozenset[CardStatus], new_status: CardStatus, now: datetime, note: str
) -> Card:
    found = _card(card_number)
    if found.status not in allowed:
        raise CardAdminError(f"Card {found.card_number} is {found.status}: it cannot be {_PAST[action]}")
    if action == "reprint" and found.expires_on < now.date():
        raise CardAdminError(f"Card {found.card_number} has expired: issue a new card instead")
    with transaction():
        was = found.status
        found.status = new_status
        if action == "reprint":
            # Strictly later than the previous print, in whole seconds, so the old print always reads superseded.
            stamp = now.replace(microsecond=0)
            if found.min_valid_iat is not None and stamp <= found.min_valid_iat:
                stamp = found.min_valid_iat.replace(microsecond=0) + timedelta(seconds=1)
            found.min_valid_iat = stamp
        detail: dict[str, object] = {"was": str(was)}
        if note.strip():
            detail["note"] = " ".join(note.split())[:300]
        audit.record(f"admin.card_{action}", "ok", query=found.card_number, record_ids=_ids(found), detail=detail)
    return found


_PAST = {"revoke": "revoked", "lost": "reported lost", "reprint": "reprinted"}


def _printable(card_number: str, now: datetime) -> Card:
    found = _card(card_number)
    problem = printable_problem(found, now.date())
    if problem:
        raise CardAdminError(problem)
    return found


def _card(card_number: str) -> Card:
    found = db.session.scalar(
        select(Card)
        .where(Card.card_number == card_number)
        .options(joinedload(Card.person).options(joinedload(Person.mission)))
    )
    if found is None:
        raise NotFound(f"No card {card_number}")
    return found


def _ids(found: Card) -> list[str]:
    return [f"card:{found.card_number}", f"person:{found.person_id}"]


def _card_category(holder: Person) -> Category:
    if holder.relationship is not Relationship.PRINCIPAL and holder.principal is not None:
        return holder.principal.category
    return holder.category


def _new_number(card_type: CardType) -> str:
    prefix = NUMBER_PREFIX[card_type]
    for _ in range(50):
        number = f"{prefix}{secrets.randbelow(900_000) + 100_000}"
        if db.session.scalar(select(Card.id).where(Card.card_number == number)) is None:
            return number
    raise CardAdminError("Could not find a free card number; try again")
