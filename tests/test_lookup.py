"""Officer and dispatcher lookups: plate and card number to a verdict, as page and as htmx fragment."""

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.immunity import CardStatus, Category, MissionKind, Relationship
from app.lookup.wording import date_parts
from app.models import AuditEvent, User
from tests.conftest import sign_in
from tests.factories import make_card, make_mission, make_person, make_user, make_vehicle

HX = {"HX-Request": "true"}


@pytest.fixture
def registry(app: Flask) -> None:
    with app.app_context():
        embassy = make_mission(name="Embassy of Ruritania", country="Ruritania", plate_code="RZ")
        diplomat = make_person(embassy, id="P-DIP", full_name="Ada Demo-Kovar")
        make_card(diplomat, card_number="ZZ100001")
        make_vehicle(embassy, diplomat, plate="DRZ1204")
        make_vehicle(embassy, None, plate="DRZ100")
        consulate = make_mission(id="M-CON", kind=MissionKind.CONSULATE, name="Consulate of Ruritania")
        consul = make_person(consulate, id="P-CON", category=Category.CAREER_CONSULAR_OFFICER, full_name="Bo Demo-Lund")
        make_card(consul, card_number="ZZ100002")
        child = make_person(
            consulate,
            id="P-KID",
            principal=consul,
            relationship=Relationship.CHILD,
            category=Category.CAREER_CONSULAR_OFFICER,
        )
        make_card(child, card_number="ZZ100003")
        make_card(make_person(embassy, id="P-REV"), card_number="ZZ100004", status=CardStatus.REVOKED)
        db.session.commit()


@pytest.fixture
def officer(login_as: Callable[..., User], registry: None) -> User:
    return login_as("officer")


def lookup(client: FlaskClient, q: str, kind: str = "auto", path: str = "/lookup", **headers: str):
    return client.post(path, data={"q": q, "kind": kind}, headers=headers)


def test_plate_lookup_without_htmx_redirects_to_a_result_url_without_the_plate(
    client: FlaskClient, officer: User
) -> None:
    response = lookup(client, "drz-1204", "plate")
    assert response.status_code == 303
    assert "/lookup/r/" in response.headers["Location"]
    assert "DRZ1204" not in response.headers["Location"]


def test_the_result_url_renders_the_full_page_with_the_verdict(client: FlaskClient, officer: User) -> None:
    location = lookup(client, "DRZ1204", "plate").headers["Location"]
    page = client.get(location)
    assert page.status_code == 200
    assert b"<html" in page.data
    assert b'data-verdict-level="full"' in page.data
    assert b"Ada Demo-Kovar" in page.data
    assert page.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in page.headers["Vary"]


def test_plate_lookup_with_htmx_returns_only_the_fragment_and_pushes_the_result_url(
    client: FlaskClient, officer: User
) -> None:
    response = lookup(client, "DRZ1204", "plate", **HX)
    assert response.status_code == 200
    assert b"<html" not in response.data
    assert b'data-verdict-level="full"' in response.data
    assert response.headers["HX-Push-Url"].startswith("/lookup/r/")
    assert "HX-Request" in response.headers["Vary"]


def test_result_url_with_htmx_returns_the_fragment(client: FlaskClient, officer: User) -> None:
    url = lookup(client, "DRZ1204", "plate", **HX).headers["HX-Push-Url"]
    response = client.get(url, headers=HX)
    assert b"<html" not in response.data
    assert b'data-verdict-level="full"' in response.data


def test_a_result_url_from_another_session_is_not_found(client: FlaskClient, officer: User) -> None:
    assert client.get("/lookup/r/someone-elses").status_code == 404


def test_card_number_lookup_shows_the_consular_officers_felony_warrant_verdict(
    client: FlaskClient, officer: User
) -> None:
    response = lookup(client, "zz 100002", "card", **HX)
    assert b'data-verdict-level="felony_warrant"' in response.data
    assert b'data-answer="felony_warrant_only"' in response.data


def test_family_of_a_consular_officer_has_no_immunity(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "ZZ100003", "card", **HX)
    assert b'data-verdict-level="none"' in response.data
    # The child's category is the consul's: said of the consul, not as if the child held the post.
    assert b'data-relationship="child">Child of Bo Demo-Lund (Career consular officer)<' in response.data


def test_a_revoked_card_is_unverified_and_puts_the_call_first(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "ZZ100004", "card", **HX)
    html = response.data.decode()
    assert 'data-verdict-level="unverified"' in html
    assert "Card revoked" in html
    assert html.index("tel:+18662172089") < html.index("May I")


def test_an_official_car_with_no_person_says_so(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "DRZ100", "plate", **HX)
    assert b"data-official-car" in response.data
    assert b"data-verdict-level" not in response.data
    assert b"data-registered-to" not in response.data


