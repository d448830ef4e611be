"""The card-signing key ring: storage, rotation overlap (T24), withdrawal, the environment key, the JWKS."""

import stat
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cards import keyring, tokens
from app.cards.tokens import KeyRingError, KeyStatus, Reason, TokenError
from app.extensions import db
from app.models import SigningKey
from tests.cards.support import events, token_for
from tests.factories import make_card

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CARD = "DA100001"
EXPIRES = date(2028, 6, 30)


def _row(kid: str) -> SigningKey:
    row = db.session.scalar(select(SigningKey).where(SigningKey.kid == kid))
    assert row is not None
    return row


def test_rotate_stores_only_the_public_key_and_writes_the_private_one_with_mode_0600(
    ctx: Flask, instance: Path
) -> None:
    rotation = keyring.rotate(NOW)
    row = _row(rotation.kid)
    assert row.status is KeyStatus.ACTIVE
    assert "PUBLIC KEY" in row.public_pem and "PRIVATE" not in row.public_pem
    path = instance / "keys" / f"{rotation.kid}.pem"
    assert rotation.key_file == path
    assert b"PRIVATE KEY" in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_no_column_of_the_key_table_holds_private_material(ctx: Flask) -> None:
    rotation = keyring.rotate(NOW)
    row = _row(rotation.kid)
    values = [str(getattr(row, column.key)) for column in SigningKey.__table__.columns]
    private = (Path(ctx.instance_path) / "keys" / f"{rotation.kid}.pem").read_text()
    body = "".join(private.splitlines()[1:-1])
    assert not any("PRIVATE" in value or body[:40] in value for value in values)


def test_second_rotation_retires_the_previous_key_until_the_last_card_expires(ctx: Flask, instance: Path) -> None:
    make_card(expires_on=date(2029, 3, 31))
    make_card(expires_on=date(2027, 1, 1))
    db.session.commit()
    first = keyring.rotate(NOW).kid
    second = keyring.rotate(NOW + timedelta(days=90))
    old = _row(first)
    assert second.retired_kid == first
    assert old.status is KeyStatus.RETIRED
    assert old.retired_at == NOW + timedelta(days=90)
    assert old.not_after == datetime(2029, 3, 31, 23, 59, 59, tzinfo=UTC) + keyring.RETIRED_GRACE
    assert _row(second.kid).status is KeyStatus.ACTIVE
    assert not (instance / "keys" / f"{first}.pem").exists()


def test_rotation_is_audited(ctx: Flask) -> None:
    first = keyring.rotate(NOW).kid
    second = keyring.rotate(NOW).kid
    logged = events("admin.key_rotate")
    assert [e.record_ids for e in logged] == [f"key:{first}", f"key:{second},key:{first}"]
    assert all(e.user_email and e.user_email.startswith("cli:") for e in logged)


def test_a_card_signed_by_a_retired_key_still_verifies_and_new_cards_use_the_new_key(ctx: Flask) -> None:
    old_kid = keyring.rotate(NOW).kid
    old_token = token_for(CARD, EXPIRES, NOW)
    new_kid = keyring.rotate(NOW + timedelta(days=1)).kid
    new_token = token_for(CARD, EXPIRES, NOW + timedelta(days=1))
    ring = keyring.load_ring()
    assert tokens.verify(old_token, ring, NOW + timedelta(days=2)).kid == old_kid
    assert tokens.verify(new_token, ring, NOW + timedelta(days=2)).kid == new_kid


def test_a_retired_key_stops_verifying_after_its_not_after(ctx: Flask) -> None:
    make_card(card_number=CARD, expires_on=EXPIRES)
    db.session.commit()
    keyring.rotate(NOW)
    old_token = token_for(CARD, EXPIRES, NOW)
    keyring.rotate(NOW)
    later = datetime(2028, 6, 30, 23, 59, 59, tzinfo=UTC) + keyring.RETIRED_GRACE + timedelta(seconds=1)
    with pytest.raises(TokenError) as error:
        tokens.verify(old_token, keyring.load_ring(), later)
    assert error.value.reason is Reason.KEY_WITHDRAWN


def test_a_token_from_a_key_not_yet_in_the_ring_is_an_unknown_key(ctx: Flask) -> None:
    keyring.rotate(NOW)
    stranger = tokens.generate_key("zz999")
    token = tokens.issue(CARD, EXPIRES, tokens.KeyRing([stranger]), NOW)
    with pytest.raises(TokenError) as error:
        tokens.verify(token, keyring.load_ring(), NOW)
    assert error.value.reason is Reason.UNKNOWN_KEY


def test_withdrawing_a_key_stops_its_cards_at_once_even_with_a_cached_ring(ctx: Flask, instance: Path) -> None:
    kid = keyring.rotate(NOW).kid
    token = token_for(CARD, EXPIRES, NOW)
    assert tokens.verify(token, keyring.load_ring(), NOW).kid == kid  # the ring is now cached
    keyring.withdraw(kid, NOW + timedelta(minutes=5))
    with pytest.raises(TokenError) as error:
        tokens.verify(token, keyring.load_ring(), NOW + timedelta(minutes=6))
    assert error.value.reason is Reason.KEY_WITHDRAWN
    assert _row(kid).withdrawn_at == NOW + timedelta(minutes=5)
    assert not (instance / "keys" / f"{kid}.pem").exists()
    assert [e.record_ids for e in events("admin.key_withdraw")] == [f"key:{kid}"]


