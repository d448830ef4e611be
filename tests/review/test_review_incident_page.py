"""One incident's page: everything filed, the snapshot beside today's verdict, the lookup, the person's record and
other incidents, attachments served as audited downloads, the history; opening it is audited."""

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit import service as audit
from app.audit.actor import Actor
from app.extensions import db
from app.immunity import CardStatus
from app.incident_codes import IncidentType
from app.models import Card, User
from app.registry import driving
from tests.factories import JPEG_BYTES, AttachmentFile
from tests.review.conftest import Subject
from tests.review.support import audit_events, new_incident

PDF = AttachmentFile("citation 4411.pdf", "application/pdf", b"%PDF-1.7\n" + b"0" * 100)


def side(body: str, name: str) -> str:
    match = re.search(rf'<section class="panel shown" data-side="{name}".*?</section>', body, re.S)
    assert match, f"no {name} side"
    return match.group(0)


def test_the_page_shows_everything_filed_including_the_dui_fields(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(
        app,
        incident_type=IncidentType.DUI,
        place="Wisconsin Ave NW",
        narrative="Weaving across lanes at 02:10.",
        impairment_signs="Slurred speech; odour of alcohol",
        sobriety_tests="Walk-and-turn: failed",
        citation_number="DUI-7781",
        report_number="RPT-12",
        actions_taken=["driven_home"],
        ds_confirmed_by="Agent Okafor",
    )
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    for text in ("DUI", "Wisconsin Ave NW", "Weaving across lanes", "Slurred speech",
                 "Walk-and-turn: failed", "DUI-7781", "RPT-12", "Driven home", "Agent Okafor"):  # fmt: skip
        assert text in body, text


def test_the_snapshot_stands_beside_todays_verdict_which_follows_the_registry(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    reference = new_incident(app, card_number=subject.card_number)
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == subject.card_number)).one()
        card.status = CardStatus.REVOKED
        db.session.commit()
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    then, now = side(body, "snapshot"), side(body, "live")
    assert 'data-verdict-level="full"' in then and ">valid<" in then
    assert 'data-verdict-level="unverified"' in now and ">revoked<" in now


def test_todays_verdict_shows_points_confirmed_after_the_filing(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    reference = new_incident(app, plate=subject.plate)
    with app.app_context():
        today = datetime.now(UTC).date()
        driving.add_points(subject.person_id, 9, today, "OFM-1", today, actor=Actor.cli())
        db.session.commit()
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    assert 'data-driving-status="none"' in side(body, "snapshot")
    assert 'data-driving-status="review"' in side(body, "live")
    assert 'data-record-driving="review"' in body and "OFM-1" in body


def test_the_linked_lookup_event_is_shown_inline(app: Flask, client: FlaskClient, reviewer: User) -> None:
    with app.app_context():
        audit.record("lookup.plate", "hit", actor=Actor(email="patrol@pd.example", role="officer"), query="DTL0001")
        db.session.commit()
        (event,) = audit_events(app, "lookup.plate")
    reference = new_incident(app, lookup_event_id=event.id)
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    block = re.search(r"data-lookup-event=.*?</dl>", body, re.S).group(0)
    assert "patrol@pd.example" in block and "lookup.plate" in block and "DTL0001" in block and "hit" in block


def test_the_persons_other_incidents_are_listed(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    earlier = new_incident(app, plate=subject.plate, incident_type=IncidentType.PARKING)
    unrelated = new_incident(app)
    reference = new_incident(app, card_number=subject.card_number)
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    others = re.search(r'aria-labelledby="others-title".*?</section>', body, re.S).group(0)
    assert earlier in others and unrelated not in others and reference not in others


def test_opening_an_incident_is_audited(app: Flask, client: FlaskClient, reviewer: User, subject: Subject) -> None:
    reference = new_incident(app, plate=subject.plate)
    client.get(f"/review/{reference}")
    (event,) = audit_events(app, "incident.view")
    assert event.record_ids == f"incident:{reference},person:{subject.person_id}"
    assert event.user_email == reviewer.email


def test_an_unknown_reference_is_not_found(app: Flask, client: FlaskClient, reviewer: User) -> None:
    assert client.get("/review/INC-2026-000999").status_code == 404


def test_attachments_are_listed_and_served_as_audited_downloads_that_never_render(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app, attachments=[AttachmentFile("photo.jpg", "image/jpeg", JPEG_BYTES), PDF])
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    assert "citation 4411.pdf" in body and "application/pdf" in body and "109 bytes" in body
    link = f"/review/{reference}/attachments/2"
    assert link in body
    response = client.get(link)
    assert response.status_code == 200
    assert response.data == PDF.content
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="citation 4411.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    (event,) = audit_events(app, "incident.attachment")
    assert event.record_ids.startswith(f"incident:{reference},attachment:")
    assert '"position":2' in event.detail
    assert client.get(f"/review/{reference}/attachments/3").status_code == 404


def test_the_history_is_a_timeline_with_author_and_utc_time(app: Flask, client: FlaskClient, reviewer: User) -> None:
    reference = new_incident(app)
    client.post(f"/review/{reference}/note", data={"version": 1, "note": "Asked for the citation photo."})
    client.post(f"/review/{reference}/status", data={"version": 2, "to": "in_review"})
    body = client.get(f"/review/{reference}").get_data(as_text=True)
    timeline = re.search(r"data-timeline>.*?</ol>", body, re.S).group(0)
    kinds = re.findall(r'data-event-kind="(\w+)"', timeline)
    assert kinds == ["filed", "note", "status"]
    assert timeline.count(reviewer.email) == 2 and "UTC" in timeline
    assert "Submitted → In review" in timeline


def test_an_incident_with_a_lookup_but_no_linked_event_does_not_say_it_was_filed_without_one(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    """The demo's seeded incidents carry what was shown but no audit event: the page must not contradict itself."""
    unlinked = client.get(f"/review/{new_incident(app, plate=subject.plate)}").get_data(as_text=True)
    assert "data-lookup-unlinked" in unlinked and "Filed without a lookup in Envoy" not in unlinked
    without = client.get(f"/review/{new_incident(app)}").get_data(as_text=True)
    assert "Filed without a lookup in Envoy" in without and "data-lookup-unlinked" not in without
