"""Domain errors mapped in one place: rolled back, then a page, an htmx fragment or JSON; services own their commit."""

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.audit.actor import Actor, act_as, current_actor
from app.database import transaction
from app.errors import DomainError
from app.extensions import db
from app.models import DrivingPoints, Mission
from app.models.audit import AuditEvent
from app.permissions import public
from app.registry import driving
from tests.factories import make_mission, make_person, stand_in_user


class Gone(DomainError, LookupError):
    status = 404


class Refused(DomainError):
    status = 409
    code = "refused_here"


def _failing_app(app: Flask, error: DomainError) -> Flask:
    def view() -> str:
        make_mission(id="M-LEFT-BEHIND")  # uncommitted work the error must not leave in the session
        raise error

    app.add_url_rule("/_probe/domain", "probe_domain", public(view))
    app.add_url_rule("/api/_probe/domain", "probe_domain_api", public(view))
    return app


def test_a_not_found_domain_error_is_the_plain_404_page(app: Flask) -> None:
    response = _failing_app(app, Gone("No card XX1")).test_client().get("/_probe/domain")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_a_domain_error_under_the_api_is_json_with_its_code_and_message(app: Flask) -> None:
    response = _failing_app(app, Refused("Card DA000001 is revoked")).test_client().get("/api/_probe/domain")
    assert response.status_code == 409
    assert response.get_json() == {"error": "refused_here", "message": "Card DA000001 is revoked"}


def test_an_htmx_request_gets_the_error_fragment_not_the_page(app: Flask) -> None:
    response = _failing_app(app, Refused("No")).test_client().get("/_probe/domain", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "<html" not in response.get_data(as_text=True)


def test_the_mapper_rolls_back_what_the_failed_request_left_uncommitted(app: Flask) -> None:
    left: list[object] = []
    _failing_app(app, Refused("No")).after_request(lambda response: left.extend(db.session.new) or response)
    app.test_client().get("/_probe/domain")
    assert left == []


def test_a_transaction_commits_its_block_and_rolls_back_when_the_block_raises(app: Flask) -> None:
    with app.app_context():
        with transaction():
            make_mission(id="M-KEPT")
        with pytest.raises(Refused), transaction():
            make_mission(id="M-DROPPED")
            raise Refused("No")
        assert db.session.scalars(select(Mission.id)).all() == ["M-KEPT"]


def test_added_points_join_the_callers_transaction_and_vanish_with_it(app: Flask) -> None:
    with app.app_context():
        make_person(id="P-PTS")
        db.session.commit()
        driving.add_points("P-PTS", 3, date(2026, 1, 5), "CIT-9", date(2026, 2, 1), actor=Actor.cli())
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(DrivingPoints)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_points_are_recorded_by_the_actor_given(app: Flask) -> None:
    reviewer = Actor.of(stand_in_user(5, "reviewer@ofm.example.gov", "reviewer", "OFM"))
    with app.app_context():
        make_person(id="P-PTS")
        with transaction():
            driving.add_points("P-PTS", 3, date(2026, 1, 5), "CIT-9", date(2026, 2, 1), actor=reviewer)
        row = db.session.scalars(select(DrivingPoints)).one()
        event = db.session.scalars(select(AuditEvent)).one()
        assert (row.recorded_by, event.user_email) == ("reviewer@ofm.example.gov", "reviewer@ofm.example.gov")


def test_a_bearer_token_client_becomes_the_actor_in_one_call(app: Flask) -> None:
    client_user = stand_in_user(9, "cad@county.example.gov", "dispatcher", "County Sheriff")
    with app.test_request_context("/api/v1/plates/X", environ_base={"REMOTE_ADDR": "192.0.2.8"}):
        assert current_actor().role == "anonymous"
        act_as(client_user)
        assert (current_actor().email, current_actor().client_addr) == ("cad@county.example.gov", "192.0.2.8")
