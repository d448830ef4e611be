"""Card administration: issue, revoke, mark lost, reprint (superseded prints), the QR files and the print sheet."""

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import qrcode
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from app.cards import admin, keyring, prints, qr, services, tokens
from app.cards.tokens import Reason
from app.extensions import db
from app.immunity import CardStatus, PersonStatus
from app.immunity.codes import CardIssuer, CardType, Category, MissionKind, Relationship
from app.models import AuditEvent, Card, Person
from tests.cards.support import BASE_URL, events
from tests.factories import make_card, make_mission, make_person

NOW = datetime(2026, 11, 23, 14, 2, 30, 250_000, tzinfo=UTC)


@pytest.fixture
def person(ctx: Flask, active_kid: str) -> Person:
    person = make_person(full_name="Ana Testova")
    db.session.commit()
    return person


@pytest.fixture
def card(person: Person) -> Card:
    card = make_card(person=person, card_number="DA100001", min_valid_iat=datetime(2026, 3, 1, tzinfo=UTC))
    db.session.commit()
    return card


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


# --- Issuing -------------------------------------------------------------------------------------


def test_issuing_a_card_gives_a_new_number_of_the_family_the_category_calls_for(person: Person) -> None:
    card = admin.issue_card(person.id, date(2029, 11, 30), NOW)
    assert card.card_type is CardType.DIPLOMATIC and card.issuer is CardIssuer.PROTOCOL
    assert card.card_number.startswith("DA") and len(card.card_number) == 8 and card.card_number[2:].isdigit()
    assert card.status is CardStatus.VALID
    assert card.issued_on == NOW.date() and card.expires_on == date(2029, 11, 30)
    assert card.min_valid_iat == NOW.replace(microsecond=0)
    (event,) = events("admin.card_issue")
    assert event.query == card.card_number and event.record_ids == f"card:{card.card_number},person:{person.id}"


@pytest.mark.parametrize(
    ("category", "kind", "card_type", "issuer"),
    [
        (Category.CAREER_CONSULAR_OFFICER, MissionKind.CONSULATE, CardType.CONSULAR, CardIssuer.PROTOCOL),
        (Category.ADMIN_TECHNICAL_STAFF, MissionKind.EMBASSY, CardType.OFFICIAL, CardIssuer.PROTOCOL),
        (Category.IO_MISSION_DIPLOMATIC, MissionKind.IO_MISSION, CardType.DIPLOMATIC, CardIssuer.USUN),
        (Category.IO_STAFF, MissionKind.INTERNATIONAL_ORG, CardType.OFFICIAL, CardIssuer.USUN),
        (Category.TECRO_DESIGNATED, MissionKind.TECRO, CardType.OFFICIAL, CardIssuer.AIT),
        (Category.TECO_HEAD, MissionKind.TECO, CardType.CONSULAR, CardIssuer.AIT),
    ],
)
def test_card_family_and_issuer_follow_the_category(
    ctx: Flask, active_kid: str, category: Category, kind: MissionKind, card_type: CardType, issuer: CardIssuer
) -> None:
    holder = make_person(mission=make_mission(kind=kind), category=category)
    db.session.commit()
    card = admin.issue_card(holder.id, date(2028, 1, 1), NOW)
    assert (card.card_type, card.issuer) == (card_type, issuer)
    assert card.card_number[:2] == admin.NUMBER_PREFIX[card_type]


def test_a_family_member_gets_the_card_family_of_the_sponsor(ctx: Flask, active_kid: str) -> None:
    consul = make_person(category=Category.CAREER_CONSULAR_OFFICER)
    child = make_person(
        mission=consul.mission, category=Category.NONE, relationship=Relationship.CHILD, principal=consul
    )
    db.session.commit()
    assert admin.issue_card(child.id, date(2028, 1, 1), NOW).card_type is CardType.CONSULAR


@pytest.mark.parametrize(
    ("change", "expires_on", "message"),
    [
        ({"status": PersonStatus.DEPARTED}, date(2028, 1, 1), "only active people"),
        ({"category": Category.NONE}, date(2028, 1, 1), "no immunity category"),
        ({}, date(2026, 11, 23), "after today"),
        ({}, date(2037, 1, 1), "at most"),
        ({"accredited_until": date(2027, 6, 30)}, date(2028, 1, 1), "outlast the accreditation"),
    ],
)
def test_issuing_a_card_that_should_not_exist_is_refused_and_changes_nothing(
    person: Person, change: dict[str, object], expires_on: date, message: str
) -> None:
    for name, value in change.items():
        setattr(person, name, value)
    db.session.commit()
    before = _audit_count()
    with pytest.raises(admin.CardAdminError, match=message):
        admin.issue_card(person.id, expires_on, NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Card)) == 0
    assert _audit_count() == before


