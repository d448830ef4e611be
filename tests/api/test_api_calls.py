"""The JSON API's calls (issue 11, "Done when"): lookups, scans, incidents, their refusals, and the accounting."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.api import answers
from app.api import services as api_services
from app.cards import keyring, tokens
from app.extensions import db
from app.incidents import service
from app.models import AuditEvent, Card, Incident, User
from app.registry.seed import DEMO_CASES, seed_demo
from tests.conftest import sign_in
from tests.factories import make_api_token, make_user

pytestmark = pytest.mark.usefixtures("demo")

Bearer = Callable[[str], dict[str, str]]


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def scan_of(app: Flask, card_number: str, iat: datetime | None = None) -> str:
    """What the card's QR code holds: BASE_URL/v/<token>, signed by the active key."""
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == card_number)).one()
        # An expired card's code was printed while it was valid.
        printed = min(
            datetime.now(UTC), datetime.combine(card.expires_on, datetime.min.time(), UTC) - timedelta(days=30)
        )
        token = tokens.issue(card.card_number, card.expires_on, keyring.signing_ring(), iat or printed)
    return f"{app.config['BASE_URL']}/v/{token}"


def incident_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "traffic",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "place": "Massachusetts Ave NW",
        "state": "DC",
        "narrative": "Drove through a red light at speed; stopped and released.",
        "actions_taken": ["released"],
        "plate": DEMO_CASES["diplomat_car"],
    }
    body.update(changes)
    return body


# --- Lookups --------------------------------------------------------------------------------------------------


