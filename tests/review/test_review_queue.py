"""The review queue: each filter, the counts, the order, pages, htmx and full page, the home office, bulk assignment."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.incident_codes import IncidentType, Status
from app.models import User
from app.offices import Office
from tests.factories import make_user
from tests.review.conftest import Subject
from tests.review.support import audit_events, events, new_incident, stored

NOW = datetime.now(UTC)


def shown(client: FlaskClient, query: str = "") -> set[str]:
    """The references in the queue's table for this query string."""
    response = client.get(f"/review?{query}" if "office=" in query else f"/review?office=&{query}")
    assert response.status_code == 200
    return set(re.findall(r'data-incident="(INC-[0-9-]+)"', response.get_data(as_text=True)))


@pytest.mark.parametrize(
    "query, wanted, other",
    [
        ("status=in_review", {"status": Status.IN_REVIEW}, {"status": Status.SUBMITTED}),
        ("type=dui", {"incident_type": IncidentType.DUI}, {"incident_type": IncidentType.PARKING}),
        ("office=miami", {"office": Office.MIAMI}, {"office": Office.CHICAGO}),
        ("mission=ruritania", {"mission_name": "Embassy of Ruritania"}, {"mission_name": "Embassy of Freedonia"}),
        ("country=freedonia", {"mission_country": "Freedonia"}, {"mission_country": "Ruritania"}),
        ("from=2026-03-01&to=2026-03-31", {"occurred_at": datetime(2026, 3, 31, 23, 0, tzinfo=UTC)},
         {"occurred_at": datetime(2026, 4, 1, 0, 30, tzinfo=UTC)}),
        ("from=2026-03-01", {"occurred_at": datetime(2026, 3, 1, 0, 0, tzinfo=UTC)},
         {"occurred_at": datetime(2026, 2, 28, 23, 59, tzinfo=UTC)}),
    ],
)  # fmt: skip
def test_each_filter_keeps_the_matching_incidents_and_drops_the_others(
    app: Flask, client: FlaskClient, reviewer: User, query: str, wanted: dict, other: dict
) -> None:
    match = new_incident(app, **wanted)
    miss = new_incident(app, **other)
    found = shown(client, query)
    assert match in found
    assert miss not in found


def test_the_agency_filter_matches_the_filing_agencys_name(app: Flask, client: FlaskClient, reviewer: User) -> None:
    with app.app_context():
        county = make_user("officer", agency="Arlington County Police")
        city = make_user("officer", agency="Metropolitan Police Department")
    match = new_incident(app, filed_by=county)
    miss = new_incident(app, filed_by=city)
    assert shown(client, "agency=arlington") & {match, miss} == {match}


