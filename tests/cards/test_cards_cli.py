"""`flask keys ...` and `flask cards ...`: rotate, list and withdraw keys; a card's URL and QR file."""

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image
from sqlalchemy import select

from app.cards import keyring, tokens
from app.cards.tokens import KeyStatus
from app.extensions import db
from app.immunity import CardStatus
from app.models import Card, SigningKey
from tests.cards.support import BASE_URL, events
from tests.factories import make_card


@pytest.fixture
def card_number(app: Flask, instance: Path) -> str:
    with app.app_context():
        make_card(card_number="DA100001", expires_on=date(2029, 1, 15))
        db.session.commit()
    return "DA100001"


def _kids(app: Flask) -> dict[str, KeyStatus]:
    with app.app_context():
        return {row.kid: row.status for row in db.session.scalars(select(SigningKey))}


def test_keys_rotate_creates_the_active_key_and_says_where_its_private_half_is(
    runner: FlaskCliRunner, app: Flask, instance: Path
) -> None:
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    (kid,) = _kids(app)
    assert f"active key: {kid}" in result.output
    assert str(instance / "keys" / f"{kid}.pem") in result.output
    assert "PRIVATE KEY" not in result.output


def test_keys_rotate_twice_retires_the_first_key(runner: FlaskCliRunner, app: Flask, instance: Path) -> None:
    runner.invoke(args=["keys", "rotate"])
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0
    statuses = sorted(_kids(app).values())
    assert statuses == [KeyStatus.ACTIVE, KeyStatus.RETIRED]
    assert "retired key:" in result.output and "verifies until" in result.output


def test_keys_rotate_if_none_makes_the_first_key_and_then_leaves_it_alone(
    runner: FlaskCliRunner, app: Flask, instance: Path
) -> None:
    first = runner.invoke(args=["keys", "rotate", "--if-none"])
    second = runner.invoke(args=["keys", "rotate", "--if-none"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert list(_kids(app).values()) == [KeyStatus.ACTIVE]
    assert "not rotated" in second.output


def test_keys_list_shows_every_key_and_no_private_material(runner: FlaskCliRunner, app: Flask, instance: Path) -> None:
    runner.invoke(args=["keys", "rotate"])
    runner.invoke(args=["keys", "rotate"])
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0
    for kid, status in _kids(app).items():
        assert any(line.startswith(kid) and str(status) in line for line in result.output.splitlines())
    assert "PRIVATE" not in result.output and "BEGIN" not in result.output


def test_keys_list_with_no_keys_says_how_to_make_one(runner: FlaskCliRunner, instance: Path) -> None:
    result = runner.invoke(args=["keys", "list"])
    assert "keys rotate" in result.output


def test_keys_withdraw_asks_first_and_changes_nothing_when_told_no(
    runner: FlaskCliRunner, app: Flask, instance: Path
) -> None:
    runner.invoke(args=["keys", "rotate"])
    (kid,) = _kids(app)
    result = runner.invoke(args=["keys", "withdraw", kid], input="n\n")
    assert result.exit_code == 1
    assert _kids(app) == {kid: KeyStatus.ACTIVE}


def test_keys_withdraw_withdraws_and_warns_when_no_active_key_is_left(
    runner: FlaskCliRunner, app: Flask, instance: Path
) -> None:
    runner.invoke(args=["keys", "rotate"])
    (kid,) = _kids(app)
    result = runner.invoke(args=["keys", "withdraw", kid, "--yes"])
    assert result.exit_code == 0
    assert _kids(app) == {kid: KeyStatus.WITHDRAWN}
    assert "no active key is left" in result.output


def test_keys_withdraw_of_an_unknown_kid_fails_clearly(runner: FlaskCliRunner, instance: Path) -> None:
    result = runner.invoke(args=["keys", "withdraw", "nope1", "--yes"])
    assert result.exit_code == 1
    assert "no key 'nope1'" in result.output


def test_cards_token_prints_a_url_that_verifies_to_the_card(
    runner: FlaskCliRunner, app: Flask, card_number: str
) -> None:
    runner.invoke(args=["keys", "rotate"])
    result = runner.invoke(args=["cards", "token", card_number])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith(BASE_URL + "/v/")
    with app.app_context():
        verified = tokens.verify(tokens.extract(url, BASE_URL), keyring.load_ring(), datetime.now(UTC))
        assert verified.card_number == card_number
        assert [e.query for e in events("admin.card_token")] == [card_number]


def test_cards_token_gives_the_same_url_for_the_same_print(runner: FlaskCliRunner, card_number: str) -> None:
    runner.invoke(args=["keys", "rotate"])
    first = runner.invoke(args=["cards", "token", card_number]).output
    assert runner.invoke(args=["cards", "token", card_number]).output == first


def test_cards_token_for_an_unknown_card_fails_clearly(runner: FlaskCliRunner, card_number: str) -> None:
    runner.invoke(args=["keys", "rotate"])
    result = runner.invoke(args=["cards", "token", "ZZ000000"])
    assert result.exit_code == 1
    assert "No card ZZ000000" in result.output


def test_cards_token_without_a_signing_key_says_to_rotate(runner: FlaskCliRunner, card_number: str) -> None:
    result = runner.invoke(args=["cards", "token", card_number])
    assert result.exit_code == 1
    assert "keys rotate" in result.output


def test_cards_token_refuses_a_revoked_card(runner: FlaskCliRunner, app: Flask, card_number: str) -> None:
    runner.invoke(args=["keys", "rotate"])
    with app.app_context():
        card = db.session.scalar(select(Card))
        assert card is not None
        card.status = CardStatus.REVOKED
        db.session.commit()
    result = runner.invoke(args=["cards", "token", card_number])
    assert result.exit_code == 1
    assert "revoked" in result.output


def test_cards_qr_writes_a_300_dpi_png(runner: FlaskCliRunner, card_number: str, tmp_path: Path) -> None:
    runner.invoke(args=["keys", "rotate"])
    out = tmp_path / "card.png"
    result = runner.invoke(args=["cards", "qr", card_number, "--out", str(out)])
    assert result.exit_code == 0, result.output
    image = Image.open(io.BytesIO(out.read_bytes()))
    assert image.format == "PNG"
    assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)


def test_cards_qr_writes_an_svg_sized_in_millimetres(runner: FlaskCliRunner, card_number: str, tmp_path: Path) -> None:
    runner.invoke(args=["keys", "rotate"])
    out = tmp_path / "card.svg"
    assert runner.invoke(args=["cards", "qr", card_number, "--out", str(out)]).exit_code == 0
    text = out.read_text()
    assert text.startswith("<svg") and 'width="26.08mm"' in text


def test_cards_qr_refuses_an_unknown_file_type(runner: FlaskCliRunner, card_number: str, tmp_path: Path) -> None:
    runner.invoke(args=["keys", "rotate"])
    out = tmp_path / "card.gif"
    result = runner.invoke(args=["cards", "qr", card_number, "--out", str(out)])
    assert result.exit_code == 2
    assert ".png or .svg" in result.output
    assert not out.exists()