def test_a_dispatchers_token_looks_up_a_plate(client: FlaskClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/plates/DWJ1204", headers=bearer("dispatcher"))
    assert response.status_code == 200
    answer = response.json
    assert answer["query"] == {"kind": "plate", "text": "DWJ1204"}
    assert answer["vehicle"]["plate"] == "DWJ1204"
    assert answer["hint"]["layout"] == "washington"
    (person,) = answer["persons"]
    assert person["verdict"]["level"] == "full"
    assert person["verdict"]["answers"]["arrest_or_detention"] == "no"
    assert person["contacts"] and person["card"]["number"] == "ZZ000001"
    assert answer["data_as_of"].endswith("Z")


def test_a_dispatchers_token_looks_up_a_card_with_its_driving_record(client: FlaskClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/cards/ZZ000003", headers=bearer("dispatcher"))
    assert response.status_code == 200
    (person,) = response.json["persons"]
    assert person["verdict"]["level"] == "official_acts"
    assert person["driving"]["status"] == "review" and person["driving"]["points"] == 9


def test_a_card_number_is_read_as_printed_with_spaces_and_hyphens(client: FlaskClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/cards/zz-000 001", headers=bearer("officer"))
    assert response.status_code == 200
    assert response.json["query"] == {"kind": "card", "text": "ZZ000001"}


def test_a_missed_plate_is_404_with_the_hint_and_near_matches(client: FlaskClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/plates/DWJ12O4", headers=bearer("dispatcher"))
    assert response.status_code == 404
    assert response.json["error"] == "not_found" and "DWJ12O4" in response.json["message"]
    assert "DWJ1204" in response.json["suggestions"]
    assert response.json["query"] == {"kind": "plate", "text": "DWJ12O4"}
    assert "hint" in response.json


def test_a_plate_in_another_alphabet_is_400_saying_which_letter(client: FlaskClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/plates/DWJ12\u041e4", headers=bearer("dispatcher"))  # Cyrillic O
    assert response.status_code == 400
    assert response.json["error"] == "invalid_query" and "Cyrillic" in response.json["message"]


def test_a_too_long_plate_is_400(client: FlaskClient, bearer: Bearer) -> None:
    response = client.get("/api/v1/plates/ABCDEFGHIJKL", headers=bearer("dispatcher"))
    assert response.status_code == 400 and response.json["error"] == "invalid_query"


def test_each_lookup_is_audited_like_the_web_lookup_and_names_the_api_token(
    app: Flask, client: FlaskClient, bearer: Bearer
) -> None:
    client.get("/api/v1/plates/DWJ1204", headers=bearer("dispatcher"))
    (event,) = events(app, "lookup.plate")
    assert event.outcome == "hit" and event.query == "DWJ1204" and event.user_role == "dispatcher"
    assert json.loads(event.detail)["via"].startswith("api_token:")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"plate": "DWJ1204"}, "/api/v1/plates/DWJ1204"),
        ({"card_number": "zz-000 003"}, "/api/v1/cards/zz-000 003"),
        ({"plate": "DWJ12O4"}, "/api/v1/plates/DWJ12O4"),
        ({"plate": "DWJ12\u041e4"}, "/api/v1/plates/DWJ12\u041e4"),
        ({"plate": "ABCDEFGHIJKL"}, "/api/v1/plates/ABCDEFGHIJKL"),
    ],
)
def test_a_lookup_posted_in_the_body_answers_as_the_get_call_does_with_the_plate_kept_out_of_the_address(
    app: Flask, client: FlaskClient, bearer: Bearer, body: dict[str, str], path: str
) -> None:
    """Security bar P4: a plate in an address stays in every proxy's log; the body does not."""
    headers = bearer("dispatcher")
    posted = client.post("/api/v1/lookups", json=body, headers=headers)
    got = client.get(path, headers=headers)
    assert posted.status_code == got.status_code
    same = {key: value for key, value in posted.json.items() if key not in ("persons",)}
    assert same == {key: value for key, value in got.json.items() if key not in ("persons",)}
    assert [p["verdict"] for p in posted.json.get("persons", [])] == [p["verdict"] for p in got.json.get("persons", [])]
    first, second = events(app, "lookup.plate") + events(app, "lookup.card") or [None, None]
    if first is not None:
        assert (first.outcome, first.query) == (second.outcome, second.query)  # audited alike


@pytest.mark.parametrize(
    "body",
    [{}, {"plate": "DWJ1204", "card_number": "ZZ000001"}, {"plate": ""}, {"plate": "A" * 65}, {"plate": 7}],
)
def test_a_lookup_body_with_neither_both_or_a_bad_field_is_400_and_looks_nothing_up(
    app: Flask, client: FlaskClient, bearer: Bearer, body: dict[str, object]
) -> None:
    response = client.post("/api/v1/lookups", json=body, headers=bearer("dispatcher"))
    assert response.status_code == 400 and response.json["error"] == "invalid_request"
    assert events(app, "lookup.plate") == events(app, "lookup.card") == []


# --- Verify ---------------------------------------------------------------------------------------------------


def test_a_dispatchers_token_verifies_a_qr_token(app: Flask, client: FlaskClient, bearer: Bearer) -> None:
    response = client.post("/api/v1/verify", json={"token": scan_of(app, "ZZ000001")}, headers=bearer("dispatcher"))
    assert response.status_code == 200
    assert response.json["result"] == "verified"
    assert response.json["checks"] == {"signature": "passed", "expiry": "passed", "registry": "passed"}
    (person,) = response.json["persons"]
    assert person["card"]["number"] == "ZZ000001" and person["verdict"]["level"] == "full"
    (event,) = events(app, "card.verify")
    assert event.outcome == "valid" and json.loads(event.detail)["via"].startswith("api_token:")


@pytest.mark.parametrize("case", ["revoked_card", "departed_person", "expired_card"])
def test_a_refused_card_never_carries_a_full_verdict(
    app: Flask, client: FlaskClient, bearer: Bearer, case: str
) -> None:
    response = client.post("/api/v1/verify", json={"token": scan_of(app, DEMO_CASES[case])}, headers=bearer("officer"))
    assert response.status_code == 200
    assert response.json["result"] != "verified"
    assert all(p["verdict"]["level"] != "full" for p in response.json["persons"])


def test_a_superseded_print_is_refused_without_a_full_verdict(app: Flask, client: FlaskClient, bearer: Bearer) -> None:
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == "ZZ000001")).one()
        card.min_valid_iat = datetime.now(UTC)
        db.session.commit()
    old_print = scan_of(app, "ZZ000001", iat=datetime.now(UTC) - timedelta(days=30))
    response = client.post("/api/v1/verify", json={"token": old_print}, headers=bearer("officer"))
    assert response.json["result"] == "superseded"
    assert [p["verdict"]["level"] for p in response.json["persons"]] == ["unverified"]


