"""What an officer's or dispatcher's answer may carry about a person (security bar P1, ASVS 8.2.3; SPEC §3-§4):
the verdict screen's fields and nothing else. Never the date of birth, the accreditation dates or the family
around the person in front of the officer; the JSON answer's keys and the page's text are compared to the list.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from app.extensions import db
from app.models import Person, User
from app.models.registry import Relationship
from tests.factories import make_api_token, make_card, make_mission, make_person, make_user, make_vehicle

PLATE = "DRZ7731"
CARD = "ZZ771234"
HX = {"HX-Request": "true"}

# Person columns by what the officer sees (security-bar "Privacy": name, photo, mission, category, card validity,
# freshness; SPEC §3: the relationship and sponsor, the US-national flag and the status drive the verdict and are
# shown beside it; the nationality only when consular notification is mandatory). A new column must be placed here.
SHOWN = {"id", "mission_id", "full_name", "photo_file", "nationality", "category", "title", "relationship"}
SHOWN |= {"principal_id", "us_national_or_lpr", "status"}
HIDDEN = {"date_of_birth", "accredited_from", "accredited_until", "updated_at"}

# The JSON API's person object, key by key (app/api/schemas.py forbids extra keys in the document as well).
PERSON_KEYS = {
    "id",
    "name",
    "title",
    "nationality",
    "mission",
    "category",
    "relationship",
    "principal_name",
    "us_national_or_lpr",
    "status",
    "card",
    "problems",
    "verdict",
    "driving",
    "consular_notification",
    "contacts",
    "photo_url",
}
HIDDEN_KEYS = {"date_of_birth", "dob", "birth", "accredited_from", "accredited_until", "updated_at", "family"}


def spellings(value: object) -> list[str]:
    """The ways a hidden value could be written on a page."""
    if isinstance(value, datetime):
        return [value.strftime("%Y-%m-%d %H:%M"), value.isoformat()[:16], *spellings(value.date())]
    if isinstance(value, date):
        return [
            value.isoformat(),
            value.strftime("%m/%d/%Y"),
            value.strftime("%d/%m/%Y"),
            value.strftime("%d.%m.%Y"),
            value.strftime("%d %b %Y"),
            value.strftime("%B %d, %Y"),
            value.strftime("%b %d, %Y"),
        ]
    return [str(value)]


@pytest.fixture
def family(app: Flask) -> dict[str, Any]:
    """A consul with a car and a card, and the spouse and child who share their immunity."""
    with app.app_context():
        mission = make_mission(name="Consulate General of Ruritania", country="Ruritania", plate_code="RZ")
        consul = make_person(
            mission,
            full_name="Ottokar Vell",
            title="Consul General",
            date_of_birth=date(1961, 7, 23),
            accredited_from=date(2019, 4, 2),
            accredited_until=date(2031, 8, 29),
            updated_at=datetime(2025, 2, 11, 10, 17, tzinfo=UTC),
        )
        spouse = make_person(mission, full_name="Brunhilde Vell", relationship=Relationship.SPOUSE, principal=consul)
        child = make_person(
            mission,
            full_name="Kasimir Vell",
            relationship=Relationship.CHILD,
            principal=consul,
            date_of_birth=date(2012, 9, 30),
        )
        make_card(consul, card_number=CARD)
        make_vehicle(mission, consul, plate=PLATE)
        db.session.commit()
        hidden = [spelling for column in HIDDEN for spelling in spellings(getattr(consul, column))]
        return {"consul": consul.full_name, "hidden": hidden, "relatives": [spouse.full_name, child.full_name]}


def test_every_person_column_is_either_shown_or_hidden(app: Flask) -> None:
    with app.app_context():
        columns = {column.key for column in inspect(Person).columns}
    assert columns == SHOWN | HIDDEN and not SHOWN & HIDDEN


def keys_anywhere(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for inner in value.values() for key in keys_anywhere(inner)}
    if isinstance(value, list):
        return {key for inner in value for key in keys_anywhere(inner)}
    return set()


@pytest.mark.parametrize("role", ["officer", "dispatcher"])
@pytest.mark.parametrize("path", [f"/api/v1/plates/{PLATE}", f"/api/v1/cards/{CARD}"])
def test_the_api_answer_carries_only_the_allowlisted_person_fields(
    app: Flask, client: FlaskClient, family: dict[str, Any], role: str, path: str
) -> None:
    with app.app_context():
        token = make_api_token(make_user(role))
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    (person,) = response.json["persons"]
    assert person["name"] == family["consul"]
    assert set(person) == PERSON_KEYS
    assert not keys_anywhere(response.json) & HIDDEN_KEYS
    raw = response.get_data(as_text=True)
    assert [value for value in family["hidden"] + family["relatives"] if value in raw] == []


@pytest.mark.parametrize("page", ["/lookup", "/dispatch"])
@pytest.mark.parametrize("kind, query", [("plate", PLATE), ("card", CARD)])
def test_the_result_page_shows_the_person_but_no_hidden_field_or_relative(
    client: FlaskClient, login_as: Callable[..., User], family: dict[str, Any], page: str, kind: str, query: str
) -> None:
    login_as("officer" if page == "/lookup" else "dispatcher")
    for headers in (HX, {}):
        response = client.post(page, data={"q": query, "kind": kind}, headers=headers, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert family["consul"] in html and "Consul General" in html and CARD in html and "Registry data as of" in html
        assert [value for value in family["hidden"] + family["relatives"] if value in html] == []