def test_issue_defaults_suggest_an_expiry_no_later_than_the_accreditation(person: Person) -> None:
    person.accredited_until = date(2027, 6, 30)
    db.session.commit()
    assert admin.issue_defaults(person, NOW.date()).expires_on == date(2027, 6, 30)


# --- Revoke, lost, reprint -----------------------------------------------------------------------


def test_revoking_a_card_makes_its_print_read_revoked(card: Card) -> None:
    url = prints.print_url(card, NOW)
    admin.revoke("DA100001", NOW, note="Left post early")
    assert services.verify_card_token(url, NOW).outcome == Reason.REVOKED
    (event,) = events("admin.card_revoke")
    assert event.query == "DA100001" and '"note":"Left post early"' in event.detail and '"was":"valid"' in event.detail


def test_revoking_a_revoked_card_is_refused_and_not_audited(card: Card) -> None:
    admin.revoke("DA100001", NOW)
    before = _audit_count()
    with pytest.raises(admin.CardAdminError, match="is revoked"):
        admin.revoke("DA100001", NOW)
    db.session.rollback()
    assert _audit_count() == before


def test_a_card_marked_lost_reads_revoked_until_it_is_reprinted(card: Card) -> None:
    old_url = prints.print_url(card, NOW)
    admin.mark_lost("DA100001", NOW)
    assert services.verify_card_token(old_url, NOW).outcome == Reason.REVOKED
    admin.reprint("DA100001", NOW + timedelta(minutes=1))
    new_url = prints.print_url(card, NOW + timedelta(minutes=1))
    assert new_url != old_url
    assert services.verify_card_token(old_url, NOW + timedelta(minutes=2)).outcome == Reason.SUPERSEDED
    assert services.verify_card_token(new_url, NOW + timedelta(minutes=2)).verified
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("admin.card_%")))] == [
        "admin.card_lost",
        "admin.card_reprint",
    ]


def test_a_reprint_makes_the_old_print_superseded_and_the_new_print_valid(card: Card) -> None:
    old_url = prints.print_url(card, NOW)
    assert services.verify_card_token(old_url, NOW).verified
    admin.reprint("DA100001", NOW)
    new_url = prints.print_url(card, NOW)
    assert services.verify_card_token(old_url, NOW).outcome == Reason.SUPERSEDED
    assert services.verify_card_token(new_url, NOW).verified


def test_two_reprints_in_the_same_second_still_supersede_the_first(card: Card) -> None:
    admin.reprint("DA100001", NOW)
    first = prints.print_url(card, NOW)
    admin.reprint("DA100001", NOW)
    assert card.min_valid_iat == NOW.replace(microsecond=0) + timedelta(seconds=1)
    assert services.verify_card_token(first, NOW + timedelta(seconds=2)).outcome == Reason.SUPERSEDED


def test_a_revoked_card_cannot_be_reprinted(card: Card) -> None:
    admin.revoke("DA100001", NOW)
    with pytest.raises(admin.CardAdminError, match="cannot be reprinted"):
        admin.reprint("DA100001", NOW)
    db.session.rollback()
    assert db.session.scalar(select(Card.status)) is CardStatus.REVOKED


def test_an_unknown_card_is_not_found(ctx: Flask) -> None:
    with pytest.raises(admin.NotFound):
        admin.revoke("ZZ000000", NOW)


# --- The QR code ---------------------------------------------------------------------------------


def test_the_png_is_the_qr_of_the_verification_url_at_4_pixels_per_module_and_300_dpi(card: Card) -> None:
    png = admin.qr_image("DA100001", "png", NOW)
    image = Image.open(io.BytesIO(png))
    url = prints.print_url(card, NOW)
    code = qrcode.QRCode(error_correction=qr.ERROR_CORRECTION, border=qr.QUIET_ZONE)
    code.add_data(url, optimize=0)
    code.make(fit=True)
    matrix = code.get_matrix()
    assert image.size == (len(matrix) * 4, len(matrix) * 4)
    assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    pixels = image.convert("L").load()
    assert all(
        (pixels[x * 4 + 1, y * 4 + 1] == 0) == matrix[y][x] for y in range(len(matrix)) for x in range(len(matrix))
    )
    assert all(not dark for dark in matrix[0]) and all(not row[0] for row in matrix)  # the quiet zone is light


