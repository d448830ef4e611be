"""Registry photos are personal data (issue 12 item 4): served only through an unguessable address tied to the
result its user was shown, every fetch audited and rate-limited. The tests are written as the attacks."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.cards import keyring, tokens
from app.extensions import db
from app.lookup import photo_refs
from app.models import AuditEvent, User
from app.registry.interchange import import_folder
from tests.conftest import sign_in
from tests.factories import JPEG_BYTES, make_api_token, make_user, write_small_registry

PHOTO_SRC = re.compile(r'<img class="photo" src="([^"]+)"')


def _import(app: Flask, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    app.instance_path = str(instance)
    with app.app_context():
        import_folder(write_small_registry(tmp_path / "registry"), instance)


@pytest.fixture
def imported(app: Flask, tmp_path: Path) -> None:
    _import(app, tmp_path)


def _photo_address(client: FlaskClient, q: str = "DA100001") -> str:
    """Look up a card as an officer does and return the address of the photo on the result."""
    page = client.post("/lookup", data={"q": q, "kind": "card"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    found = PHOTO_SRC.findall(page.get_data(as_text=True))
    assert len(found) == 1, "the result shows one photo"
    assert "data-no-photo" not in page.get_data(as_text=True)
    return found[0]


def _photo_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == "lookup.photo").order_by(AuditEvent.id)
        return list(db.session.scalars(query))


def _detail(event: AuditEvent) -> dict[str, str]:
    return json.loads(event.detail)


def _is_the_photo(response: TestResponse) -> bool:
    """The registry's JPEG; the response is closed (send_file leaves the file open until then)."""
    with response:
        return response.status_code == 200 and response.data == JPEG_BYTES and response.mimetype == "image/jpeg"


