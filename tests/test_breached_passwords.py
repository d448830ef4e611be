"""Issue 12 item 8: a password found in breaches, or an obvious variant of one, is refused wherever it is set.

The list is a sorted file of truncated hashes built from public breach lists (app/auth/breached.py,
tools/build_breached_passwords.py); the attack is the password everybody tries first, dressed up.
"""

import hashlib
import importlib.util
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from app import create_app
from app.auth import breached, passwords
from app.extensions import db
from app.models import User
from tests.auth_support import audit_events, reload_user
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.test_factory import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent
ATTACK = "P@ssw0rdP@ssw0rd"
EMAIL = "kim.lee@metro.example.gov"

# Entries of the two breach lists the shipped file is built from (not in Envoy's own list), from the top of the
# 10-million list to its millionth entry, and some found only in the SecLists lists.
LIST_SAMPLE = [
    "carrie",
    "blue23",
    "catering",
    "07012006",
    "yourmom123",
    "lozzy1",
    "vjht008",
    "hotmail0",
    "copiar",
    "c2nma13",
    "Tallek",
]
# Entries of those lists long enough to pass the length rule, refused by the list alone.
LONG_LIST_SAMPLE = [
    "qawsedrftgyhujik",
    "maddinibiza2004",
    "yankeeshopssucks",
    "vjhtrhsvdctcegth",
    "defaultpass1108",
    "gxsT3Q9n8jEk9Kd",
]
GOOD_PASSPHRASES = [
    "the night shift on river road ends when the amber lamps go out!!",
    DEFAULT_PASSWORD,
    "harbour lights over the quay",
    "lantern over the harbour wall",
    "seven blue herons cross the old canal at dawn",
    "Quiet radios, cold coffee & 3 flat tyres",
    "my badge number is not my password 2026",
    "ortolan pumice fjord treble",
]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_breached_passwords", ROOT / "tools" / "build_breached_passwords.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _count_users(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


# --- The rule -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        ATTACK,
        "password password password",
        "Password12345678!",
        "!!Dragon2024!!!!!",
        "M0nkeyM0nkeyM0nkey",
        "5uP3rM4n-5uP3rM4n",
        "1L0veY0u1L0veY0u",  # 1 read as i
        "P1ayb0yP1ayb0y!!",  # 1 read as l
        "ｐａｓｓｗｏｒｄｐａｓｓｗｏｒｄ",  # full-width letters
        "correct horse battery staple",  # the xkcd passphrase is in the breach lists
    ],
)
def test_a_listed_password_in_disguise_is_refused_as_breached(password: str) -> None:
    assert passwords.problems(password, email=EMAIL) == [passwords.LISTED]


def test_the_reason_says_what_is_wrong_and_what_to_do() -> None:
    assert passwords.LISTED == (
        "This password is on the list of passwords found in breaches or commonly used; choose another."
    )


@pytest.mark.parametrize("password", LIST_SAMPLE + LONG_LIST_SAMPLE)
def test_a_sample_of_the_breach_lists_is_on_the_shipped_list_whatever_the_case(password: str) -> None:
    assert breached.is_listed(password)
    assert breached.is_listed(password.upper())


@pytest.mark.parametrize("password", LONG_LIST_SAMPLE)
def test_a_long_breached_password_is_refused_by_the_list_alone(password: str) -> None:
    assert passwords.problems(password, email=EMAIL) == [passwords.LISTED]


@pytest.mark.parametrize("passphrase", GOOD_PASSPHRASES)
def test_good_passphrases_are_not_taken_for_breached_ones(passphrase: str) -> None:
    assert passwords.problems(passphrase, email=EMAIL) == []


def test_a_64_character_passphrase_with_spaces_is_still_accepted() -> None:
    passphrase = "the night shift on river road ends when the amber lamps go out!!"
    assert len(passphrase) == 64 and " " in passphrase
    assert passwords.problems(passphrase, email=EMAIL) == []


@pytest.mark.parametrize("password", ["?{'^=4.\"\\dV33_*9", "98@Sh0m@R:.7=)(!"])
def test_a_random_string_with_a_short_word_inside_many_marks_is_not_a_decorated_word(password: str) -> None:
    """The cores ("dv", "shomar") are listed, but nobody decorates a word with seven different marks."""
    assert passwords.problems(password, email=EMAIL) == []