def test_a_plates_verdict_says_it_is_the_registered_persons_not_necessarily_the_drivers(
    client: FlaskClient, officer: User
) -> None:
    html = lookup(client, "DRZ1204", "plate", **HX).get_data(as_text=True)
    assert html.index('data-vehicle="DRZ1204"') < html.index("data-registered-to") < html.index("data-verdict-level")
    assert "data-registered-to" not in lookup(client, "ZZ100001", "card", **HX).get_data(as_text=True)


def test_a_person_without_a_registry_photo_shows_that_there_is_none(client: FlaskClient, officer: User) -> None:
    """The card caveat says to compare the photo: where there is none, the place of the photo says so."""
    html = lookup(client, "ZZ100001", "card", **HX).get_data(as_text=True)
    assert re.search(r"data-no-photo>No photo on file<", html)
    assert 'class="photo"' not in html


def test_a_misread_plate_offers_near_matches_to_confirm_never_a_verdict(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "DRZ12O4", "plate", **HX)
    html = response.data.decode()
    assert "data-miss" in html
    assert "Confirm the plate" in html and "DRZ1204" in html
    assert "data-verdict-level" not in html


def test_a_miss_decodes_the_plate_as_a_hint_with_the_mission_of_its_code(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "DRZ9999", "plate", **HX)
    html = response.data.decode()
    assert "data-hint" in html and "hint, not a record" in html
    assert "Embassy of Ruritania" in html


def test_a_plate_with_other_characters_is_refused_with_a_clear_message(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "DRZ/1204", "plate", **HX)
    assert response.status_code == 422
    assert b"A plate has only letters and digits" in response.data


def test_the_auto_field_takes_the_printed_card_shape_as_a_card_number(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "ZZ100001", "auto", **HX)
    assert b"Ada Demo-Kovar" in response.data


def test_every_lookup_is_audited_with_the_normalised_query_and_record_ids(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    lookup(client, "drz 1204", "plate", **HX)
    lookup(client, "DRZ9999", "plate", **HX)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lookup.plate")).all()
    assert [(e.query, e.outcome) for e in events] == [("DRZ1204", "hit"), ("DRZ9999", "miss")]
    assert "person:P-DIP" in events[0].record_ids


def test_the_dispatcher_console_lists_this_sessions_lookups(
    client: FlaskClient, login_as: Callable[..., User], registry: None
) -> None:
    login_as("dispatcher")
    response = lookup(client, "DRZ1204", "plate", path="/dispatch", **HX)
    assert b'hx-swap-oob="true"' in response.data
    page = client.get("/dispatch")
    assert b"DRZ1204" in page.data
    assert b"autofocus" in page.data


def test_the_officer_page_without_htmx_is_a_full_page_with_the_form(client: FlaskClient, officer: User) -> None:
    page = client.get("/lookup")
    assert b"<html" in page.data and b'name="q"' in page.data


def test_officer_lookups_are_rate_limited_per_user(app_with: Callable[..., Flask]) -> None:
    limited = app_with(RATELIMIT_ENABLED=True, LOOKUP_RATE_PER_USER="2/minute")
    with limited.app_context():
        make_user("officer", email="limited@metro.example.gov")
    client = limited.test_client()
    assert sign_in(client, "limited@metro.example.gov").status_code == 302
    statuses = [lookup(client, "DRZ1", "plate", **HX).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_dispatch_console_without_htmx_redirects_to_its_own_result_url(
    client: FlaskClient, login_as: Callable[..., User], registry: None
) -> None:
    login_as("dispatcher")
    response = lookup(client, "DRZ1204", "plate", path="/dispatch")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert response.headers["Location"].startswith("/dispatch/r/")
    assert b"<html" in page.data and b'data-verdict-level="full"' in page.data
    assert b"hx-swap-oob" not in page.data


@pytest.mark.parametrize(
    ("typed", "chosen", "found_kind", "level"),
    [("ZZ100001", "plate", "card", "full"), ("DRZ1204", "card", "plate", "full")],
)
def test_a_card_number_typed_as_a_plate_or_a_plate_typed_as_a_card_number_still_finds_the_record(
    app: Flask, client: FlaskClient, officer: User, typed: str, chosen: str, found_kind: str, level: str
) -> None:
    response = lookup(client, typed, chosen, **HX)
    html = response.get_data(as_text=True)
    assert f'data-verdict-level="{level}"' in html
    assert f'data-typed-as="{chosen}"' in html and f'data-kind="{found_kind}"' in html
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == f"lookup.{found_kind}")).one()
    assert event.outcome == "hit" and f'"typed_as":"{chosen}"' in event.detail


