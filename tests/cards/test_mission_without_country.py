"""An international organization may have no country (SPEC §2): every page names it alone, with no dangling "·"."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.immunity.codes import Category, MissionKind
from app.models import Card
from tests.cards.support import token_for_card
from tests.factories import make_card, make_mission, make_person, make_vehicle

ORGANIZATION = "Secretariat of the Example Union"
HX = {"HX-Request": "true"}


@pytest.fixture
def card(ctx: Flask, active_kid: str) -> Card:
    organization = make_mission(
        name=ORGANIZATION, country=None, kind=MissionKind.INTERNATIONAL_ORG, city="New York", state="NY"
    )
    staff = make_person(organization, id="P-ORG", full_name="Cleo Demo-Ward", category=Category.IO_STAFF)
    make_vehicle(organization, staff, plate="AEU1234")
    card = make_card(staff, card_number="UN100001", min_valid_iat=datetime(2026, 3, 1, tzinfo=UTC))
    db.session.commit()
    return card


def mission_lines(html: str) -> list[str]:
    """Each paragraph that names the organization, from its name to the paragraph's end."""
    return re.findall(rf"{re.escape(ORGANIZATION)}[^<]*</p>", html)


@pytest.mark.parametrize(("query", "kind"), [("UN100001", "card"), ("AEU1234", "plate")])
def test_a_lookup_names_an_organization_without_a_country_alone(
    client: FlaskClient, login_as: Callable[..., Any], card: Card, query: str, kind: str
) -> None:
    login_as("officer")
    html = client.post("/lookup", data={"q": query, "kind": kind}, headers=HX).get_data(as_text=True)
    assert 'data-verdict-level="official_acts"' in html
    lines = mission_lines(html)
    assert lines and set(lines) == {f"{ORGANIZATION}</p>"}


def test_the_scanned_card_page_names_the_organization_alone(
    client: FlaskClient, login_as: Callable[..., Any], card: Card
) -> None:
    login_as("officer")
    html = client.get(f"/v/{token_for_card(card)}").get_data(as_text=True)
    assert 'data-card-check="valid"' in html
    assert mission_lines(html) == [f"{ORGANIZATION}</p>"]


def test_the_admin_person_page_names_the_organization_alone(
    client: FlaskClient, login_as: Callable[..., Any], card: Card
) -> None:
    login_as("admin")
    html = client.get("/admin/cards/person/P-ORG").get_data(as_text=True)
    assert mission_lines(html) == [f"{ORGANIZATION}</p>"]


def test_a_mission_with_a_country_keeps_it_after_its_name(
    client: FlaskClient, login_as: Callable[..., Any], ctx: Flask
) -> None:
    embassy = make_mission(name="Embassy of Testland", country="Testland")
    make_card(make_person(embassy), card_number="DA100009")
    db.session.commit()
    login_as("officer")
    html = client.post("/lookup", data={"q": "DA100009", "kind": "card"}, headers=HX).get_data(as_text=True)
    assert "<p>Embassy of Testland · Testland</p>" in html
