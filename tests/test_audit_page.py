"""The admin audit page: admins only, filters, 50 a page newest first, htmx fragment or full page, reads audited."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit import service
from app.audit.actor import Actor
from app.extensions import db
from app.models.audit import AuditEvent
from tests.factories import StandInUser, stand_in_user

URL = "/admin/audit"


ALICE = stand_in_user(101, "alice@metro.example.gov", "officer", "Metro Police")
BOB = stand_in_user(102, "bob@county.example.gov", "dispatcher", "County Sheriff")


def _add(app: Flask, action: str, outcome: str, user: StandInUser = ALICE, **kw: object) -> None:
    with app.app_context():
        service.record_now(action, outcome, actor=Actor.of(user), **kw)  # type: ignore[arg-type]


def _add_at(app: Flask, when: datetime, action: str = "lookup.plate") -> None:
    with app.app_context():
        event = service.build_event(action, "hit", actor=Actor.of(ALICE))
        event.occurred_at = when
        db.session.add(event)
        db.session.commit()


def _ids(page: str) -> list[int]:
    """The event numbers in the table, in the order shown."""
    return [int(n) for n in re.findall(r'<td class="mono">(\d+)</td>', page)]


@pytest.fixture
def admin(client: FlaskClient, login_as: Callable[..., object]) -> FlaskClient:
    login_as("admin")
    return client


def _table(page: str) -> str:
    """Only the rows of the events table: the rest of the page holds random tokens that could match anything."""
    match = re.search(r"<tbody>(.*)</tbody>", page, re.S)
    return match.group(1) if match else ""


def _link(page: str, cursor: str) -> str:
    """The URL of the page link that carries this cursor (before= or after=)."""
    match = re.search(rf'href="([^"]*{cursor}=\d+[^"]*)"', page)
    assert match is not None, f"no {cursor} link on the page"
    return match.group(1).replace("&amp;", "&")


def _last_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _reads(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read")))


# --- Who may read it -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "dispatcher", "reviewer"])
def test_only_admins_may_read_the_audit_trail(client: FlaskClient, login_as: Callable[..., object], role: str) -> None:
    login_as(role)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Audit trail" not in response.get_data(as_text=True)


def test_an_anonymous_visitor_sees_nothing_of_the_trail(app: Flask, client: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", query="DAB1234")
    response = client.get(URL)
    assert response.status_code in (302, 401)
    assert "DAB1234" not in response.get_data(as_text=True)


# --- What it shows ---------------------------------------------------------------------------


def test_the_newest_events_come_first_fifty_to_a_page(app: Flask, admin: FlaskClient) -> None:
    for n in range(60):
        _add(app, "lookup.plate", "hit", query=f"Q{n}")
    newest = _last_id(app)
    ids = _ids(admin.get(URL).get_data(as_text=True))
    assert ids == list(range(newest, newest - 50, -1))


def test_the_older_link_shows_the_next_fifty_and_the_newer_link_comes_back(app: Flask, admin: FlaskClient) -> None:
    for n in range(60):
        _add(app, "lookup.plate", "hit", query=f"Q{n}")
    newest = _last_id(app)
    first = admin.get(URL).get_data(as_text=True)
    second = admin.get(_link(first, "before")).get_data(as_text=True)
    assert _ids(second) == list(range(newest - 50, 0, -1))
    assert _ids(admin.get(_link(second, "after")).get_data(as_text=True)) == list(range(newest, newest - 50, -1))


def test_an_event_row_shows_who_from_where_what_and_the_outcome(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.card", "miss", query="AB123456", record_ids=["C9"], detail={"reason": "not_in_registry"})
    page = admin.get(URL).get_data(as_text=True)
    for text in ("alice@metro.example.gov", "officer", "Metro Police", "lookup.card", "AB123456", "miss", "C9"):
        assert text in page
    assert "not_in_registry" in page


def test_the_page_has_no_inline_script_or_style(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", query="<script>alert(1)</script>")
    page = admin.get(URL).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "style=" not in page


# --- Filters ---------------------------------------------------------------------------------


def test_filtering_by_user_email_shows_only_that_users_events(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", user=ALICE, query="ALICE1")
    _add(app, "lookup.plate", "hit", user=BOB, query="BOB1")
    page = _table(admin.get(URL, query_string={"user": "BOB@county"}).get_data(as_text=True))
    assert "BOB1" in page and "ALICE1" not in page


def test_filtering_by_action_matches_the_action_or_its_family(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", query="P1")
    _add(app, "lookup.card", "hit", query="C1")
    _add(app, "lookups.other", "hit", query="X1")
    family = _table(admin.get(URL, query_string={"action": "lookup"}).get_data(as_text=True))
    assert "P1" in family and "C1" in family and "X1" not in family
    exact = _table(admin.get(URL, query_string={"action": "lookup.card"}).get_data(as_text=True))
    assert "C1" in exact and "P1" not in exact


def test_filtering_by_outcome(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", query="FOUND1")
    _add(app, "lookup.plate", "miss", query="MISSED1")
    page = _table(admin.get(URL, query_string={"outcome": "miss"}).get_data(as_text=True))
    assert "MISSED1" in page and "FOUND1" not in page


def test_filtering_by_record_id_matches_whole_ids_only(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", query="ONE", record_ids=["P1", "V7"])
    _add(app, "lookup.plate", "hit", query="ELEVEN", record_ids=["P11"])
    page = _table(admin.get(URL, query_string={"record_id": "P1"}).get_data(as_text=True))
    assert "ONE" in page and "ELEVEN" not in page


def test_a_typed_record_id_is_found_with_or_without_its_type(app: Flask, admin: FlaskClient) -> None:
    _add(app, "admin.card_view", "hit", query="VIEWED", record_ids=["card:DA100001", "person:P7"])
    _add(app, "admin.card_view", "hit", query="OTHER", record_ids=["card:DA1000011"])
    for typed in ("DA100001", "card:DA100001"):
        page = _table(admin.get(URL, query_string={"record_id": typed}).get_data(as_text=True))
        assert "VIEWED" in page and "OTHER" not in page


def test_filtering_by_date_range_includes_both_days(app: Flask, admin: FlaskClient) -> None:
    day = datetime(2026, 11, 20, tzinfo=UTC)
    _add_at(app, day - timedelta(seconds=1), "lookup.before")
    _add_at(app, day, "lookup.first")
    _add_at(app, day + timedelta(days=1, hours=23, minutes=59), "lookup.last")
    _add_at(app, day + timedelta(days=2), "lookup.after")
    page = _table(admin.get(URL, query_string={"from": "2026-11-20", "to": "2026-11-21"}).get_data(as_text=True))
    assert "lookup.first" in page and "lookup.last" in page
    assert "lookup.before" not in page and "lookup.after" not in page


def test_a_bad_date_is_refused_with_a_clear_message(app: Flask, admin: FlaskClient) -> None:
    response = admin.get(URL, query_string={"from": "23/11/2026"})
    assert response.status_code == 422
    assert "a date like 2026-11-23" in response.get_data(as_text=True)


def test_an_end_date_before_the_start_date_is_refused(app: Flask, admin: FlaskClient) -> None:
    response = admin.get(URL, query_string={"from": "2026-11-23", "to": "2026-11-01"})
    assert response.status_code == 422
    assert "must not be before the start date" in response.get_data(as_text=True)


def test_the_filters_are_kept_in_the_page_links(app: Flask, admin: FlaskClient) -> None:
    for n in range(55):
        _add(app, "lookup.plate", "miss", query=f"Q{n}")
    page = admin.get(URL, query_string={"outcome": "miss"}).get_data(as_text=True)
    assert re.search(r'href="[^"]*before=\d+[^"]*outcome=miss', page) or re.search(
        r'href="[^"]*outcome=miss[^"]*before=\d+', page
    )


# --- htmx and no-JS --------------------------------------------------------------------------


def test_without_htmx_the_filter_form_is_a_plain_get_form_on_a_full_page(app: Flask, admin: FlaskClient) -> None:
    response = admin.get(URL)
    page = response.get_data(as_text=True)
    assert "<html" in page
    assert re.search(r'<form[^>]*method="get"[^>]*action="/admin/audit"', page)
    assert 'id="audit-results"' in page


def test_an_htmx_filter_request_gets_only_the_table_fragment(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit", query="DAB1234")
    response = admin.get(URL, query_string={"action": "lookup"}, headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and "<form" not in page
    assert "DAB1234" in page
    assert "HX-Request" in response.headers["Vary"]


def test_an_htmx_request_with_a_bad_filter_gets_the_problem_as_a_fragment(app: Flask, admin: FlaskClient) -> None:
    response = admin.get(URL, query_string={"to": "yesterday"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "<html" not in response.get_data(as_text=True)
    assert "a date like" in response.get_data(as_text=True)


# --- Reading is audited ----------------------------------------------------------------------


def test_reading_the_trail_is_itself_audited_with_the_filters(app: Flask, admin: FlaskClient) -> None:
    _add(app, "lookup.plate", "hit")
    admin.get(URL, query_string={"outcome": "hit"})
    (read,) = _reads(app)
    assert (read.outcome, read.user_role) == ("ok", "admin")
    assert '"outcome":"hit"' in read.detail


def test_a_refused_read_is_audited_as_invalid(app: Flask, admin: FlaskClient) -> None:
    admin.get(URL, query_string={"from": "nonsense"})
    (read,) = _reads(app)
    assert read.outcome == "invalid"
    assert "nonsense" not in read.detail


def test_the_page_says_how_far_the_trail_is_sealed(app: Flask, admin: FlaskClient) -> None:
    from tests.audit_support import seal_everything  # noqa: PLC0415

    page = " ".join(admin.get("/admin/audit").get_data(as_text=True).split())
    assert "Nothing is sealed yet." in page and "wait for the first seal, the oldest from" in page
    # Each moment on one line: a phone broke "2026-12-" from "03T16:42:14.795Z".
    assert re.search(r'the oldest from <span class="nowrap" data-oldest-unsealed>\d{4}-\d\d-\d\dT[\d:.]+Z</span>', page)
    with app.app_context():
        seal_everything()
    page = " ".join(admin.get("/admin/audit").get_data(as_text=True).split())
    assert "Sealed in 1 signed batch, the newest at" in page
    assert re.search(r'the newest at <span class="nowrap" data-sealed-at>\d{4}-\d\d-\d\dT[\d:.]+Z</span>', page)
    # Only this page view since the seal: one event waits for the next seal.
    assert "1 event waits for the next seal, the oldest from" in page
