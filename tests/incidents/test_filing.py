"""Filing an incident from a result (issue 10 items 1–4): the form, the snapshot, the reference, idempotency."""

import hashlib
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.config import ConfigError, load
from app.extensions import db
from app.immunity import CardStatus
from app.incidents import service
from app.incidents.form import Draft
from app.models import AuditEvent, Card, IdempotencyKey, Incident, IncidentAttachment, IncidentEvent, User
from tests.conftest import sign_in
from tests.factories import make_user
from tests.incidents.conftest import HX, PDF_BYTES, fields, form_for, looked_up, png_bytes


def incident_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Incident)) or 0


def file(client: FlaskClient, rid: str, key: str, headers: dict[str, str] | None = None, **overrides: object):
    return client.post(
        "/incidents", data={**fields(**overrides), "lookup": rid, "idempotency_key": key}, headers=headers or {}
    )


def test_every_result_offers_filing_an_incident_by_result_id_never_by_plate(client: FlaskClient, officer: User) -> None:
    response = client.post("/lookup", data={"q": "DRZ1204", "kind": "plate"}, headers=HX)
    html = response.get_data(as_text=True)
    assert 'data-action="file-incident"' in html
    link = html[html.index('data-action="file-incident"') :].split('href="', 1)[1].split('"', 1)[0]
    assert link.startswith("/incidents/new?lookup=") and "DRZ1204" not in link


def test_a_miss_offers_filing_too(client: FlaskClient, officer: User) -> None:
    assert looked_up(client, "DXX9999")


def test_the_form_shows_what_the_officer_was_shown(client: FlaskClient, officer: User) -> None:
    html, key = form_for(client, looked_up(client, "DRZ1204"))
    assert "Ada Demo-Kovar" in html and "Full immunity" in html
    assert len(key) >= 16