def test_the_assignee_filter_knows_me_unassigned_and_another_reviewer(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    with app.app_context():
        colleague = make_user("reviewer")
    mine = new_incident(app, assignee_id=reviewer.id)
    theirs = new_incident(app, assignee_id=colleague.id)
    nobodys = new_incident(app)
    assert shown(client, "assignee=me") == {mine}
    assert shown(client, "assignee=unassigned") == {nobodys}
    assert shown(client, f"assignee={colleague.id}") == {theirs}


def test_the_counts_per_status_ignore_the_status_filter_but_keep_the_others(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    for status in (Status.SUBMITTED, Status.SUBMITTED, Status.CLOSED):
        new_incident(app, status=status, office=Office.HOUSTON)
    new_incident(app, status=Status.SUBMITTED, office=Office.MIAMI)
    body = client.get("/review?office=houston&status=closed").get_data(as_text=True)
    counts = dict(re.findall(r'data-status-count="(\w+)"[^>]*>\s*<span class="count">(\d+)', body))
    assert counts["submitted"] == "2"
    assert counts["closed"] == "1"
    assert counts["in_review"] == "0"
    assert counts["any"] == "3"


def test_the_queue_lists_the_oldest_filed_first(app: Flask, client: FlaskClient, reviewer: User) -> None:
    newer = new_incident(app, filed_at=NOW - timedelta(days=1))
    older = new_incident(app, filed_at=NOW - timedelta(days=9))
    body = client.get("/review?office=").get_data(as_text=True)
    assert body.index(older) < body.index(newer)


def test_the_queue_pages_by_fifty_and_the_page_links_keep_the_filter(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    made = [new_incident(app, incident_type=IncidentType.PARKING, filed_at=NOW - timedelta(minutes=100 - i))
            for i in range(51)]  # fmt: skip
    new_incident(app, incident_type=IncidentType.DUI)
    first = client.get("/review?office=&type=parking").get_data(as_text=True)
    assert len(re.findall(r'data-incident="', first)) == 50
    assert "Page 1 of 2" in first
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "type=parking" in next_url and "page=2" in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert re.findall(r'data-incident="(INC-[0-9-]+)"', second) == [made[-1]]


def test_an_htmx_request_gets_the_table_alone_and_a_plain_one_the_whole_page(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app)
    fragment = client.get("/review?office=", headers={"HX-Request": "true"})
    page = client.get("/review?office=")
    assert reference in fragment.get_data(as_text=True) and reference in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True) and 'hx-push-url="true"' in page.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in page.headers["Vary"]


def test_a_row_shows_the_person_and_plate_the_officer_looked_up(
    app: Flask, client: FlaskClient, reviewer: User, subject: Subject
) -> None:
    new_incident(app, plate=subject.plate)
    body = client.get("/review?office=").get_data(as_text=True)
    assert subject.name in body and subject.plate in body


def test_a_bad_filter_is_answered_with_what_is_wrong(app: Flask, client: FlaskClient, reviewer: User) -> None:
    response = client.get("/review?status=lost&from=yesterday")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Check the filters" in body and "a date like" in body


def test_a_reviewers_queue_opens_on_their_home_office(app: Flask, client: FlaskClient, login_as) -> None:
    login_as("reviewer", office=Office.NEW_YORK)
    here = new_incident(app, office=Office.NEW_YORK)
    there = new_incident(app, office=Office.MIAMI)
    opened = client.get("/review").get_data(as_text=True)
    assert here in opened and there not in opened
    assert '<option value="new_york" selected>' in opened
    assert {here, there} <= shown(client)  # "All offices" is one choice away


@pytest.mark.parametrize("role, office", [("reviewer", Office.HEADQUARTERS), ("reviewer", None), ("admin", None)])
def test_headquarters_no_office_and_admins_open_on_every_office(
    app: Flask, client: FlaskClient, login_as, role: str, office: Office | None
) -> None:
    login_as(role, office=office)
    references = {new_incident(app, office=Office.NEW_YORK), new_incident(app, office=Office.MIAMI)}
    body = client.get("/review").get_data(as_text=True)
    assert all(reference in body for reference in references)


@pytest.mark.parametrize("role", ["officer", "dispatcher"])
def test_officers_and_dispatchers_cannot_open_the_review_desk(
    app: Flask, client: FlaskClient, login_as, role: str
) -> None:
    login_as(role)
    reference = new_incident(app)
    for url in ("/review", f"/review/{reference}", "/review/export.csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert reference not in response.get_data(as_text=True) or url.endswith(reference)


def test_bulk_assignment_assigns_every_incident_matching_the_filter_in_one_audited_step(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    with app.app_context():
        colleague = make_user("reviewer")
    dui = [new_incident(app, incident_type=IncidentType.DUI) for _ in range(3)]
    parking = new_incident(app, incident_type=IncidentType.PARKING)
    response = client.post(
        "/review/assign", data={"office": "", "type": "dui", "assignee_id": colleague.id, "confirmed": "yes"}
    )
    assert response.status_code == 303 and "type=dui" in response.headers["Location"]
    assert all(stored(app, reference).assignee_id == colleague.id for reference in dui)
    assert stored(app, parking).assignee_id is None
    assert [event.kind for event in events(app, dui[0])] == ["filed", "assigned"]
    (audit,) = audit_events(app, "incident.assigned")
    assert '"count":3' in audit.detail and '"type":"dui"' in audit.detail
    assert f"incident:{dui[0]}" in audit.record_ids


def test_bulk_assignment_of_checked_rows_assigns_only_those(app: Flask, client: FlaskClient, reviewer: User) -> None:
    first, second, third = (new_incident(app) for _ in range(3))
    client.post(
        "/review/assign",
        data={"office": "", "assignee_id": reviewer.id, "reference": [first, third], "confirmed": "yes"},
    )
    assert [stored(app, r).assignee_id for r in (first, second, third)] == [reviewer.id, None, reviewer.id]


def test_bulk_assignment_asks_first_without_javascript_and_changes_nothing_until_confirmed(
    app: Flask, client: FlaskClient, reviewer: User
) -> None:
    reference = new_incident(app)
    response = client.post("/review/assign", data={"office": "", "assignee_id": reviewer.id})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Assign 1 incident to" in body and 'name="confirmed" value="yes"' in body
    assert stored(app, reference).assignee_id is None
    assert audit_events(app, "incident.assigned") == []


def test_the_queue_asks_before_a_bulk_assignment(app: Flask, client: FlaskClient, reviewer: User) -> None:
    new_incident(app)
    body = client.get("/review?office=").get_data(as_text=True)
    assert re.search(r'<form id="bulk"[^>]*data-confirm="Assign these incidents\?"', body)
    assert "js/confirm.js" in body
