"""Issue 12 item 7 (ASVS 14.2.1): a person's name typed into the admin card search never goes into a URL.

Written as the attack: anything that reads addresses (browser history, a proxy's or gunicorn's access log,
a Referer) must not learn whom an admin looked up. The search is a CSRF-protected POST answered in place.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Person
from tests.cards.support import events
from tests.conftest import csrf_from, sign_in
from tests.factories import make_card, make_person, make_user

INLINE_STYLE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)")


@pytest.fixture
def person(ctx: Flask, active_kid: str) -> Person:
    person = make_person(full_name="Ana Testova")
    make_card(person=person, card_number="DA100001")
    db.session.commit()
    return person


@pytest.fixture
def admin_client(client: FlaskClient, login_as: Callable[..., Any], person: Person) -> FlaskClient:
    login_as("admin")
    return client


def test_the_search_form_posts_so_the_name_stays_out_of_the_address(admin_client: FlaskClient) -> None:
    html = admin_client.get("/admin/cards").get_data(as_text=True)
    form = re.search(r'<form[^>]*role="search"[^>]*>', html)
    assert form is not None and 'method="post"' in form.group(0) and 'action="/admin/cards"' in form.group(0)


def test_a_posted_search_is_answered_in_place_without_a_redirect_to_an_address_with_the_name(
    admin_client: FlaskClient, person: Person
) -> None:
    response = admin_client.post("/admin/cards", data={"q": "Testova"})
    assert response.status_code == 200 and "Location" not in response.headers
    html = response.get_data(as_text=True)
    assert f'data-person="{person.id}"' in html
    assert "Testova" not in "".join(re.findall(r'(?:href|action)="([^"]*)"', html))
    assert [e.query for e in events("admin.card_search")] == ["Testova"]
    assert not INLINE_STYLE.search(html)


def test_a_name_in_an_old_search_address_is_not_searched_and_the_page_says_why(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/cards?q=Testova")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-results" not in html and "data-search-moved" in html
    assert 'value="Testova"' not in html
    assert events("admin.card_search") == []


def test_a_search_without_its_csrf_token_is_refused(app_with: Callable[..., Flask]) -> None:
    app = app_with(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user("admin")
    client = app.test_client()
    assert sign_in(client, admin.email, totp_secret=admin.totp_secret).status_code == 302
    assert client.post("/admin/cards", data={"q": "Testova"}).status_code == 400
    token = csrf_from(client.get("/admin/cards")) or ""
    assert client.post("/admin/cards", data={"q": "Testova", "csrf_token": token}).status_code == 200


@pytest.mark.parametrize("role", ["officer", "dispatcher", "reviewer"])
def test_other_roles_cannot_search_cards(client: FlaskClient, login_as: Callable[..., Any], role: str) -> None:
    login_as(role)
    assert client.post("/admin/cards", data={"q": "Testova"}).status_code == 403


def test_every_view_of_a_persons_full_record_is_audited_with_who_and_which_person(
    app: Flask, client: FlaskClient, login_as: Callable[..., Any]
) -> None:
    """Security bar P3: the admin's full record of a person (the card issue page) is read under audit, each time.
    (No app context is held open here: the test client's requests then each get their own, as in production.)"""
    admin_user = login_as("admin")
    with app.app_context():
        person_id = make_person(full_name="Bo Newcomer").id
        db.session.commit()
    for _ in range(2):
        assert client.get(f"/admin/cards/person/{person_id}").status_code == 200
    with app.app_context():
        views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.person_view")).all()
        seen = [(e.outcome, e.query, e.record_ids, e.user_id, e.user_role) for e in views]
    assert seen == [("hit", person_id, f"person:{person_id}", admin_user.id, "admin")] * 2