def test_filing_stores_the_incident_its_snapshot_and_its_history_and_answers_with_the_reference(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    response = file(client, rid, key)
    year = datetime.now(UTC).year
    assert response.status_code == 303
    assert response.headers["Location"] == f"/incidents/INC-{year}-000001?filed=new"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-incident-reference="INC-{year}-000001"' in page and "Incident filed" in page
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        assert incident.filed_by_id == officer.id and incident.state == "NY" and str(incident.office) == "new_york"
        assert incident.actions_taken == ["released", "citation_issued"]  # in the code list's order
        assert incident.snapshot["source"] == "plate" and incident.snapshot["query"] == "DRZ1204"
        person = incident.snapshot["persons"][0]
        assert (
            person["id"] == "P-DIP" and person["verdict"]["level"] == "full" and person["card"]["number"] == "ZZ100001"
        )
        assert incident.person_id == "P-DIP" and incident.mission_name == "Embassy of Ruritania"
        lookup_event = db.session.get(AuditEvent, incident.lookup_event_id)
        assert lookup_event is not None and lookup_event.action == "lookup.plate" and lookup_event.query == "DRZ1204"
        events = db.session.scalars(select(IncidentEvent)).all()
        assert [(e.version, str(e.kind)) for e in events] == [(1, "filed")]
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.file")).one()
        assert audit.outcome == "ok" and f"incident:INC-{year}-000001" in audit.record_ids


def test_the_snapshot_keeps_what_was_shown_when_the_registry_changes_later(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    file(client, rid, form_for(client, rid)[1])
    with app.app_context():
        card = db.session.scalars(select(Card).where(Card.card_number == "ZZ100001")).one()
        card.status = CardStatus.REVOKED
        db.session.commit()
        incident = db.session.scalars(select(Incident)).one()
        assert incident.snapshot["persons"][0]["card"]["status"] == "valid"
        assert incident.snapshot["persons"][0]["verdict"]["level"] == "full"


def test_a_miss_is_filed_with_the_plate_as_seen(app: Flask, client: FlaskClient, officer: User) -> None:
    rid = looked_up(client, "DXX9999")
    assert file(client, rid, form_for(client, rid)[1], type="suspected_fraud").status_code == 303
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        assert incident.snapshot["found"] is False and incident.snapshot["query"] == "DXX9999"
        assert incident.person_id is None and incident.mission_name is None


def test_a_refused_card_scan_is_filed_with_its_outcome(app: Flask, client: FlaskClient, officer: User) -> None:
    page = client.get("/v/not-a-token").get_data(as_text=True)
    rid = page.split("/incidents/new?lookup=", 1)[1][:12]
    assert file(client, rid, form_for(client, rid)[1], type="suspected_fraud").status_code == 303
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        assert incident.snapshot["source"] == "scan" and incident.snapshot["check"]["outcome"] == "not_envoy"
        assert incident.snapshot["persons"] == []


def test_references_increase_within_the_year(app: Flask, client: FlaskClient, officer: User) -> None:
    rid = looked_up(client, "DRZ1204")
    first = file(client, rid, form_for(client, rid)[1]).headers["Location"]
    second = file(client, rid, form_for(client, rid)[1]).headers["Location"]
    year = datetime.now(UTC).year
    assert first.startswith(f"/incidents/INC-{year}-000001") and second.startswith(f"/incidents/INC-{year}-000002")


def test_the_same_key_again_is_the_same_incident_and_the_page_says_so(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    first = file(client, rid, key)
    again = file(client, rid, key)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"].replace("filed=new", "filed=again")
    assert "Already filed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert incident_count(app) == 1


def test_the_htmx_submit_answers_201_then_200_for_a_retry(app: Flask, client: FlaskClient, officer: User) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    first = file(client, rid, key, headers=HX)
    again = file(client, rid, key, headers=HX)
    assert first.status_code == 201 and 'data-filed="new"' in first.get_data(as_text=True)
    assert again.status_code == 200 and 'data-filed="again"' in again.get_data(as_text=True)
    assert "data-incident-reference=" in again.get_data(as_text=True)
    assert incident_count(app) == 1


def test_the_same_key_with_other_content_is_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    file(client, rid, key)
    response = file(client, rid, key, narrative="A different story altogether, typed after the first send.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already filed an incident with different details" in html
    assert "A different story altogether" in html  # what was typed is still on screen
    assert f'value="{key}"' not in html  # a new key: filing these details again makes a new incident
    assert incident_count(app) == 1


def claim_key(app: Flask, officer: User, values: dict[str, object], claimed_at: datetime) -> None:
    """Leave a claim on the form's key as a submission of the same content would (one in flight, or one that died)."""
    form = MultiDict([(k, v) for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])])
    with app.app_context():
        draft = Draft.from_form(form)
        source = service.source_for(officer.id, draft.get("lookup"))
        assert source is not None
        digest = service.request_hash(service.validate(draft.to_input(), datetime.now(UTC)), source, [])
        db.session.add(
            IdempotencyKey(
                user_id=officer.id, key=draft.get("idempotency_key"), request_hash=digest, claimed_at=claimed_at
            )
        )
        db.session.commit()


def test_a_submission_still_in_flight_gets_409_and_keeps_the_form(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    values = {**fields(), "lookup": rid, "idempotency_key": key}
    claim_key(app, officer, values, datetime.now(UTC))
    response = client.post("/incidents", data=values, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "still being filed" in html and "Retry" in html and f'value="{key}"' in html
    assert "5th Ave and E 42nd St" in html
    assert incident_count(app) == 0


def test_a_claim_left_by_a_dead_submission_is_taken_over_by_the_retry(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    claim_key(
        app, officer, {**fields(), "lookup": rid, "idempotency_key": key}, datetime.now(UTC) - timedelta(minutes=5)
    )
    assert file(client, rid, key).status_code == 303
    assert incident_count(app) == 1


def test_invalid_input_is_refused_field_by_field_keeps_what_was_typed_and_stores_nothing(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = file(client, rid, key, occurred_at=future, state="ZZ", narrative="short", actions_taken=[])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="occurred_at-error">is in the future' in html
    assert 'id="state-error">ZZ is not a US state' in html
    assert 'id="narrative-error"' in html and 'id="actions_taken-error"' in html
    assert "5th Ave and E 42nd St" in html and f'value="{key}"' in html
    assert incident_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_a_dui_report_must_list_the_signs_and_the_sobriety_tests(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    refused = file(client, rid, key, type="dui")
    assert refused.status_code == 422 and 'id="impairment_signs-error"' in refused.get_data(as_text=True)
    ok = file(
        client, rid, key, type="dui", impairment_signs="Odour of alcohol, slurred speech", sobriety_tests="Declined"
    )
    assert ok.status_code == 303
    with app.app_context():
        incident = db.session.scalars(select(Incident)).one()
        assert incident.impairment_signs == "Odour of alcohol, slurred speech" and incident.sobriety_tests == "Declined"


def test_a_citation_issued_needs_its_number(client: FlaskClient, officer: User) -> None:
    rid = looked_up(client, "DRZ1204")
    response = file(client, rid, form_for(client, rid)[1], citation_number="")
    assert response.status_code == 422 and 'id="citation_number-error"' in response.get_data(as_text=True)


def test_attachments_are_stored_unaltered_with_their_hash_and_served_only_as_downloads(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    png = png_bytes()
    data = {
        **fields(),
        "lookup": rid,
        "idempotency_key": key,
        "attachments": [(io.BytesIO(png), "citation.png"), (io.BytesIO(PDF_BYTES), "../../report.pdf")],
    }
    response = client.post("/incidents", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    reference = response.headers["Location"].split("/")[2].split("?")[0]
    with app.app_context():
        stored = db.session.scalars(select(IncidentAttachment).order_by(IncidentAttachment.position)).all()
        assert [(a.filename, a.media_type) for a in stored] == [
            ("citation.png", "image/png"),
            ("report.pdf", "application/pdf"),
        ]
        assert stored[0].content == png and stored[0].sha256 == hashlib.sha256(png).hexdigest()
    download = client.get(f"/incidents/{reference}/attachments/1")
    assert download.status_code == 200 and download.data == png
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    download.close()
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.attachment")).one()


def test_a_file_that_is_not_really_an_image_is_refused_whatever_its_name(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    data = {
        **fields(),
        "lookup": rid,
        "idempotency_key": key,
        "attachments": [(io.BytesIO(b"<html>hi</html>"), "photo.jpg")],
    }
    response = client.post("/incidents", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "photo.jpg is not a JPEG, PNG or PDF file" in response.get_data(as_text=True)
    assert incident_count(app) == 0


def test_more_than_five_attachments_are_refused(app: Flask, client: FlaskClient, officer: User) -> None:
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    files = [(io.BytesIO(png_bytes()), f"p{i}.png") for i in range(6)]
    response = client.post(
        "/incidents",
        data={**fields(), "lookup": rid, "idempotency_key": key, "attachments": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "at most 5 attachments" in response.get_data(as_text=True)
    assert incident_count(app) == 0


def test_the_filing_form_takes_a_body_larger_than_other_pages_do(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    big = PDF_BYTES[:-6] + b"0" * (3 * 1024 * 1024) + b"\n%%EOF\n"  # 3 MB: over the 2 MB every other page takes
    rid = looked_up(client, "DRZ1204")
    _, key = form_for(client, rid)
    form = MultiDict(
        [*fields(actions_taken="released", citation_number="").items(), ("lookup", rid), ("idempotency_key", key)]
    )
    form.add("attachments", FileStorage(io.BytesIO(big), "scan.pdf", content_type="application/pdf"))
    # Encoded in memory: the test client would spool a body this size to a temporary file it never closes.
    boundary, body = encode_multipart(form)
    response = client.post("/incidents", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 303
    too_big = client.post(
        "/lookup", data=b"q=" + b"x" * (3 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert too_big.status_code == 413


def test_another_officer_cannot_open_an_incident_or_file_from_a_lookup_not_theirs(
    app: Flask, client: FlaskClient, officer: User, login_as: Callable[..., User]
) -> None:
    rid = looked_up(client, "DRZ1204")
    reference = file(client, rid, form_for(client, rid)[1]).headers["Location"].split("/")[2].split("?")[0]
    other = app.test_client()
    login_as("officer", client=other)
    assert other.get(f"/incidents/{reference}").status_code == 404
    assert other.get(f"/incidents/{reference}/attachments/1").status_code == 404
    assert other.get("/incidents/INC-2026-999999").status_code == 404
    page = other.get(f"/incidents/new?lookup={rid}").get_data(as_text=True)
    assert "Ada Demo-Kovar" not in page and "data-source-lost" in page
    assert reference not in other.get("/incidents").get_data(as_text=True)


def test_the_officer_lists_their_own_incidents_with_status(client: FlaskClient, officer: User) -> None:
    rid = looked_up(client, "DRZ1204")
    reference = file(client, rid, form_for(client, rid)[1]).headers["Location"].split("/")[2].split("?")[0]
    html = client.get("/incidents").get_data(as_text=True)
    assert f'data-incident-row="{reference}"' in html and "Submitted" in html


def test_the_office_follows_the_state_and_configuration_can_move_a_state(
    app_with: Callable[..., Flask], login_as: Callable[..., User]
) -> None:
    app = app_with(OFM_OFFICE_BY_STATE="NY=chicago")
    client = app.test_client()
    with app.app_context():
        user = make_user("officer")
        sign_in(client, user.email)
    _, key = form_for(client)
    assert client.post("/incidents", data={**fields(), "idempotency_key": key}).status_code == 303
    with app.app_context():
        assert str(db.session.scalars(select(Incident)).one().office) == "chicago"


def test_a_bad_state_to_office_table_stops_the_app_from_starting() -> None:
    with pytest.raises(ConfigError, match="'XX' is not a US state"):
        load({"OFM_OFFICE_BY_STATE": "XX=new_york"}, environ={})
    with pytest.raises(ConfigError, match="'boston' is not an office"):
        load({"OFM_OFFICE_BY_STATE": "MA=boston"}, environ={})