def test_a_forged_token_is_refused_with_its_reason_and_no_person(client: FlaskClient, bearer: Bearer) -> None:
    forged = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJjaWQiOiJaWjAwMDAwMSJ9.c2lnbmF0dXJl"
    response = client.post("/api/v1/verify", json={"token": forged}, headers=bearer("officer"))
    assert response.status_code == 200
    assert response.json["result"] in ("malformed", "bad_signature", "unknown_key")
    assert response.json["persons"] == []


def test_verify_refuses_malformed_json_with_400(client: FlaskClient, bearer: Bearer) -> None:
    headers = {**bearer("dispatcher"), "Content-Type": "application/json"}
    response = client.post("/api/v1/verify", data='{"token": ', headers=headers)
    assert response.status_code == 400 and response.json["error"] == "invalid_request"


def test_verify_refuses_a_body_that_is_not_json_with_415(client: FlaskClient, bearer: Bearer) -> None:
    response = client.post("/api/v1/verify", data={"token": "x"}, headers=bearer("dispatcher"))
    assert response.status_code == 415 and response.json["error"] == "unsupported_media_type"


def test_verify_refuses_an_oversized_body_with_413(client: FlaskClient, bearer: Bearer) -> None:
    response = client.post("/api/v1/verify", json={"token": "x" * 40_000}, headers=bearer("dispatcher"))
    assert response.status_code == 413 and response.json["error"] == "request_entity_too_large"


def test_verify_refuses_a_body_without_a_token_with_400_in_our_words(client: FlaskClient, bearer: Bearer) -> None:
    response = client.post("/api/v1/verify", json={"tokn": "x"}, headers=bearer("dispatcher"))
    assert response.status_code == 400
    assert set(response.json) == {"error", "message"} and response.json["error"] == "invalid_request"
    assert "token" in response.json["message"]


# --- Incidents ------------------------------------------------------------------------------------------------


def test_an_officers_token_files_an_incident_and_reads_it(app: Flask, client: FlaskClient, bearer: Bearer) -> None:
    headers = {**bearer("officer"), "Idempotency-Key": "cad-4711-aaaaaaaaaaaa"}
    response = client.post("/api/v1/incidents", json=incident_body(), headers=headers)
    assert response.status_code == 201
    reference = response.json["reference"]
    assert reference.startswith(f"INC-{datetime.now(UTC).year}-")
    assert response.headers["Location"] == f"/api/v1/incidents/{reference}"
    assert response.json["snapshot"]["source"] == "plate" and response.json["snapshot"]["query"] == "DWJ1204"
    assert response.json["snapshot"]["persons"][0]["verdict"]["level"] == "full"
    read = client.get(response.headers["Location"], headers=headers)
    assert read.status_code == 200 and read.json["reference"] == reference and read.json["status"] == "submitted"
    assert [e.outcome for e in events(app, "incident.view")] == ["ok"]
    [filed] = [e for e in events(app, "incident.file") if e.outcome == "ok"]
    assert '"via":"api_token:' in filed.detail  # the audit trail says it came by the API, and with which token


def test_a_retry_with_the_same_key_and_body_gets_the_same_reference(
    app: Flask, client: FlaskClient, bearer: Bearer
) -> None:
    headers = {**bearer("officer"), "Idempotency-Key": "retry-key-0123456789"}
    body = incident_body()
    first = client.post("/api/v1/incidents", json=body, headers=headers)
    again = client.post("/api/v1/incidents", json=body, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["reference"] == first.json["reference"]
    assert again.headers["Location"] == first.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Incident)) == 1


