"""An audit write that fails gives no answer: a 503 with Retry-After and the DS call, an alert, nothing stored."""

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_api_token, make_user, make_vehicle

PLATE = "DAB1234"


@pytest.fixture
def break_audit(app: Flask) -> Iterator[Callable[[], None]]:
    """Call it to make the database refuse every new audit event, as a full disk or a broken replica would."""
    postgres = TEST_DATABASE_URL.startswith("postgresql")
    with app.app_context():
        make_vehicle(plate=PLATE)
        db.session.commit()

    def install() -> None:
        with app.app_context():
            if postgres:
                db.session.execute(
                    text(
                        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$"
                    )
                )
                db.session.execute(
                    text(
                        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events"
                        " FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
                    )
                )
            else:
                db.session.execute(
                    text(
                        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events"
                        " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
                    )
                )
            db.session.commit()

    yield install
    with app.app_context():
        db.session.rollback()
        db.session.execute(text("DROP TRIGGER IF EXISTS refuse_audit" + (" ON audit_events" if postgres else "")))
        if postgres:
            db.session.execute(text("DROP FUNCTION IF EXISTS refuse_audit()"))
        db.session.commit()


def _alerts(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "envoy.alerts"]


def _audit_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_a_lookup_whose_audit_event_cannot_be_written_shows_no_verdict_but_a_503_and_the_ds_call(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[..., User],
    break_audit: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    login_as("officer")
    before = _audit_count(app)
    break_audit()
    with caplog.at_level(logging.CRITICAL, logger="envoy.alerts"):
        response = client.post("/lookup", data={"q": PLATE}, headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "could not reach its records or write its audit trail, so it gives no answer" in page
    assert 'href="tel:' in page
    assert PLATE not in page and "data-level" not in page
    (alert,) = _alerts(caplog)
    assert alert["alert"] == "audit.write_failed" and alert["path"] == "/lookup"
    assert _audit_count(app) == before


def test_an_api_lookup_whose_audit_event_cannot_be_written_answers_503_json(
    app: Flask, client: FlaskClient, break_audit: Callable[[], None], caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context():
        secret = make_api_token(make_user("dispatcher"))
    break_audit()
    with caplog.at_level(logging.CRITICAL, logger="envoy.alerts"):
        response = client.get(f"/api/v1/plates/{PLATE}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["error"] == "unavailable"
    assert PLATE not in response.get_data(as_text=True)
    assert [a["alert"] for a in _alerts(caplog)] == ["audit.write_failed"]


def test_a_refusal_written_on_its_own_that_cannot_be_audited_is_a_503_too(
    app: Flask, client: FlaskClient, break_audit: Callable[[], None], caplog: pytest.LogCaptureFixture
) -> None:
    break_audit()
    with caplog.at_level(logging.CRITICAL, logger="envoy.alerts"):
        response = client.post(
            "/login", data={"email": "nobody@pd.example.gov", "password": "wrong-password", "acknowledge": "y"}
        )
    assert response.status_code == 503
    assert [a["alert"] for a in _alerts(caplog)] == ["audit.write_failed"]


def test_an_ordinary_database_error_is_a_503_without_an_audit_alert(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    from app.lookup import services  # noqa: PLC0415

    login_as("officer")

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(services, "_find", unreachable)  # the registry read fails, before any audit write
    with caplog.at_level(logging.CRITICAL, logger="envoy.alerts"):
        response = client.post("/lookup", data={"q": PLATE}, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert _alerts(caplog) == []
