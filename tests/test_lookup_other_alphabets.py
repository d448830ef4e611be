"""The lookup pages refuse look-alike letters from another alphabet, name them, and show no result."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from tests.factories import make_card, make_mission, make_person, make_vehicle

HX = {"HX-Request": "true"}
GREEK_ZETA, CYRILLIC_O = "\u0396", "\u041e"
# Each reads as a registry record when typed in Latin: ZZ000001 is a card, DWJ1204 a plate.
LOOK_ALIKES = [
    (f"{GREEK_ZETA}{GREEK_ZETA}000001", f"Greek {GREEK_ZETA} (Zeta) at positions 1–2"),
    (f"ZZ{CYRILLIC_O * 3}001", f"Cyrillic {CYRILLIC_O} (O) at positions 3–5"),
    (f"DWJ12{CYRILLIC_O}4", f"Cyrillic {CYRILLIC_O} (O) at position 6"),
]


@pytest.fixture
def registry(app: Flask) -> None:
    with app.app_context():
        person = make_person(make_mission(name="Embassy of Ruritania"), full_name="Ada Demo-Kovar")
        make_card(person, card_number="ZZ000001")
        make_vehicle(person.mission, person, plate="DWJ1204")
        db.session.commit()


@pytest.mark.parametrize("path", ["/lookup", "/dispatch"])
@pytest.mark.parametrize(("typed", "named"), LOOK_ALIKES)
@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "page"])
def test_look_alike_letters_are_named_in_the_input_error_and_nothing_is_shown(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[..., User],
    registry: None,
    path: str,
    typed: str,
    named: str,
    headers: dict[str, str],
) -> None:
    login_as("dispatcher")
    response = client.post(path, data={"q": typed, "kind": "auto"}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="input-error"' in html and "from another alphabet" in html and named in html
    assert "Retype" in html
    assert "Ada Demo-Kovar" not in html and "data-verdict-level" not in html
    with app.app_context():
        outcomes = db.session.scalars(select(AuditEvent.outcome).where(AuditEvent.action.like("lookup.%"))).all()
    assert outcomes == ["invalid"]


@pytest.mark.parametrize("kind", ["plate", "card"])
def test_the_chosen_kind_does_not_change_the_refusal(
    client: FlaskClient, login_as: Callable[..., User], registry: None, kind: str
) -> None:
    login_as("officer")
    response = client.post("/lookup", data={"q": f"DWJ12{CYRILLIC_O}4", "kind": kind}, headers=HX)
    assert response.status_code == 422
    assert "from another alphabet" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["ＺＺ０００００１", "ｄｗｊ１２０４"])
def test_fullwidth_latin_still_finds_the_record(
    client: FlaskClient, login_as: Callable[..., User], registry: None, typed: str
) -> None:
    login_as("officer")
    response = client.post("/lookup", data={"q": typed, "kind": "auto"}, headers=HX)
    assert response.status_code == 200
    assert "Ada Demo-Kovar" in response.get_data(as_text=True)
