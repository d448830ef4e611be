"""Actions on an incident: each appends one event and one audit event; a stale or invalid one stores nothing."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.incident_codes import Status
from app.models import DrivingPoints, IncidentEvent, User
from app.registry.results import find_card, find_plate
from tests.factories import make_user
from tests.review.conftest import Subject
from tests.review.support import audit_events, events, new_incident, stored

TODAY = datetime.now(UTC).date()


def act(client: FlaskClient, reference: str, action: str, version: int, **form: object):
    return client.post(f"/review/{reference}/{action}", data={"version": version, **form})


def test_a_reviewer_assigns_an_incident_to_themself(app: Flask, client: FlaskClient, reviewer: User) -> None:
    reference = new_incident(app)
    response = act(client, reference, "assign", 1, assignee_id=reviewer.id)
    assert response.status_code == 303
    incident = stored(app, reference)
    assert incident.assignee_id == reviewer.id and incident.version == 2
    assert [(e.kind, e.author) for e in incident.events] == [("filed", incident.events[0].author),
                                                              ("assigned", reviewer.email)]  # fmt: skip
    (audit,) = audit_events(app, "incident.assigned")
    assert audit.record_ids == f"incident:{reference}" and audit.user_email == reviewer.email
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Assigned to {reviewer.email}" in page


def test_an_incident_can_be_assigned_to_another_reviewer_but_not_to_an_officer(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    with app.app_context():
        colleague, officer = make_user("reviewer"), make_user("officer")
    reference = new_incident(app)
    assert act(client, reference, "assign", 1, assignee_id=officer.id).status_code == 422
    assert stored(app, reference).version == 1
    assert act(client, reference, "assign", 1, assignee_id=colleague.id).status_code == 303
    assert stored(app, reference).assignee_id == colleague.id


def test_a_note_is_appended_to_the_history_and_shown_on_the_timeline(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app)
    act(client, reference, "note", 1, note="Called the mission's security officer.")
    assert events(app, reference)[-1].detail == {"note": "Called the mission's security officer."}
    (audit,) = audit_events(app, "incident.note")
    assert "security officer" not in audit.detail  # the words stay in the incident's history
    page = client.get(f"/review/{reference}").get_data(as_text=True)
    assert "Called the mission&#39;s security officer." in page


def test_an_empty_note_is_refused(app: Flask, client: FlaskClient, reviewer: User) -> None:
    reference = new_incident(app)
    response = act(client, reference, "note", 1, note="   ")
    assert response.status_code == 422 and "Write the note first." in response.get_data(as_text=True)
    assert len(events(app, reference)) == 1


def test_a_status_moves_along_the_transitions_and_closing_sets_closed_at(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app)
    for version, to in enumerate(("in_review", "referred_to_mission", "closed"), start=1):
        assert act(client, reference, "status", version, to=to).status_code == 303
    incident = stored(app, reference)
    assert incident.status is Status.CLOSED and incident.closed_at is not None
    assert [e.detail for e in incident.events[1:]] == [
        {"from": "submitted", "to": "in_review"},
        {"from": "in_review", "to": "referred_to_mission"},
        {"from": "referred_to_mission", "to": "closed"},
    ]
    assert len(audit_events(app, "incident.status")) == 3


def test_a_move_the_transitions_do_not_allow_is_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app)
    response = act(client, reference, "status", 1, to="closed")
    assert response.status_code == 422
    assert "cannot move to closed" in response.get_data(as_text=True)
    incident = stored(app, reference)
    assert incident.status is Status.SUBMITTED and incident.version == 1 and len(incident.events) == 1
    assert audit_events(app, "incident.status") == []


def test_reopening_a_closed_incident_needs_a_reason_and_clears_closed_at(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app, status=Status.CLOSED, closed_at=datetime.now(UTC))
    refused = act(client, reference, "status", 1, to="in_review", reason=" ")
    assert refused.status_code == 422 and "reason for reopening" in refused.get_data(as_text=True)
    assert stored(app, reference).status is Status.CLOSED
    assert act(client, reference, "status", 1, to="in_review", reason="The mission disputes it").status_code == 303
    incident = stored(app, reference)
    assert incident.status is Status.IN_REVIEW and incident.closed_at is None
    assert incident.events[-1].detail["reason"] == "The mission disputes it"


def test_an_action_on_a_stale_version_is_refused_with_who_changed_it_and_nothing_is_stored(
    app: Flask, client: FlaskClient, reviewer: User, login_as
) -> None:
    reference = new_incident(app)
    other = app.test_client()
    colleague = login_as("reviewer", client=other)
    assert act(other, reference, "status", 1, to="in_review").status_code == 303
    response = act(client, reference, "note", 1, note="Looks routine.")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    changed_at = stored(app, reference).events[-1].at
    assert f"{colleague.email} changed this incident at {changed_at:%H:%M} UTC" in body
    assert "nothing was changed" in body
    assert "Looks routine." in body  # the typed note is still in its box
    assert [e.kind for e in events(app, reference)] == ["filed", "status"]
    assert audit_events(app, "incident.note") == []


def test_the_unique_version_backs_up_the_check_when_two_actions_race(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app)
    with app.app_context():
        # Another reviewer's event at version 2 got in after this request read version 1 (projection not yet moved).
        incident = stored(app, reference)
        db.session.add(IncidentEvent(incident_id=incident.id, version=2, author="racer@ofm.example", kind="note",
                                     detail={"note": "first"}))  # fmt: skip
        db.session.commit()
    response = act(client, reference, "note", 1, note="second")
    assert response.status_code == 409
    assert "racer@ofm.example changed this incident" in response.get_data(as_text=True)
    assert [e.detail for e in events(app, reference)][1:] == [{"note": "first"}]


def test_confirmed_points_reach_the_driving_record_and_the_next_lookup(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    reference = new_incident(app, plate=subject.plate)
    violation = TODAY - timedelta(days=3)
    response = act(client, reference, "points", 1, points=12, violation_on=violation.isoformat())
    assert response.status_code == 303
    with app.app_context():
        row = db.session.scalars(select(DrivingPoints).where(DrivingPoints.person_id == subject.person_id)).one()
        assert (row.points, row.violation_on, row.reference, row.recorded_by) == (
            12, violation, reference, reviewer.email)  # fmt: skip
        assert find_plate(subject.plate, TODAY).persons[0].driving.level == "suspended"
        assert find_card(subject.card_number, TODAY).persons[0].driving.points == 12
    assert events(app, reference)[-1].detail == {
        "points": 12, "violation_on": violation.isoformat(), "person_id": subject.person_id}  # fmt: skip
    (audit,) = audit_events(app, "incident.points")
    assert audit.record_ids == f"incident:{reference},person:{subject.person_id}"
    assert len(audit_events(app, "driving.points_recorded")) == 1


@pytest.mark.parametrize(
    "points, violation_on, problem",
    [("13", TODAY.isoformat(), "Points must be between 1 and 12."),
     ("0", TODAY.isoformat(), "Points must be between 1 and 12."),
     ("4", (TODAY + timedelta(days=1)).isoformat(), "is in the future"),
     ("4", "", "Give the violation date")],
)  # fmt: skip
def test_points_out_of_range_or_in_the_future_are_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject, points: str, violation_on: str, problem: str
) -> None:
    reference = new_incident(app, plate=subject.plate)
    response = act(client, reference, "points", 1, points=points, violation_on=violation_on)
    assert response.status_code == 422 and problem in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(DrivingPoints)).all() == []
    assert len(events(app, reference)) == 1


def test_points_need_a_person_from_the_registry(app: Flask, client: FlaskClient, reviewer: User) -> None:
    reference = new_incident(app)  # filed without a lookup
    assert 'data-action="points"' not in client.get(f"/review/{reference}").get_data(as_text=True)
    response = act(client, reference, "points", 1, points=3, violation_on=date.today().isoformat())
    assert response.status_code == 422 and "names no person" in response.get_data(as_text=True)


def test_every_action_form_carries_the_version_the_page_was_rendered_at(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    reference = new_incident(app, plate=subject.plate)
    act(client, reference, "note", 1, note="one")
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    forms = re.findall(r'<form method="post"[^>]*data-action="(\w+)">(.*?)</form>', body, re.S)
    assert {name for name, _ in forms} == {"assign", "status", "note", "points"}
    assert all('name="version" value="2"' in inner for _, inner in forms)
