"""Why a record cannot be vouched for today (SPEC §3, level `unverified`)."""

from datetime import date

import pytest

from app.immunity import CardStatus, PersonStatus, status_problems

TODAY = date(2026, 6, 15)
YESTERDAY = date(2026, 6, 14)


def problems(**changes) -> tuple[str, ...]:
    values = {
        "person_status": PersonStatus.ACTIVE,
        "accredited_until": date(2027, 1, 1),
        "card_status": CardStatus.VALID,
        "card_expires": date(2027, 1, 1),
        "today": TODAY,
    }
    return status_problems(**(values | changes))


def test_an_active_person_with_a_valid_card_has_no_problems():
    assert problems() == ()


def test_a_person_with_no_card_and_open_accreditation_has_no_problems():
    assert problems(card_status=None, card_expires=None, accredited_until=None) == ()


@pytest.mark.parametrize(
    ("status", "word"), [(PersonStatus.DEPARTED, "departed"), (PersonStatus.TERMINATED, "terminated")]
)
def test_a_departed_or_terminated_person_is_a_problem(status, word):
    (problem,) = problems(person_status=status)

    assert word in problem


def test_accreditation_that_ended_yesterday_is_a_problem():
    assert problems(accredited_until=YESTERDAY) == ("Accreditation ended on 2026-06-14",)


def test_accreditation_is_good_through_its_last_day():
    assert problems(accredited_until=TODAY) == ()


@pytest.mark.parametrize(("status", "word"), [(CardStatus.REVOKED, "revoked"), (CardStatus.LOST, "lost")])
def test_a_revoked_or_lost_card_is_a_problem(status, word):
    (problem,) = problems(card_status=status)

    assert word in problem


def test_a_card_that_expired_yesterday_is_a_problem():
    assert problems(card_expires=YESTERDAY) == ("Card expired on 2026-06-14",)


def test_a_card_is_good_through_its_expiry_date():
    assert problems(card_expires=TODAY) == ()


def test_every_problem_is_reported_not_just_the_first():
    found = problems(
        person_status=PersonStatus.DEPARTED,
        accredited_until=YESTERDAY,
        card_status=CardStatus.REVOKED,
        card_expires=YESTERDAY,
    )

    assert len(found) == 4
