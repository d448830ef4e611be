"""Fixtures for the review desk: a signed-in reviewer and a person the registry knows, with a car and a card."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from app.extensions import db
from app.models import User
from tests.factories import make_card, make_person, make_vehicle


@dataclass(frozen=True)
class Subject:
    person_id: str
    name: str
    plate: str
    card_number: str


@pytest.fixture
def reviewer(login_as: Callable[..., User]) -> User:
    return login_as("reviewer")


@pytest.fixture
def subject(app: Flask) -> Subject:
    """A diplomat with a valid card and a car, as a lookup would find them."""
    with app.app_context():
        person = make_person(full_name="Ilse Vandermeer")
        vehicle = make_vehicle(person=person)
        card = make_card(person=person)
        db.session.commit()
        return Subject(person.id, person.full_name, vehicle.plate, card.card_number)