def test_withdrawing_the_active_key_leaves_nothing_to_sign_with(ctx: Flask) -> None:
    kid = keyring.rotate(NOW).kid
    keyring.withdraw(kid, NOW)
    with pytest.raises(KeyRingError, match="no active signing key"):
        keyring.signing_ring()


def test_withdrawing_an_unknown_or_withdrawn_key_is_refused(ctx: Flask) -> None:
    kid = keyring.rotate(NOW).kid
    with pytest.raises(keyring.KeyAdminError, match="no key"):
        keyring.withdraw("nope1", NOW)
    keyring.withdraw(kid, NOW)
    with pytest.raises(keyring.KeyAdminError, match="already withdrawn"):
        keyring.withdraw(kid, NOW)


def test_the_ring_is_cached_until_the_key_table_changes(ctx: Flask) -> None:
    keyring.rotate(NOW)
    first = keyring.load_ring()
    assert keyring.load_ring() is first
    keyring.rotate(NOW)
    assert keyring.load_ring() is not first


def test_the_verification_ring_holds_no_private_key(ctx: Flask) -> None:
    kid = keyring.rotate(NOW).kid
    key = keyring.load_ring().get(kid)
    assert key is not None and key.private_pem is None


def test_the_database_refuses_a_second_active_key(ctx: Flask) -> None:
    keyring.rotate(NOW)
    other = tokens.generate_key("other")
    db.session.add(SigningKey(kid="other", public_pem=other.public_pem.decode(), status=KeyStatus.ACTIVE))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_private_key_file_readable_by_others_is_refused_for_signing(ctx: Flask, instance: Path) -> None:
    kid = keyring.rotate(NOW).kid
    (instance / "keys" / f"{kid}.pem").chmod(0o644)
    with pytest.raises(KeyRingError, match="chmod 600"):
        keyring.signing_ring()


def test_a_missing_private_key_does_not_stop_verification(ctx: Flask, instance: Path) -> None:
    kid = keyring.rotate(NOW).kid
    token = token_for(CARD, EXPIRES, NOW)
    (instance / "keys" / f"{kid}.pem").unlink()
    assert tokens.verify(token, keyring.load_ring(), NOW).kid == kid
    with pytest.raises(KeyRingError, match="not here"):
        keyring.signing_ring()


def test_the_active_private_key_can_come_from_the_environment(ctx: Flask, instance: Path) -> None:
    key = tokens.generate_key("prod1")
    assert key.private_pem is not None
    ctx.config[keyring.ENV_KID] = "prod1"
    # One line with literal \n, as environment files carry it.
    ctx.config[keyring.ENV_PEM] = key.private_pem.decode().replace("\n", "\\n")
    rotation = keyring.rotate(NOW, from_environment=True)
    assert rotation.kid == "prod1" and rotation.key_file is None
    assert not (instance / "keys").exists()
    assert _row("prod1").public_pem == key.public_pem.decode()
    token = token_for(CARD, EXPIRES, NOW)
    assert tokens.verify(token, keyring.load_ring(), NOW).kid == "prod1"


def test_adopting_an_environment_key_that_is_not_p256_is_refused(ctx: Flask) -> None:
    ctx.config[keyring.ENV_KID] = "prod1"
    ctx.config[keyring.ENV_PEM] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    with pytest.raises(keyring.KeyAdminError, match="not an unencrypted PEM"):
        keyring.rotate(NOW, from_environment=True)
    assert db.session.scalar(select(SigningKey)) is None


def test_list_keys_shows_status_and_where_the_private_key_is(ctx: Flask) -> None:
    first = keyring.rotate(NOW).kid
    second = keyring.rotate(NOW).kid
    listed = {k.kid: k for k in keyring.list_keys()}
    assert listed[first].status is KeyStatus.RETIRED and not listed[first].private_here
    assert listed[second].status is KeyStatus.ACTIVE and listed[second].private_here


def test_loading_the_ring_costs_well_under_a_millisecond_when_nothing_changed(ctx: Flask) -> None:
    keyring.rotate(NOW)
    keyring.load_ring()
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        keyring.load_ring()
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.005  # generous for slow CI; measured ~0.1 ms on SQLite (see bench/verify_scan.py)


# --- The JWKS -------------------------------------------------------------------------------------


def test_jwks_is_public_and_has_no_private_parts(client: FlaskClient, ctx: Flask) -> None:
    kid = keyring.rotate(NOW).kid
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    (entry,) = response.get_json()["keys"]
    assert entry["kid"] == kid
    assert set(entry) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert "d" not in entry


def test_a_token_verifies_with_the_key_from_the_jwks(client: FlaskClient, ctx: Flask) -> None:
    keyring.rotate(NOW)
    token = token_for(CARD, EXPIRES, datetime.now(UTC) - timedelta(minutes=1))
    keys = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").get_json())
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid].key, algorithms=["ES256"])
    assert claims["cid"] == CARD


def test_jwks_lists_retired_keys_but_not_withdrawn_ones(client: FlaskClient, ctx: Flask) -> None:
    first = keyring.rotate(datetime.now(UTC)).kid
    second = keyring.rotate(datetime.now(UTC)).kid
    third = keyring.rotate(datetime.now(UTC)).kid
    keyring.withdraw(second, datetime.now(UTC))
    kids = {entry["kid"] for entry in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert kids == {first, third}