def test_the_printed_code_fits_the_card_with_its_quiet_zone(card: Card) -> None:
    size = qr.print_size(prints.print_url(card, NOW))
    assert size.module_mm >= 0.3386  # BSI TR-03137 minimum (qr-tokens.md §2)
    assert size.size_mm <= 30  # a little over half the 54 mm card height at most
    assert size.modules == size.version * 4 + 17 + 8


def test_qr_images_are_rendered_once_and_then_served_from_the_cache(
    card: Card, instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = admin.qr_image("DA100001", "svg", NOW)
    calls: list[str] = []
    monkeypatch.setitem(prints.FORMATS, "svg", lambda url: calls.append(url) or b"")
    assert admin.qr_image("DA100001", "svg", NOW) == first
    assert calls == []
    assert len(list((instance / "qr-cache").glob("*.svg"))) == 1


def test_every_qr_download_is_audited(card: Card) -> None:
    admin.qr_image("DA100001", "png", NOW)
    admin.qr_image("DA100001", "svg", NOW)
    assert [e.detail for e in events("admin.card_qr")] == ['{"format":"png"}', '{"format":"svg"}']


@pytest.mark.parametrize(
    ("status", "expires_on", "message"),
    [
        (CardStatus.REVOKED, date(2029, 1, 1), "revoked"),
        (CardStatus.LOST, date(2029, 1, 1), "reprint it first"),
        (CardStatus.VALID, date(2026, 1, 1), "expired"),
    ],
)
def test_a_card_that_must_not_be_printed_has_no_qr(
    card: Card, status: CardStatus, expires_on: date, message: str
) -> None:
    card.status, card.expires_on = status, expires_on
    db.session.commit()
    with pytest.raises(admin.CardAdminError, match=message):
        admin.qr_image("DA100001", "png", NOW)


def test_the_card_page_shows_no_qr_for_a_revoked_card(card: Card) -> None:
    admin.revoke("DA100001", NOW)
    page = admin.card("DA100001", NOW)
    assert page.svg is None and page.problem and "revoked" in page.problem


def test_the_print_url_is_signed_once_per_print(card: Card, monkeypatch: pytest.MonkeyPatch) -> None:
    first = prints.print_url(card, NOW)
    monkeypatch.setattr(tokens, "issue", lambda *a, **k: pytest.fail("signed again"))
    assert prints.print_url(card, NOW + timedelta(hours=1)) == first


def test_the_print_url_carries_min_valid_iat_as_iat(card: Card) -> None:
    url = prints.print_url(card, NOW)
    verified = tokens.verify(tokens.extract(url, BASE_URL), keyring.load_ring(), NOW)
    assert verified.issued_at == datetime(2026, 3, 1, tzinfo=UTC)
    assert verified.expires_at == datetime(2029, 1, 15, 23, 59, 59, tzinfo=UTC)


# --- Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["DA100001", "da100001", "Testova", "ana test"])
def test_search_finds_a_person_by_card_number_or_name(card: Card, query: str) -> None:
    assert [p.id for p in admin.search(query)] == [card.person_id]
    assert [e.outcome for e in events("admin.card_search")] == ["hit"]


def test_search_finds_a_person_by_id(card: Card) -> None:
    assert [p.id for p in admin.search(card.person_id)] == [card.person_id]


def test_search_wildcards_are_literal(card: Card) -> None:
    assert admin.search("%%") == []
    assert [e.outcome for e in events("admin.card_search")] == ["miss"]


def test_search_needs_two_characters(ctx: Flask) -> None:
    with pytest.raises(admin.CardAdminError, match="at least two"):
        admin.search(" a ")


# --- The admin pages ------------------------------------------------------------------------------

INLINE_STYLE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)")


@pytest.fixture
def admin_client(client: FlaskClient, login_as: Callable[..., Any], card: Card) -> FlaskClient:
    login_as("admin")
    return client


def test_the_search_page_finds_a_person_and_links_their_cards(admin_client: FlaskClient, card: Card) -> None:
    assert admin_client.get("/admin/cards").status_code == 200
    html = admin_client.post("/admin/cards", data={"q": "Testova"}).get_data(as_text=True)
    assert f'data-person="{card.person_id}"' in html and "/admin/cards/DA100001" in html