def test_a_password_made_of_one_repeated_word_is_looked_up_as_that_word() -> None:
    assert "password" in breached.forms(ATTACK)
    assert "harbour" in breached.forms("harbour harbour harbour")
    assert breached.forms("harbour lights over the quay") == ["harbour lights over the quay"]


# --- Where a password is set ------------------------------------------------------------------------------


def test_the_cli_refuses_to_create_a_user_with_a_breached_password(app: Flask, runner: FlaskCliRunner) -> None:
    args = ["users", "create", "sam.ortiz@metro.example.gov", "--role", "officer", "--agency", "Metro Police"]
    result = runner.invoke(args=args, input=ATTACK + "\n")
    assert result.exit_code == 1
    assert "found in breaches" in result.output and "nothing was changed" in result.output
    assert _count_users(app) == 0


def test_the_admin_page_refuses_to_create_a_user_with_a_breached_password(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as("admin")
    form = {"email": "dana.cruz@county.example.gov", "role": "officer", "agency": "County", "password": ATTACK}
    response = client.post("/admin/users", data=form)
    assert response.status_code == 400
    errors = response.get_data(as_text=True).split('<div id="password-errors">', 1)[1].split("</div>", 1)[0]
    assert "found in breaches or commonly used" in errors
    assert _count_users(app) == 1  # the admin only
    assert audit_events(app, "admin.user_create") == []


def _change(client: FlaskClient, current: str, new: str) -> str:
    form = {"current_password": current, "new_password": new, "confirm_password": new}
    response = client.post("/account/password", data=form)
    assert response.status_code == 422
    return response.get_data(as_text=True)


def test_a_password_change_to_a_breached_password_is_refused_and_nothing_changes(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        officer = make_user("officer")
    sign_in(client, officer.email)
    assert "found in breaches or commonly used" in _change(client, DEFAULT_PASSWORD, ATTACK)
    assert passwords.verify_password(reload_user(app, officer.id).password_hash, DEFAULT_PASSWORD)
    [event] = audit_events(app, "auth.password_change")
    assert event.outcome == "rejected" and ATTACK not in event.detail


def test_the_first_sign_in_cannot_replace_a_temporary_password_with_a_breached_one(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        officer = make_user("officer", must_change_password=True)
    sign_in(client, officer.email)
    assert client.get("/lookup").headers["Location"] == "/account/password?next=/lookup"
    assert "found in breaches or commonly used" in _change(client, DEFAULT_PASSWORD, ATTACK)
    assert reload_user(app, officer.id).must_change_password is True
    assert client.get("/lookup").headers["Location"] == "/account/password?next=/lookup"


# --- The shipped file and its sources ---------------------------------------------------------------------


def _manifest() -> dict:
    return json.loads((breached.FILE.parent / "breached-passwords.json").read_text(encoding="utf-8"))


def test_the_shipped_file_is_the_one_its_manifest_describes() -> None:
    manifest = _manifest()
    data = breached.FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"] and len(data) == manifest["bytes"]
    assert len(breached.shipped()) == manifest["entries"] > 1_000_000
    assert [s.get("package") for s in manifest["sources"]] == [s.package for s in _tool().SOURCES] + [None]
    assert all(s["licence"] and s["sha256"] for s in manifest["sources"])


def test_the_shipped_file_was_rebuilt_after_envoys_own_list_last_changed() -> None:
    tool = _tool()
    [local] = [s for s in _manifest()["sources"] if s["file"] == "app/auth/data/common-passwords.txt"]
    assert local["sha256"] == tool.sha256_of(tool.LOCAL_LIST), "rebuild: python tools/build_breached_passwords.py"
    missing = [p for p in tool.read_list(tool.LOCAL_LIST) if p.lower() not in breached.shipped()]
    assert missing == []


def test_the_list_is_dated_and_the_readme_says_how_to_refresh_it_every_quarter() -> None:
    built = date.fromisoformat(_manifest()["built"])
    assert built >= date(2026, 12, 2)
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The breached-password list", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert "every quarter" in section.lower() and "tools/build_breached_passwords.py" in section
    assert f"{_manifest()['entries']:,} entries in {_manifest()['bytes']:,} bytes" in section


def test_a_list_older_than_a_quarter_is_flagged_and_a_fresh_one_is_not() -> None:
    built = breached.built_on()
    assert built == date.fromisoformat(_manifest()["built"])
    assert breached.staleness(built + timedelta(days=92)) is None
    stale = breached.staleness(built + timedelta(days=93))
    assert stale is not None and "93 days ago" in stale and "tools/build_breached_passwords.py" in stale


def test_the_admins_alerts_page_says_when_the_list_is_stale(
    client: FlaskClient, login_as: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    login_as("admin")
    assert "data-stale-breached-list" not in client.get("/admin/alerts").get_data(as_text=True)
    monkeypatch.setattr(breached, "built_on", lambda: datetime.now(UTC).date() - timedelta(days=100))
    page = client.get("/admin/alerts").get_data(as_text=True)
    assert "data-stale-breached-list" in page and "100 days ago" in page


def test_production_warns_at_start_when_the_list_is_stale(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="envoy.startup"):
        create_app(PRODUCTION)
        assert not [r for r in caplog.records if r.name == "envoy.startup"]
        monkeypatch.setattr(breached, "built_on", lambda: datetime.now(UTC).date() - timedelta(days=200))
        create_app(PRODUCTION)
    (warning,) = [r for r in caplog.records if r.name == "envoy.startup"]
    assert warning.levelno == logging.WARNING and "200 days ago" in warning.getMessage()


TINY = "# a comment, not a password\nDragon\nhunter2\n\nhunter2\ncorrect horse battery staple\n"
# The bytes the format gives for TINY; it changes only with the format (then rebuild the shipped file).
TINY_SHA256 = "ed06bbf8f8a5f06b336992dc87c54cb9a0fa2a647a345c8162f93249a585b723"


def test_the_build_is_deterministic_and_finds_exactly_its_lists_entries(tmp_path: Path) -> None:
    tool = _tool()
    (tmp_path / "a.txt").write_text(TINY, encoding="utf-8")
    (tmp_path / "b.txt").write_text("\n".join(reversed(TINY.splitlines())), encoding="utf-8")
    assert tool.main(["--list", str(tmp_path / "a.txt"), "--out", str(tmp_path / "a.bin")]) == 0
    assert tool.main(["--list", str(tmp_path / "b.txt"), "--out", str(tmp_path / "b.bin")]) == 0
    data = (tmp_path / "a.bin").read_bytes()
    assert data == (tmp_path / "b.bin").read_bytes()
    assert len(data) == breached.ENTRIES_AT + 3 * breached.REMAINDER_BYTES
    assert hashlib.sha256(data).hexdigest() == TINY_SHA256
    built = breached.HashList.from_bytes(data)
    assert len(built) == 3
    assert all(p in built for p in ("dragon", "DRAGON", "hunter2", "correct horse battery staple"))
    assert not any(p in built for p in ("# a comment, not a password", "dragon2", "hunter", "", "password"))
    assert breached.is_listed("D.R.A.G.O.N. dragon dragon!!", built) is False  # not one word repeated
    assert breached.is_listed("Dr@g0nDr@g0nDr@g0n", built)


def test_a_cut_short_or_foreign_file_is_refused_not_half_read() -> None:
    data = breached.encode(["dragon", "hunter2"])
    with pytest.raises(breached.ListFormatError):
        breached.HashList.from_bytes(data[:-1])
    with pytest.raises(breached.ListFormatError):
        breached.HashList.from_bytes(b"NOTALIST" + data[8:])


@pytest.fixture
def fresh_list() -> Iterator[None]:
    breached.shipped.cache_clear()
    yield
    breached.shipped.cache_clear()


def test_the_list_is_read_once_per_process_at_the_first_check_and_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_list: None
) -> None:
    copy = tmp_path / "breached-passwords.bin"
    shutil.copyfile(breached.FILE, copy)
    monkeypatch.setattr(breached, "FILE", copy)
    started = time.perf_counter()
    assert passwords.problems(ATTACK) == [passwords.LISTED]
    assert time.perf_counter() - started < 1.0  # about 3 ms here: one read of a 4 MB file, nothing parsed
    copy.unlink()
    assert passwords.problems("Password12345678!") == [passwords.LISTED]
