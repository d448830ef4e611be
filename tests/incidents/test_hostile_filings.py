"""Attacks through the incident pages (security bar Z3, I2, I3, Q7, P1): other officers' references, payloads in the
text fields, a decompression-bomb attachment, and what of the review desk's work the filer sees."""

import io
import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Incident, IncidentAttachment, User
from tests.incidents.conftest import fields, form_for, looked_up, png_bytes

TEMPLATE = "{{7*7}}"
SQL = "' OR 1=1--"
TAG = '"><img src=x onerror=alert(1)>'
HOSTILE_PLACE = f"{TEMPLATE} {SQL} {TAG}"
HOSTILE_NARRATIVE = f"Driver said {TEMPLATE} then {SQL} and wrote {TAG} on the citation."


def file_one(client: FlaskClient, **overrides: object) -> str:
    """File an incident from a lookup of the demo car; returns its reference."""
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    response = client.post("/incidents", data={**fields(**overrides), "lookup": rid, "idempotency_key": key})
    assert response.status_code == 303, response.status_code
    return response.headers["Location"].split("/")[2].split("?")[0]


def view_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.view").order_by(AuditEvent.id))
        )


# --- Z3: officer A opens officer B's incident -----------------------------------------------------------------


def test_an_officer_guessing_another_officers_incident_gets_404_and_the_attempt_is_audited(
    app: Flask, client: FlaskClient, officer: User, login_as: Callable[..., User]
) -> None:
    reference = file_one(client, attachments=[(io.BytesIO(png_bytes()), "citation.png")])
    other = app.test_client()
    intruder = login_as("officer", client=other)

    assert other.get(f"/incidents/{reference}").status_code == 404
    assert other.get(f"/incidents/{reference.lower()}/attachments/1").status_code == 404
    assert other.get("/incidents/not-a-reference").status_code == 404

    refused = view_events(app)
    assert [(e.user_id, e.outcome) for e in refused] == [(intruder.id, "not_found")] * 3
    assert [e.record_ids for e in refused] == [f"incident:{reference}", f"incident:{reference}", ""]
    assert [json.loads(e.detail) for e in refused] == [{"via": "web"}, {"via": "web", "attachment": 1}, {"via": "web"}]


def test_the_filer_opening_their_own_incident_records_no_refusal(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    reference = file_one(client)
    assert client.get(f"/incidents/{reference}").status_code == 200
    assert [e.outcome for e in view_events(app)] == []


# --- I2, I3: template, SQL and markup payloads in the narrative and the place ---------------------------------


def test_template_sql_and_markup_payloads_are_stored_literally_and_shown_as_text(
    app: Flask, client: FlaskClient, officer: User, login_as: Callable[..., User]
) -> None:
    reference = file_one(client, place=HOSTILE_PLACE, narrative=HOSTILE_NARRATIVE)
    with app.app_context():
        stored = db.session.scalars(select(Incident)).one()  # the SQL text did not widen any query
        assert (stored.place, stored.narrative) == (HOSTILE_PLACE, HOSTILE_NARRATIVE)

    reviewer = app.test_client()
    login_as("reviewer", client=reviewer)
    pages = {
        "the reviewer's page": reviewer.get(f"/review/{reference}"),
        "the officer's own page": client.get(f"/incidents/{reference}"),
    }
    for name, page in pages.items():
        html = page.get_data(as_text=True)
        assert page.status_code == 200, name
        assert TEMPLATE in html and "Driver said 49" not in html, f"{name} evaluated the template"
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, f"{name} has a live tag"
        assert "&#39; OR 1=1--" in html, name


# --- Q7: a decompression bomb ---------------------------------------------------------------------------------


def decompression_bomb() -> bytes:
    """A PNG of a few kilobytes that declares 10,000 × 10,000 pixels, past Pillow's MAX_IMAGE_PIXELS."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


# The app must refuse the bomb by itself; pytest's "warnings are errors" must not be what refuses it.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_png_is_refused_with_a_clear_error_and_nothing_is_stored(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    bomb = decompression_bomb()
    assert len(bomb) < 100_000
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    data = {**fields(), "lookup": rid, "idempotency_key": key, "attachments": [(io.BytesIO(bomb), "scan.png")]}

    response = client.post("/incidents", data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "scan.png has too many pixels to open safely" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incident)) == 0
        assert db.session.scalar(select(func.count()).select_from(IncidentAttachment)) == 0


# --- P1, ASVS 13: the officer's own incident page leaves out the review desk's work ---------------------------


def test_the_officers_incident_page_shows_no_reviewer_note_or_assignee(
    app: Flask, client: FlaskClient, officer: User, login_as: Callable[..., User]
) -> None:
    reference = file_one(client)
    desk = app.test_client()
    reviewer = login_as("reviewer", client=desk)
    note = "Internal: mission says the driver was the nephew of the ambassador."
    assert desk.post(f"/review/{reference}/assign", data={"version": 1, "assignee_id": reviewer.id}).status_code == 303
    assert desk.post(f"/review/{reference}/note", data={"version": 2, "note": note}).status_code == 303
    assert note in desk.get(f"/review/{reference}").get_data(as_text=True)

    html = client.get(f"/incidents/{reference}").get_data(as_text=True)

    assert reference in html
    assert note not in html and "nephew" not in html
    assert reviewer.email not in html and "Assigned" not in html


# --- Z4: fields the filer may not set, posted anyway -------------------------------------------------------------


def test_status_assignee_reviewer_and_filer_fields_posted_with_a_filing_are_ignored(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    """Mass assignment through the web form: the filing's own fields are read from an allowlist (Draft.from_form)."""
    with app.app_context():
        someone = db.session.scalars(select(User).where(User.id != officer.id)).first()
        other_id = str(someone.id) if someone is not None else "1"
    extras = {
        "status": "closed",
        "assignee_id": other_id,
        "reviewer_id": other_id,
        "filed_by_id": other_id,
        "agency_id": "999",
        "version": "7",
        "reference": "INC-1999-999999",
        "closed_at": "2020-01-01T00:00:00Z",
    }
    reference = file_one(client, **extras)
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        stored = (incident.status, incident.assignee_id, incident.filed_by_id, incident.version, incident.closed_at)
        assert stored == ("submitted", None, officer.id, 1, None)
        assert incident.reference == reference != "INC-1999-999999"
        assert incident.agency_id == db.session.get(User, officer.id).agency_id