def test_a_too_short_search_is_refused_with_a_message(admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/cards", data={"q": "a"})
    assert response.status_code == 422
    assert "at least two characters" in response.get_data(as_text=True)


@pytest.fixture
def newcomer(ctx: Flask) -> Person:
    """Someone with no card yet (admin_client's fixtures give Ana Testova one)."""
    person = make_person(full_name="Bo Newcomer")
    db.session.commit()
    return person


def test_issuing_from_the_person_page_opens_the_new_card_with_its_qr(
    admin_client: FlaskClient, newcomer: Person
) -> None:
    page = admin_client.get(f"/admin/cards/person/{newcomer.id}").get_data(as_text=True)
    assert 'name="expires_on"' in page and "diplomatic" in page
    response = admin_client.post(f"/admin/cards/person/{newcomer.id}", data={"expires_on": "2029-06-30"})
    assert response.status_code == 303
    location = response.headers["Location"]
    card_page = admin_client.get(location).get_data(as_text=True)
    assert "issued" in card_page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="qr"' in card_page
    assert "qr.png" in card_page and "qr.svg" in card_page


def test_issuing_with_a_bad_date_keeps_the_form_and_changes_nothing(admin_client: FlaskClient, person: Person) -> None:
    response = admin_client.post(f"/admin/cards/person/{person.id}", data={"expires_on": "30/06/2029"})
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Card)) == 1  # only the fixture's card


def test_issuing_past_the_accreditation_is_refused_on_the_page(admin_client: FlaskClient, person: Person) -> None:
    person.accredited_until = date(2027, 1, 1)
    db.session.commit()
    response = admin_client.post(f"/admin/cards/person/{person.id}", data={"expires_on": "2029-06-30"})
    assert response.status_code == 422
    assert "outlast the accreditation" in response.get_data(as_text=True)


@pytest.mark.parametrize(("action", "status"), [("revoke", CardStatus.REVOKED), ("lost", CardStatus.LOST)])
def test_revoke_and_lost_change_the_card_and_remove_its_qr(
    admin_client: FlaskClient, card: Card, action: str, status: CardStatus
) -> None:
    response = admin_client.post(
        f"/admin/cards/DA100001/{action}", data={"note": "reported by mission", "confirmed": "yes"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Card.status)) is status
    html = admin_client.get("/admin/cards/DA100001").get_data(as_text=True)
    assert "data-no-qr" in html
    assert admin_client.get("/admin/cards/DA100001/qr.png").status_code == 409


