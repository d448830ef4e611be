"""The OpenAPI document is the contract: every /api/ route is in it, real answers fit it, bad input is refused in our
words, and schemathesis finds no 5xx and no answer that breaks it (issue 11 items 4 and 5)."""

import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app.cards import keyring, tokens
from app.extensions import db
from app.models import Card, User

DOCUMENT_ROUTES = {"/api/openapi.json", "/api/docs"}  # the document itself and its human-readable rendering
FUZZ_EXAMPLES = 25
FUZZ_BUDGET_SECONDS = 60

TokenFor = Callable[..., tuple[User, dict[str, str]]]


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def fetch_document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def test_every_api_route_and_method_is_in_the_document(app: Flask, client: FlaskClient) -> None:
    paths = fetch_document(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in DOCUMENT_ROUTES:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(openapi_path(rule.rule), {}):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"API routes missing from /api/openapi.json: {missing}"
    assert len(paths) == 7  # plates, cards, lookups, verify, incidents, incidents/{reference}, photos/{ref}


def test_the_document_is_openapi_3_1_with_bearer_auth_and_patterns_on_every_input(client: FlaskClient) -> None:
    document = fetch_document(client)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An Envoy API token",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                assert "pattern" in schema and "maxLength" in schema or "enum" in schema, (method, path, parameter)
            for status in ("401", "403", "429"):
                assert status in operation["responses"], (method, path, status)
    body = document["components"]["schemas"]["IncidentRequest"]["properties"]
    assert body["narrative"]["maxLength"] == 8000 and "enum" in document["components"]["schemas"]["IncidentType"]
    assert document["components"]["schemas"]["VerifyRequest"]["properties"]["token"]["maxLength"] == 4096


def response_schema(document: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    content = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    return {**content["schema"], "components": document["components"]}


def fits(document: dict[str, Any], path: str, method: str, status: int, body: object) -> None:
    """The body fits the document's schema for this answer; a field the document lacks fails (no extras)."""
    jsonschema.validate(body, response_schema(document, path, method, status), cls=jsonschema.Draft202012Validator)


@pytest.mark.usefixtures("demo")
def test_real_answers_of_every_endpoint_fit_the_document(app: Flask, client: FlaskClient, token_for: TokenFor) -> None:
    document = fetch_document(client)
    _officer, officer = token_for("officer")
    plates = "/api/v1/plates/{plate}"
    fits(document, plates, "get", 200, client.get("/api/v1/plates/DWJ1204", headers=officer).json)
    fits(document, plates, "get", 200, client.get("/api/v1/plates/DWJ100", headers=officer).json)
    fits(document, plates, "get", 404, client.get("/api/v1/plates/DWJ12O4", headers=officer).json)
    fits(document, plates, "get", 400, client.get("/api/v1/plates/ABCDEFGHIJK", headers=officer).json)
    fits(document, plates, "get", 401, client.get("/api/v1/plates/DWJ1204").json)
    for number in ("ZZ000002", "ZZ000003", "ZZ000005", "ZZ000007", "ZZ000011"):
        fits(
            document,
            "/api/v1/cards/{card_number}",
            "get",
            200,
            client.get(f"/api/v1/cards/{number}", headers=officer).json,
        )
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == "ZZ000001")).one()
        token = tokens.issue(card.card_number, card.expires_on, keyring.signing_ring(), datetime.now(UTC))
    for scanned in (token, "not-a-token"):
        fits(
            document,
            "/api/v1/verify",
            "post",
            200,
            client.post("/api/v1/verify", json={"token": scanned}, headers=officer).json,
        )
    body = {
        "type": "dui",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "place": "K St NW",
        "state": "DC",
        "narrative": "Weaving across lanes; strong smell of alcohol.",
        "actions_taken": ["citation_issued", "driven_home"],
        "citation_number": "DC-123456",
        "ds_called": True,
        "ds_confirmed_by": "Watch officer",
        "impairment_signs": "Slurred speech",
        "sobriety_tests": "Declined",
        "card_number": "ZZ000003",
    }
    headers = {**officer, "Idempotency-Key": "document-check-0123456789"}
    filed = client.post("/api/v1/incidents", json=body, headers=headers)
    fits(document, "/api/v1/incidents", "post", 201, filed.json)
    fits(document, "/api/v1/incidents", "post", 200, client.post("/api/v1/incidents", json=body, headers=headers).json)
    refused = client.post("/api/v1/incidents", json={**body, "state": "ZZ"}, headers=headers)
    fits(document, "/api/v1/incidents", "post", 422, refused.json)
    incident = "/api/v1/incidents/{reference}"
    fits(document, incident, "get", 200, client.get(filed.headers["Location"], headers=officer).json)
    fits(document, incident, "get", 404, client.get("/api/v1/incidents/INC-2020-000001", headers=officer).json)
    fits(document, "/api/v1/photos/{ref}", "get", 404, client.get("/api/v1/photos/P0000001", headers=officer).json)


def test_a_field_missing_from_the_document_would_fail(client: FlaskClient) -> None:
    document = fetch_document(client)
    answer = {"error": "not_found", "message": "x", "surprise": 1}
    with pytest.raises(jsonschema.ValidationError):
        fits(document, "/api/v1/incidents/{reference}", "get", 404, answer)


def test_the_reference_page_lists_every_endpoint_and_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for endpoint in (
        "GET /api/v1/plates/{plate}",
        "GET /api/v1/cards/{card_number}",
        "POST /api/v1/verify",
        "POST /api/v1/incidents",
        "GET /api/v1/incidents/{reference}",
    ):
        assert f'data-operation="{endpoint}"' in page
    assert 'data-schema="LookupAnswer"' in page and "api-tokens create" in page
    assert "Idempotency-Key" in page and "429" in page
    assert not re.search(r"""(src|href)=["']https?://""", page), "the reference loads something from another site"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


# --- Fuzzing --------------------------------------------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str], checks: list) -> None:
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    call()


@pytest.mark.usefixtures("demo")
# The document and the input checks do not depend on the database: fuzzed once, in the SQLite pass of the suite.
@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"), reason="runs in the SQLite pass")
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(app: Flask, token_for: TokenFor) -> None:
    """Positive and negative cases for every operation, in process, with an officer's token (officers may call
    every endpoint); bounded so the whole run stays under a minute."""
    _officer, headers = token_for("officer")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        fuzz(operation, GenerationMode.POSITIVE, headers, CHECKS)
        fuzz(operation, GenerationMode.NEGATIVE, headers, [*CHECKS, negative_data_rejection])
    assert time.monotonic() - started < FUZZ_BUDGET_SECONDS
