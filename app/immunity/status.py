"""Why a registry record cannot be vouched for today (SPEC §3, level `unverified`)."""

from datetime import date

from app.immunity.codes import CardStatus, PersonStatus


def status_problems(
    person_status: PersonStatus,
    accredited_until: date | None,
    card_status: CardStatus | None,
    card_expires: date | None,
    today: date,
) -> tuple[str, ...]:
    """Human-readable problems with the person's and the card's status; empty when the record is current.

    Accreditation and cards are good through their last day. A missing card is not a problem
    here: newly arrived staff may not have one yet (facts §2.1), and the verdict already says to
    verify by phone. Superseded prints and bad tokens are the caller's to add.
    """
    problems: list[str] = []
    if person_status is PersonStatus.DEPARTED:
        problems.append("Person has left the mission (registry status: departed)")
    elif person_status is PersonStatus.TERMINATED:
        problems.append("Person's accreditation was terminated (registry status: terminated)")
    if accredited_until is not None and accredited_until < today:
        problems.append(f"Accreditation ended on {accredited_until.isoformat()}")
    if card_status is CardStatus.REVOKED:
        problems.append("Card revoked")
    elif card_status is CardStatus.LOST:
        problems.append("Card reported lost: the holder may not be its owner")
    if card_expires is not None and card_expires < today:
        problems.append(f"Card expired on {card_expires.isoformat()}")
    return tuple(problems)