@pytest.mark.parametrize(
    ("action", "question"),
    [("revoke", "Revoke card DA100001 of Ana Testova?"), ("lost", "Mark card DA100001 of Ana Testova lost?")],
)
def test_revoke_or_lost_posted_unconfirmed_asks_on_a_page_and_changes_nothing(
    admin_client: FlaskClient, card: Card, action: str, question: str
) -> None:
    response = admin_client.post(f"/admin/cards/DA100001/{action}", data={"note": "reported by mission"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{question}</h1>" in html
    form = html.split("data-confirm-page", 1)[1]
    assert f'action="/admin/cards/DA100001/{action}"' in form
    assert '<input type="hidden" name="confirmed" value="yes">' in form
    assert '<input type="hidden" name="note" value="reported by mission">' in form
    assert 'href="/admin/cards/DA100001">Cancel</a>' in form
    db.session.expire_all()
    assert db.session.scalar(select(Card.status)) is CardStatus.VALID
    assert events(f"admin.card_{action}") == []


def test_an_unconfirmed_action_on_an_unknown_card_is_not_found(admin_client: FlaskClient) -> None:
    assert admin_client.post("/admin/cards/ZZ000000/revoke").status_code == 404


def test_the_card_page_asks_before_revoke_and_lost_and_shows_them_red_but_reprints_at_once(
    admin_client: FlaskClient, card: Card
) -> None:
    html = admin_client.get("/admin/cards/DA100001").get_data(as_text=True)
    prefix = 'action="/admin/cards/DA100001/'
    forms = {form.split(prefix, 1)[1].split('"', 1)[0]: form for form in html.split("<form")[1:] if prefix in form}
    assert 'data-confirm="Revoke card DA100001 of Ana Testova?"' in forms["revoke"]
    assert 'data-confirm="Mark card DA100001 of Ana Testova lost?"' in forms["lost"]
    assert "data-confirm" not in forms["reprint"]
    assert 'class="button danger"' in forms["revoke"] and "danger" not in forms["reprint"]
    assert "js/confirm.js" in html and "css/admin.css" in html


def test_an_action_that_does_not_apply_is_refused_with_a_message(admin_client: FlaskClient, card: Card) -> None:
    admin_client.post("/admin/cards/DA100001/revoke", data={"confirmed": "yes"})
    response = admin_client.post("/admin/cards/DA100001/reprint")
    assert response.status_code == 409
    assert "cannot be reprinted" in response.get_data(as_text=True)


def test_reprint_from_the_page_supersedes_the_old_print(admin_client: FlaskClient, card: Card) -> None:
    old_url = prints.print_url(card, datetime.now(UTC))
    assert admin_client.post("/admin/cards/DA100001/reprint").status_code == 303
    db.session.expire_all()
    fresh = db.session.scalar(select(Card))
    assert fresh is not None
    new_url = prints.print_url(fresh, datetime.now(UTC))
    assert new_url != old_url
    assert 'data-card-check="superseded"' in admin_client.get(old_url.removeprefix(BASE_URL)).get_data(as_text=True)
    assert 'data-card-check="valid"' in admin_client.get(new_url.removeprefix(BASE_URL)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("fmt", "mimetype", "magic"), [("png", "image/png", b"\x89PNG"), ("svg", "image/svg+xml", b"<svg")]
)
def test_the_qr_downloads_as_a_file(admin_client: FlaskClient, fmt: str, mimetype: str, magic: bytes) -> None:
    response = admin_client.get(f"/admin/cards/DA100001/qr.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="card-DA100001-qr.{fmt}"'
    assert response.data.startswith(magic)


def test_an_unknown_qr_format_or_card_is_not_found(admin_client: FlaskClient) -> None:
    assert admin_client.get("/admin/cards/DA100001/qr.gif").status_code == 404
    assert admin_client.get("/admin/cards/ZZ000000/qr.png").status_code == 404
    assert admin_client.get("/admin/cards/ZZ000000").status_code == 404


def test_the_print_sheet_carries_the_code_at_its_true_size(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/cards/DA100001/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<svg [^>]*width="2\d\.\d\dmm"', html)
    assert "css/cards.css" in html
    assert [e.query for e in events("admin.card_print")] == ["DA100001"]


@pytest.mark.parametrize(
    "path", ["/admin/cards", "/admin/cards?q=Testova", "/admin/cards/DA100001", "/admin/cards/DA100001/print"]
)
def test_admin_pages_have_no_inline_style_or_script(admin_client: FlaskClient, person: Person, path: str) -> None:
    assert not INLINE_STYLE.search(admin_client.get(path).get_data(as_text=True))


def test_the_person_page_has_no_inline_style_or_script(admin_client: FlaskClient, person: Person) -> None:
    assert not INLINE_STYLE.search(admin_client.get(f"/admin/cards/person/{person.id}").get_data(as_text=True))


@pytest.mark.parametrize("role", ["officer", "dispatcher", "reviewer"])
def test_other_roles_cannot_administer_cards(
    client: FlaskClient, login_as: Callable[..., Any], card: Card, role: str
) -> None:
    login_as(role)
    assert client.get("/admin/cards/DA100001").status_code == 403
    assert client.get("/admin/cards/DA100001/qr.png").status_code == 403
    assert client.post("/admin/cards/DA100001/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Card.status)) is CardStatus.VALID


def test_admin_actions_need_a_recent_sign_in(client: FlaskClient, login_as: Callable[..., Any], card: Card) -> None:
    login_as("admin")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=20)):
        response = client.post("/admin/cards/DA100001/revoke", data={"back": "/admin/cards/DA100001"})
    assert response.status_code == 302 and "/confirm" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.scalar(select(Card.status)) is CardStatus.VALID


def test_the_card_page_offers_only_the_actions_the_cards_status_allows(admin_client: FlaskClient, card: Card) -> None:
    def page() -> str:
        return admin_client.get(f"/admin/cards/{card.card_number}").get_data(as_text=True)

    assert all(f"/{action}" in page() for action in ("reprint", "lost", "revoke"))
    admin.mark_lost(card.card_number, datetime.now(UTC))
    lost = page()
    assert "/reprint" in lost and "/revoke" in lost and f"{card.card_number}/lost" not in lost
    admin.revoke(card.card_number, datetime.now(UTC))
    revoked = page()
    assert "data-no-actions" in revoked and "/reprint" not in revoked and "/revoke" not in revoked


def test_a_new_card_replaces_the_persons_valid_card_which_then_scans_as_revoked(card: Card) -> None:
    now = datetime.now(UTC)
    old_token = admin.card_url(card.card_number, now)
    new = admin.issue_card(card.person_id, now.date() + timedelta(days=365), now, replace=True)
    db.session.refresh(card)
    assert card.status is CardStatus.REVOKED and new.status is CardStatus.VALID
    assert services.verify_card_token(old_token, now).reason is Reason.REVOKED
    issued = events("admin.card_issue")[-1]
    assert f"card:{card.card_number}" in issued.record_ids and card.card_number in issued.detail


def test_the_person_page_warns_which_card_a_new_one_replaces(admin_client: FlaskClient, card: Card) -> None:
    page = admin_client.get(f"/admin/cards/person/{card.person_id}").get_data(as_text=True)
    assert "data-replaces" in page and f"The new card replaces {card.card_number}" in page


def test_a_new_card_that_would_revoke_the_current_one_needs_a_yes_and_otherwise_changes_nothing(card: Card) -> None:
    now = datetime.now(UTC)
    with pytest.raises(admin.WouldReplace) as asked:
        admin.issue_card(card.person_id, now.date() + timedelta(days=365), now)
    db.session.rollback()
    assert [c.card_number for c in asked.value.replaced] == [card.card_number]
    assert db.session.scalars(select(Card.status)).all() == [CardStatus.VALID]
    assert events("admin.card_issue") == []


def test_the_person_page_asks_before_issuing_a_card_that_revokes_the_current_one(
    admin_client: FlaskClient, card: Card
) -> None:
    page = admin_client.get(f"/admin/cards/person/{card.person_id}").get_data(as_text=True)
    form = page.split(f'action="/admin/cards/person/{card.person_id}"', 1)[1].split("</form>", 1)[0]
    assert 'data-confirm="Issue a new card to Ana Testova?"' in form
    assert "DA100001: it is revoked when you issue it" in form
    assert 'class="button danger">Issue card</button>' in form


def test_the_person_page_issues_a_first_card_without_asking(admin_client: FlaskClient, newcomer: Person) -> None:
    page = admin_client.get(f"/admin/cards/person/{newcomer.id}").get_data(as_text=True)
    form = page.split(f'action="/admin/cards/person/{newcomer.id}"', 1)[1].split("</form>", 1)[0]
    assert "data-confirm" not in form and "danger" not in form


def test_issue_posted_unconfirmed_for_a_card_holder_asks_on_a_page_then_replaces_when_confirmed(
    admin_client: FlaskClient, card: Card
) -> None:
    url = f"/admin/cards/person/{card.person_id}"
    response = admin_client.post(url, data={"expires_on": "2029-06-30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Issue a new card to Ana Testova?</h1>" in html
    form = html.split("data-confirm-page", 1)[1]
    assert '<input type="hidden" name="expires_on" value="2029-06-30">' in form
    assert '<input type="hidden" name="confirmed" value="yes">' in form
    assert f'href="{url}">Cancel</a>' in form
    db.session.expire_all()
    assert db.session.scalars(select(Card.status)).all() == [CardStatus.VALID]

    response = admin_client.post(url, data={"expires_on": "2029-06-30", "confirmed": "yes"})
    assert response.status_code == 303
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Card.status)).all()) == sorted([CardStatus.REVOKED, CardStatus.VALID])


def test_the_person_page_says_a_family_members_category_is_their_principals(
    admin_client: FlaskClient, person: Person
) -> None:
    spouse = make_person(
        mission=person.mission, full_name="Bea Testova", relationship=Relationship.SPOUSE, principal=person
    )
    db.session.commit()
    page = " ".join(admin_client.get(f"/admin/cards/person/{spouse.id}").get_data(as_text=True).split())
    assert "<p>Spouse of Ana Testova (Diplomatic agent)</p>" in page
    page = " ".join(admin_client.get(f"/admin/cards/person/{person.id}").get_data(as_text=True).split())
    assert "<p>Diplomatic agent · Principal</p>" in page