def test_the_same_key_with_a_different_body_is_422(client: FlaskClient, bearer: Bearer) -> None:
    headers = {**bearer("officer"), "Idempotency-Key": "reused-key-0123456789"}
    body = incident_body()
    first = client.post("/api/v1/incidents", json=body, headers=headers)
    other = client.post("/api/v1/incidents", json={**body, "place": "Elsewhere St"}, headers=headers)
    assert other.status_code == 422
    assert other.json["error"] == "idempotency_key_reused" and other.json["reference"] == first.json["reference"]


def test_a_duplicate_still_in_flight_is_409(app: Flask, client: FlaskClient, bearer: Bearer) -> None:
    user_headers = {**bearer("officer"), "Idempotency-Key": "inflight-key-0123456789"}
    body = incident_body()
    with app.app_context():
        officer = db.session.scalars(select(User).where(User.role == "officer")).one()
        # Claim the key as a first request would, without storing: the retry finds it in flight.
        validated = service.validate({k: v for k, v in body.items() if k != "plate"}, datetime.now(UTC))
        source = service.Source("plate", "DWJ1204", None, None, datetime.now(UTC))
        service._claim(
            officer.id, "inflight-key-0123456789", service.request_hash(validated, source, []), datetime.now(UTC)
        )
    response = client.post("/api/v1/incidents", json=body, headers=user_headers)
    assert response.status_code == 409 and response.json["error"] == "in_flight"


def test_filing_without_an_idempotency_key_is_400(client: FlaskClient, bearer: Bearer) -> None:
    response = client.post("/api/v1/incidents", json=incident_body(), headers=bearer("officer"))
    assert response.status_code == 400 and response.json["error"] == "invalid_idempotency_key"


def test_an_invalid_incident_is_422_naming_each_field(client: FlaskClient, bearer: Bearer) -> None:
    headers = {**bearer("officer"), "Idempotency-Key": "invalid-key-0123456789"}
    response = client.post("/api/v1/incidents", json=incident_body(state="XX", narrative="short"), headers=headers)
    assert response.status_code == 422 and response.json["error"] == "invalid_incident"
    assert set(response.json["fields"]) == {"state", "narrative"}


def test_an_officer_cannot_set_the_status_of_an_incident(client: FlaskClient, bearer: Bearer) -> None:
    headers = {**bearer("officer"), "Idempotency-Key": "mass-assign-0123456789"}
    response = client.post("/api/v1/incidents", json=incident_body(status="closed"), headers=headers)
    assert response.status_code == 422 and "status" in response.json["fields"]


def test_a_dispatchers_token_cannot_file_an_incident(app: Flask, client: FlaskClient, bearer: Bearer) -> None:
    headers = {**bearer("dispatcher"), "Idempotency-Key": "dispatch-key-0123456789"}
    response = client.post("/api/v1/incidents", json=incident_body(), headers=headers)
    assert response.status_code == 403 and response.json["error"] == "forbidden"
    assert response.json["message"] == "This token's role may not make this call."  # no talk of pages
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Incident)) == 0


def test_another_officer_gets_404_for_an_incident_and_a_reviewer_reads_it(
    client: FlaskClient, bearer: Bearer, token_for: Callable[..., object]
) -> None:
    headers = {**bearer("officer"), "Idempotency-Key": "someone-else-0123456789"}
    reference = client.post("/api/v1/incidents", json=incident_body(), headers=headers).json["reference"]
    other = client.get(f"/api/v1/incidents/{reference}", headers=bearer("officer"))
    assert other.status_code == 404 and other.json["error"] == "not_found"
    assert client.get(f"/api/v1/incidents/{reference}", headers=bearer("dispatcher")).status_code == 404
    reviewer = client.get(f"/api/v1/incidents/{reference}", headers=bearer("reviewer"))
    assert reviewer.status_code == 200 and reviewer.json["reference"] == reference


