"""API attacks from the security bar: guessing another officer's incident (Z3) and reusing another user's
Idempotency-Key (A34)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Incident, User
from app.registry.seed import DEMO_CASES

pytestmark = pytest.mark.usefixtures("demo")

TokenFor = Callable[..., tuple[User, dict[str, str]]]


def incident_body(narrative: str) -> dict[str, object]:
    return {
        "type": "traffic",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "place": "Massachusetts Ave NW",
        "state": "DC",
        "narrative": narrative,
        "actions_taken": ["released"],
        "plate": DEMO_CASES["diplomat_car"],
    }


def test_an_officer_guessing_another_officers_incident_gets_404_and_the_attempt_is_audited(
    app: Flask, client: FlaskClient, token_for: TokenFor
) -> None:
    _, filer = token_for("officer")
    reference = client.post(
        "/api/v1/incidents",
        json=incident_body("Stopped at a red light and released."),
        headers={**filer, "Idempotency-Key": "filer-key-0123456789"},
    ).json["reference"]
    intruder, headers = token_for("officer")

    assert client.get(f"/api/v1/incidents/{reference}", headers=headers).status_code == 404

    with app.app_context():
        (refused,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "incident.view", AuditEvent.outcome == "not_found")
        )
        assert (refused.user_id, refused.record_ids) == (intruder.id, f"incident:{reference}")


def test_two_users_sending_the_same_idempotency_key_each_get_their_own_incident(
    app: Flask, client: FlaskClient, token_for: TokenFor
) -> None:
    key = {"Idempotency-Key": "cad-console-7-0000000001"}
    first_user, first = token_for("officer")
    second_user, second = token_for("officer")

    one = client.post(
        "/api/v1/incidents", json=incident_body("First officer's stop, released."), headers={**first, **key}
    )
    two = client.post(
        "/api/v1/incidents", json=incident_body("Second officer's stop, cited."), headers={**second, **key}
    )

    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json["reference"] != two.json["reference"]
    with app.app_context():
        filed = {i.filed_by_id: i.narrative for i in db.session.scalars(select(Incident))}
    assert filed == {first_user.id: "First officer's stop, released.", second_user.id: "Second officer's stop, cited."}