def test_a_miss_under_both_readings_stays_a_miss_of_the_kind_chosen(client: FlaskClient, officer: User) -> None:
    html = lookup(client, "ZZ999999", "plate", **HX).get_data(as_text=True)
    assert "data-miss" in html and 'data-kind="plate"' in html and "data-typed-as" not in html


def test_an_input_error_replaces_the_address_bars_earlier_result_url(client: FlaskClient, officer: User) -> None:
    response = lookup(client, "!!!", "plate", **HX)
    assert response.status_code == 422
    assert response.headers["HX-Replace-Url"] == "/lookup"


def test_a_result_url_from_another_session_shows_the_form_and_says_why(client: FlaskClient, officer: User) -> None:
    response = client.get("/lookup/r/not-in-this-session")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "data-result-expired" in html and 'name="q"' in html


@pytest.mark.parametrize(
    ("query", "kind", "caveats"),
    [("DRZ1204", "plate", ["plate"]), ("ZZ100001", "card", ["card"]), ("ZZ100002", "card", ["card", "official-acts"])],
)
def test_the_short_caveats_fit_what_was_looked_up_and_the_verdict(
    client: FlaskClient, officer: User, query: str, kind: str, caveats: list[str]
) -> None:
    html = lookup(client, query, kind, **HX).get_data(as_text=True)
    assert re.findall(r'data-caveat="([a-z-]+)"', html) == caveats


def test_a_result_link_that_outlived_its_session_names_what_it_was_for_and_offers_it_again(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    location = lookup(client, "DRZ1204", "plate").headers["Location"]
    client.post("/logout", data={"csrf_token": _csrf(client)})
    sign_in(client, officer.email)
    response = client.get(location)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'data-earlier-query="DRZ1204"' in html
    assert re.search(r'name="q" value="DRZ1204"', html) and re.search(r'name="kind" value="plate"', html)


def test_another_users_result_link_names_nothing(
    app: Flask, client: FlaskClient, officer: User, login_as: Callable[..., User]
) -> None:
    location = lookup(client, "DRZ1204", "plate").headers["Location"]
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login_as("officer", email="other@example.gov")
    html = client.get(location).get_data(as_text=True)
    assert "data-result-expired" in html and "DRZ1204" not in html


def _csrf(client: FlaskClient) -> str:
    html = client.get("/lookup").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


def test_the_history_names_a_suspended_driving_record_and_the_time_zone(
    app: Flask, client: FlaskClient, officer: User
) -> None:
    from datetime import date

    from app.registry.driving import record_points

    with app.app_context():
        record_points("P-DIP", 12, date.today(), "TEST-1", date.today())
    html = lookup(client, "DRZ1204", "plate", path="/dispatch", **HX).get_data(as_text=True)
    history = html[html.index('id="history"') :]
    assert "full immunity (driving suspended)" in history
    assert re.search(r"\d\d:\d\d UTC", history)


def test_the_officer_page_lists_recent_lookups_and_updates_them_after_each_lookup(
    client: FlaskClient, officer: User
) -> None:
    html = lookup(client, "ZZ100001", "card", **HX).get_data(as_text=True)
    assert 'id="history" hx-swap-oob="true"' in html and 'data-query="ZZ100001"' in html
    page = client.get("/lookup").get_data(as_text=True)
    assert "data-recent" in page and 'data-query="ZZ100001"' in page


def test_the_lookup_pages_carry_the_failure_panel_with_the_ds_numbers(client: FlaskClient, officer: User) -> None:
    for path in ("/lookup", "/dispatch"):
        html = client.get(path).get_data(as_text=True)
        panel = html[html.index('<template id="lookup-failed">') : html.index("</template>")]
        assert 'href="tel:+18662172089"' in panel and 'href="tel:+15713453146"' in panel
        assert 'data-when="session"' in panel and "data-lookup-retry" in panel


@pytest.mark.parametrize(
    ("query", "kind", "marked"), [("DRZ12O4", "plate", "0"), ("DRZ124", "plate", "0"), ("DRZ2104", "plate", "12")]
)
def test_a_near_match_marks_what_differs_from_the_plate_typed(
    client: FlaskClient, officer: User, query: str, kind: str, marked: str
) -> None:
    html = lookup(client, query, kind, **HX).get_data(as_text=True)
    button = re.search(r'data-suggestion="DRZ1204"[^>]*>(.*?)</button>', html, re.S)
    assert button, html
    assert re.findall(r"<mark>(.*?)</mark>", button.group(1)) == [marked]
    assert re.sub(r"<[^>]+>|\s", "", button.group(1)) == "DRZ1204"


def test_date_parts_marks_each_iso_date_for_the_page_to_keep_on_one_line() -> None:
    assert date_parts("replaced on 2026-12-03 <b>") == [("replaced on ", False), ("2026-12-03", True), (" <b>", False)]
    assert date_parts("no date, 2026-12") == [("no date, 2026-12", False)]