# --- Errors, cookies, limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("GET", "/api/nothing", 404, "not_found"),
        ("DELETE", "/api/v1/plates/DWJ1204", 405, "method_not_allowed"),
        ("PUT", "/api/v1/verify", 405, "method_not_allowed"),
    ],
)
def test_every_error_under_api_is_json(
    client: FlaskClient, bearer: Bearer, method: str, path: str, status: int, code: str
) -> None:
    response = client.open(path, method=method, headers=bearer("dispatcher"))
    assert response.status_code == status
    assert response.mimetype == "application/json" and response.json["error"] == code and response.json["message"]


def test_an_unexpected_failure_is_a_json_500(
    app: Flask, client: FlaskClient, bearer: Bearer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raw: str, kind: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api_services, "look_up", broken)
    app.testing = False  # let the error handler answer, as in production
    response = client.get("/api/v1/plates/DWJ1204", headers=bearer("dispatcher"))
    assert response.status_code == 500 and response.json["error"] == "internal_server_error"
    assert "boom" not in response.get_data(as_text=True)


def test_an_answer_outside_the_document_is_a_json_500_not_spectrees_list(
    app: Flask, client: FlaskClient, bearer: Bearer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "lookup", lambda result: {"surprise": True})
    app.testing = False
    response = client.get("/api/v1/plates/DWJ1204", headers=bearer("dispatcher"))
    assert response.status_code == 500 and response.json["error"] == "internal_server_error"
    assert "surprise" not in response.get_data(as_text=True)


def test_no_token_is_401_with_www_authenticate_bearer(client: FlaskClient) -> None:
    response = client.get("/api/v1/plates/DWJ1204")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_session_does_not_open_the_api(
    client: FlaskClient, login_as: Callable[..., object]
) -> None:
    login_as("dispatcher")
    response = client.get("/api/v1/plates/DWJ1204")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v1/plates/DWJ1204"),
        ("GET", "/api/v1/plates/NOPE1"),
        ("POST", "/api/v1/verify"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/docs"),
        ("GET", "/api/v1/missing"),
    ],
)
def test_no_api_answer_sets_a_cookie(client: FlaskClient, bearer: Bearer, method: str, path: str) -> None:
    response = client.open(
        path, method=method, json={"token": "x"} if method == "POST" else None, headers=bearer("officer")
    )
    assert "Set-Cookie" not in response.headers
    unauthenticated = client.open(path, method=method)
    assert "Set-Cookie" not in unauthenticated.headers


def test_calls_over_the_lookup_limit_get_429_with_retry_after(app_with: Callable[..., Flask]) -> None:
    app = app_with(RATELIMIT_ENABLED=True, LOOKUP_RATE_PER_USER="3/minute")
    with app.app_context():
        seed_demo(persons=20, seed=1)
        secret = make_api_token(make_user("dispatcher"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    statuses = [client.get("/api/v1/plates/DWJ1204", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/cards/ZZ000001", headers=headers)  # the same bucket as every lookup
    assert limited.status_code == 429 and limited.json["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_the_api_and_the_web_lookup_share_one_limit_per_user(app_with: Callable[..., Flask]) -> None:
    app = app_with(RATELIMIT_ENABLED=True, LOOKUP_RATE_PER_USER="3/minute")
    with app.app_context():
        seed_demo(persons=20, seed=1)
        user = make_user("dispatcher")
        secret = make_api_token(user)
    browser = app.test_client()
    assert sign_in(browser, user.email).status_code == 302
    assert [browser.post("/dispatch", data={"q": "DWJ1204"}).status_code for _ in range(2)] == [303, 303]
    machine = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert [machine.get("/api/v1/plates/DWJ1204", headers=headers).status_code for _ in range(2)] == [200, 429]


def test_the_api_needs_no_csrf_token_where_every_form_does(app_with: Callable[..., Flask]) -> None:
    app = app_with(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = make_user("officer")
        secret = make_api_token(user)
    client = app.test_client()
    response = client.post(
        "/api/v1/verify", json={"token": "not-a-token"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200 and response.json["result"] == "not_envoy"
    assert "Set-Cookie" not in response.headers
    assert client.post("/dispatch", data={"q": "DWJ1204"}).status_code == 400  # a form still needs its token