def test_the_result_shows_the_photo_at_an_unguessable_address_and_the_fetch_is_audited(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    officer = login_as("officer")
    address = _photo_address(client)
    assert address.startswith("/photos/") and len(address) > 60  # a signed reference, not /photos/P1
    with client.get(address) as photo:
        assert _is_the_photo(photo)
        assert "no-store" in photo.headers["Cache-Control"]
    [event] = _photo_events(app)
    assert (event.outcome, event.record_ids, event.user_id) == ("ok", "person:P1", officer.id)
    with app.app_context():
        lookup = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lookup.card")).one()
    assert _detail(event)["rid"] == _detail(lookup)["rid"]  # the fetch names the result it was shown in


def test_the_result_page_after_the_redirect_and_the_card_scan_carry_working_photo_addresses(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    login_as("dispatcher")
    page = client.post("/dispatch", data={"q": "DA100001", "kind": "card"}, follow_redirects=True)
    [address] = PHOTO_SRC.findall(page.get_data(as_text=True))
    assert _is_the_photo(client.get(address))
    with app.app_context():
        keyring.rotate(datetime.now(UTC))
        token = tokens.issue("DA100001", datetime(2028, 9, 15).date(), keyring.signing_ring(), datetime.now(UTC))
    scan = client.get(f"/v/{token}")
    assert scan.status_code == 200
    [scanned] = PHOTO_SRC.findall(scan.get_data(as_text=True))
    assert scanned != address and _is_the_photo(client.get(scanned))


def test_sequential_person_ids_no_longer_serve_photos_and_each_try_is_audited(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    login_as("officer")
    for person_id in ("P1", "P2", "P0000001", "NOBODY"):
        assert client.get(f"/photos/{person_id}").status_code == 404
    events = _photo_events(app)
    assert [(e.outcome, _detail(e)["reason"]) for e in events] == [("refused", "malformed")] * 4


def test_a_tampered_address_is_refused(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    officer = login_as("officer")
    address = _photo_address(client)
    payload, _, signature = address.rpartition(".")
    # The first character, not the last: the last base64 character of a 32-byte signature carries 2 padding bits,
    # so changing only those leaves the decoded signature, and the address, valid.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert client.get(f"{payload}.{flipped}").status_code == 404
    with app.app_context():
        other_person = photo_refs.make(officer.id, "P2", "rid")
    assert client.get(f"/photos/{other_person.rpartition('.')[0]}.{signature}").status_code == 404
    app.config["SECRET_KEY"] = "another-key-" + "x" * 32
    assert client.get(address).status_code == 404  # a new SECRET_KEY ends every address made with the old one
    events = _photo_events(app)
    assert [(e.outcome, _detail(e)["reason"]) for e in events] == [("refused", "malformed")] * 3


def test_officer_bs_session_cannot_open_officer_as_photo_address(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    login_as("officer")
    address = _photo_address(client)
    other = app.test_client()
    login_as("officer", client=other)
    refused = other.get(address)
    assert refused.status_code == 404
    assert _is_the_photo(client.get(address))  # still good for the officer who was shown it
    refusal = _photo_events(app)[0]
    assert (refusal.outcome, _detail(refusal)["reason"], refusal.record_ids) == ("refused", "other_user", "person:P1")


def test_an_address_older_than_12_hours_is_refused(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    officer = login_as("officer")
    now = datetime.now(UTC)
    with app.app_context():
        with time_machine.travel(now - timedelta(hours=11, minutes=59), tick=False):
            recent = photo_refs.make(officer.id, "P1", "rid-recent")
        with time_machine.travel(now - timedelta(hours=12, minutes=1), tick=False):
            old = photo_refs.make(officer.id, "P1", "rid-old")
    assert _is_the_photo(client.get(f"/photos/{recent}"))
    assert client.get(f"/photos/{old}").status_code == 404
    refusal = _photo_events(app)[-1]
    assert (refusal.outcome, _detail(refusal)["reason"]) == ("refused", "expired")


def test_a_person_without_a_photo_gets_no_photo_address(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    officer = login_as("officer")
    page = client.post("/lookup", data={"q": "DTL0001", "kind": "plate"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    with app.app_context():
        no_photo = photo_refs.make(officer.id, "P2", "rid")
    assert client.get(f"/photos/{no_photo}").status_code == 404
    assert _detail(_photo_events(app)[-1])["reason"] == "no_photo"


def test_photos_are_not_served_to_anonymous_visitors(app: Flask, client: FlaskClient, imported: None) -> None:
    with app.app_context():
        ref = photo_refs.make(1, "P1", "rid")
    response = client.get(f"/photos/{ref}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_300_photo_fetches_leave_300_audit_events_and_then_a_429(
    app_with: Callable[..., Flask], tmp_path: Path
) -> None:
    app = app_with(RATELIMIT_ENABLED=True, PHOTO_RATE_PER_USER="300/hour", PHOTO_RATE_PER_IP="1000/hour")
    _import(app, tmp_path)
    with app.app_context():
        user = make_user("officer")
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    address = _photo_address(client)
    assert all(_is_the_photo(client.get(address)) for _ in range(300))
    assert len(_photo_events(app)) == 300
    limited = client.get(address)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    assert len(_photo_events(app)) == 300  # the refused fetch is not served; the breach is audited instead
    with app.app_context():
        breaches = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ratelimit.exceeded")).all()
    assert [_detail(b)["scope"] for b in breaches] == ["photo-user"]
    assert client.post("/lookup", data={"q": "DA100001", "kind": "card"}).status_code == 303  # lookups go on


def test_photo_fetches_from_one_address_are_limited_across_its_users(
    app_with: Callable[..., Flask], tmp_path: Path
) -> None:
    app = app_with(RATELIMIT_ENABLED=True, PHOTO_RATE_PER_USER="100/hour", PHOTO_RATE_PER_IP="3/hour")
    _import(app, tmp_path)
    clients = []
    for _ in range(2):
        with app.app_context():
            user = make_user("officer")
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        clients.append((client, _photo_address(client)))
    (alice, alice_photo), (bob, bob_photo) = clients
    assert [_is_the_photo(alice.get(alice_photo)) for _ in range(2)] == [True, True]
    assert _is_the_photo(bob.get(bob_photo))
    assert bob.get(bob_photo).status_code == 429


# --- The API ---------------------------------------------------------------------------------------------------


def test_api_answers_carry_photo_addresses_that_work_with_the_bearer_token_only(
    app: Flask, client: FlaskClient, imported: None
) -> None:
    with app.app_context():
        alice, bob = make_user("dispatcher"), make_user("dispatcher")
        alice_token = {"Authorization": f"Bearer {make_api_token(alice)}"}
        bob_token = {"Authorization": f"Bearer {make_api_token(bob)}"}
    answer = client.get("/api/v1/cards/DA100001", headers=alice_token)
    assert answer.status_code == 200
    address = answer.json["persons"][0]["photo_url"]
    assert address.startswith("/api/v1/photos/")
    with client.get(address, headers=alice_token) as photo:
        assert _is_the_photo(photo) and "no-store" in photo.headers["Cache-Control"]
    assert client.get(address).status_code == 401
    refused = client.get(address, headers=bob_token)
    assert (refused.status_code, refused.json["error"]) == (404, "not_found")
    assert client.get("/api/v1/photos/P1", headers=alice_token).status_code == 404
    ok, other = _photo_events(app)[-3], _photo_events(app)[-2]
    assert (ok.outcome, ok.record_ids, ok.user_id) == ("ok", "person:P1", alice.id)
    assert _detail(ok)["via"].startswith("api_token:")
    assert (other.outcome, _detail(other)["reason"], other.user_id) == ("refused", "other_user", bob.id)
    with app.app_context():
        lookup = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lookup.card")).one()
    assert _detail(ok)["rid"] == _detail(lookup)["rid"]
