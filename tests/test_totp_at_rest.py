"""Issue 12 item 6, as the attack: someone with a copy of the database cannot read a TOTP secret from it.

The secrets are sealed with a key ring kept outside the database (app/totp_keys.py); rotating the key keeps every
enrolled user able to sign in; a sealed value changed in the database refuses sign-in without a 500.
"""

import json
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app, totp_keys
from app.config import ConfigError
from app.extensions import db
from tests.auth_support import TEST_TOTP_KEYS, audit_events, login_form
from tests.conftest import TEST_DATABASE_URL, make_app, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_factory import PRODUCTION
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)

V1 = "v1:" + "MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE="
V2 = "v2:" + "MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI="


def stored_secrets(app: Flask) -> dict[int, str]:
    """What a database dump holds in users.totp_secret, read past the model."""
    with app.app_context():
        rows = db.session.execute(text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()
    return {user_id: stored for user_id, stored in rows}


def one_character_changed(value: str, where: int) -> str:
    position = where % len(value)
    return value[:position] + ("A" if value[position] != "A" else "B") + value[position + 1 :]


def use_key_ring(app: Flask, keys: str) -> None:
    """As if the app restarted with TOTP_KEYS set to `keys`."""
    app.config["TOTP_KEYS"] = keys
    app.extensions.pop(totp_keys.EXTENSION, None)


def test_a_database_dump_holds_no_totp_secret_and_sign_in_still_works(app: Flask) -> None:
    with app.app_context():
        users = [make_user("admin") for _ in range(3)]
    stored = stored_secrets(app)
    assert len(stored) == 3
    for user in users:
        assert user.totp_secret is not None and user.totp_secret not in stored[user.id]
        assert stored[user.id].startswith("t1:")  # TEST_TOTP_KEYS
        assert sign_in(app.test_client(), user.email, totp_secret=user.totp_secret).headers["Location"] == "/"
    assert len(set(stored.values())) == 3


def test_outside_production_without_totp_keys_the_key_lives_in_a_0600_file_in_the_instance_folder(
    app_with: Callable[..., Flask],
) -> None:
    app = app_with(TOTP_KEYS="")
    with app.app_context():
        user = make_user("admin")
    key_file = Path(app.instance_path) / totp_keys.KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert totp_keys.parse(key_file.read_text()).newest_id == "v1"
    assert stored_secrets(app)[user.id].startswith("v1:")
    assert sign_in(app.test_client(), user.email, totp_secret=user.totp_secret).headers["Location"] == "/"


def test_a_key_rotation_keeps_every_enrolled_user_able_to_sign_in(app_with: Callable[..., Flask]) -> None:
    app = app_with(TOTP_KEYS=V1)
    with app.app_context():
        users = [make_user(role) for role in ("admin", "reviewer", "admin")]
    assert all(value.startswith("v1:") for value in stored_secrets(app).values())
    use_key_ring(app, f"{V2},{V1}")
    rotate = app.test_cli_runner().invoke(args=["users", "rotate-totp-key"])
    assert rotate.exit_code == 0, rotate.output
    assert "3 TOTP secret(s) now sealed with key v2" in rotate.output
    assert all(value.startswith("v2:") for value in stored_secrets(app).values())
    (event,) = audit_events(app, "admin.totp_key_rotation")
    assert json.loads(event.detail) == {"key": "v2", "secrets": 3, "via": "cli"}
    use_key_ring(app, V2)  # the old key has left the ring
    for user in users:
        assert sign_in(app.test_client(), user.email, totp_secret=user.totp_secret).headers["Location"] == "/"


def test_before_the_rotation_secrets_under_the_older_key_still_open(app_with: Callable[..., Flask]) -> None:
    app = app_with(TOTP_KEYS=V1)
    with app.app_context():
        user = make_user("admin")
    use_key_ring(app, f"{V2},{V1}")
    assert sign_in(app.test_client(), user.email, totp_secret=user.totp_secret).headers["Location"] == "/"


def test_a_rotation_that_cannot_open_a_secret_changes_nothing(app_with: Callable[..., Flask]) -> None:
    app = app_with(TOTP_KEYS=V1)
    with app.app_context():
        make_user("admin")
        make_user("admin")
    before = stored_secrets(app)
    use_key_ring(app, V2)  # v1 forgotten: neither secret opens
    rotate = app.test_cli_runner().invoke(args=["users", "rotate-totp-key"])
    assert rotate.exit_code == 1 and "nothing changed" in rotate.output
    assert stored_secrets(app) == before
    assert audit_events(app, "admin.totp_key_rotation") == []


@pytest.mark.parametrize("where", [5, -3])  # in the nonce, in the tag
def test_a_sealed_secret_changed_in_the_database_fails_closed(
    app: Flask, caplog: pytest.LogCaptureFixture, where: int
) -> None:
    with app.app_context():
        user = make_user("admin")
    changed = one_character_changed(stored_secrets(app)[user.id], where)
    with app.app_context():
        db.session.execute(text("UPDATE users SET totp_secret = :v WHERE id = :id"), {"v": changed, "id": user.id})
        db.session.commit()
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        assert client.post("/login", data=login_form(user.email, DEFAULT_PASSWORD)).headers["Location"] == "/login/code"
        response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code < 500
    assert client.get("/").status_code == 302  # not signed in
    assert f"user {user.id}: TOTP secret opens with no key" in caplog.text
    assert json.loads(audit_events(app, "auth.mfa")[-1].detail) == {"method": "totp", "reason": "secret_unreadable"}
    assert stored_secrets(app)[user.id] == changed  # nothing written over it


def test_the_right_code_for_a_changed_secret_is_still_refused(app: Flask) -> None:
    with app.app_context():
        user = make_user("admin")
        other = make_user("admin")
    stored = stored_secrets(app)
    with app.app_context():  # the attacker copies their own sealed secret onto the victim
        db.session.execute(
            text("UPDATE users SET totp_secret = :v WHERE id = :id"), {"v": "v9:" + stored[other.id][3:], "id": user.id}
        )
        db.session.commit()
    response = sign_in(app.test_client(), user.email, totp_secret=other.totp_secret)
    assert response.status_code < 500 and response.headers.get("Location") != "/"


def test_production_refuses_to_start_without_totp_keys() -> None:
    with pytest.raises(ConfigError, match="TOTP_KEYS"):
        create_app({**PRODUCTION, "TOTP_KEYS": ""})


@pytest.mark.parametrize(
    "keys",
    ["v1:c2hvcnQ=", "v1", "V1:" + TEST_TOTP_KEYS[3:], "v1:not base64!", f"{TEST_TOTP_KEYS},{TEST_TOTP_KEYS}", ","],
)
def test_production_refuses_to_start_with_a_malformed_key_ring(keys: str) -> None:
    with pytest.raises(ConfigError, match="TOTP"):
        create_app({**PRODUCTION, "TOTP_KEYS": keys})


@pytest.fixture
def shared_database_url(tmp_path: Path) -> str:
    """A database a second app sees too (each in-memory SQLite app has its own)."""
    return TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgresql") else f"sqlite:///{tmp_path / 'envoy.db'}"


@pytest.mark.parametrize("ring", [V2, "v1:" + V2[3:]], ids=["key-missing", "wrong-key-same-id"])
def test_production_refuses_to_start_with_a_ring_that_cannot_open_the_stored_secrets(
    app_with: Callable[..., Flask], shared_database_url: str, ring: str
) -> None:
    app = app_with(SQLALCHEMY_DATABASE_URI=shared_database_url, TOTP_KEYS=V1)
    with app.app_context():
        make_user("admin")
    with pytest.raises(ConfigError, match="TOTP_KEYS cannot open the stored TOTP secrets"):
        create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": shared_database_url, "TOTP_KEYS": ring})
    create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": shared_database_url, "TOTP_KEYS": f"{V2},{V1}"})


def test_one_changed_secret_does_not_stop_production_starting(
    app_with: Callable[..., Flask], shared_database_url: str
) -> None:
    app = app_with(SQLALCHEMY_DATABASE_URI=shared_database_url, TOTP_KEYS=V1)
    with app.app_context():
        users = [make_user("admin") for _ in range(3)]
    stored = stored_secrets(app)[users[0].id]
    with app.app_context():
        db.session.execute(
            text("UPDATE users SET totp_secret = :v WHERE id = :id"),
            {"v": one_character_changed(stored, -3), "id": users[0].id},
        )
        db.session.commit()
    create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": shared_database_url, "TOTP_KEYS": V1})


def test_production_with_the_wrong_key_refuses_every_code(app_with: Callable[..., Flask]) -> None:
    app = app_with(TOTP_KEYS=V1)
    with app.app_context():
        user = make_user("admin")
    use_key_ring(app, V2)
    response = sign_in(app.test_client(), user.email, totp_secret=user.totp_secret)
    assert response.status_code < 500 and response.headers.get("Location") != "/"


def test_the_migration_seals_existing_plain_secrets(empty_database_url: str) -> None:  # noqa: F811
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url, TOTP_KEYS=V1)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "75d7aefbffad"]).exit_code == 0
    plain = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    created = "2025-06-01 09:30:00+00:00"
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO agencies (id, name, created_at) VALUES (1, 'PD', '{created}')"))
            connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, agency_id, is_disabled, recent_failures, "
                    "created_at, password_changed_at, must_change_password, totp_secret) VALUES "
                    f"(1, 'a@pd.example.gov', 'x', 'admin', 1, false, '[]', '{created}', '{created}', false, "
                    f"'{plain}'), (2, 'b@pd.example.gov', 'x', 'officer', 1, false, '[]', '{created}', '{created}', "
                    "false, NULL)"
                )
            )
        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, totp_secret FROM users ORDER BY id")).all()
        sealed = rows[0][1]
        assert plain not in sealed and sealed.startswith("v1:") and rows[1][1] is None
        assert totp_keys.key_ring().open(sealed) == plain
        db.engine.dispose()
