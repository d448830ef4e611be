"""Addresses too long to be a card's QR code or an Envoy page: a plain 414 from the app, never gunicorn's raw page."""

import html
import runpy
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from gunicorn.config import Config
from gunicorn.http.message import MAX_REQUEST_LINE

from app.cards.tokens import MAX_TOKEN_CHARS, VERIFY_PATH
from app.url_length import MAX_URL_CHARS

ROOT = Path(__file__).resolve().parent.parent
TOO_LONG = "/v/" + "Q" * 5000
PLAIN_WORDS = "That address is too long to be a card's QR code or an Envoy page."
WHAT_TO_DO = "Scan the card again or type its number."


def test_an_anonymous_visitor_gets_a_plain_page_for_a_5000_character_card_address(client: FlaskClient) -> None:
    response = client.get(TOO_LONG)
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 414
    assert "<html" in body and 'data-error="414"' in body
    assert PLAIN_WORDS in body and WHAT_TO_DO in body


def test_the_address_is_not_echoed_on_the_page(client: FlaskClient) -> None:
    body = client.get(TOO_LONG).get_data(as_text=True)
    assert "QQQQQQQQ" not in body


def test_a_signed_in_officer_gets_the_same_page(client: FlaskClient, login_as: Callable[..., object]) -> None:
    login_as("officer")
    response = client.get(TOO_LONG)
    assert response.status_code == 414
    assert WHAT_TO_DO in response.get_data(as_text=True)


def test_json_callers_get_the_refusal_as_json(client: FlaskClient) -> None:
    response = client.get(TOO_LONG, headers={"Accept": "application/json"})
    assert response.status_code == 414
    assert response.get_json() == {"error": "uri_too_long", "message": f"{PLAIN_WORDS} {WHAT_TO_DO}"}


def test_a_signed_in_json_caller_gets_json(client: FlaskClient, login_as: Callable[..., object]) -> None:
    login_as("dispatcher")
    response = client.get(TOO_LONG, headers={"Accept": "application/json"})
    assert response.status_code == 414
    assert response.get_json()["error"] == "uri_too_long"


def test_htmx_gets_the_fragment(client: FlaskClient, login_as: Callable[..., object]) -> None:
    login_as("officer")
    response = client.get(TOO_LONG, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 414
    assert "<html" not in body and WHAT_TO_DO in body


def test_a_long_query_string_counts_too(client: FlaskClient, login_as: Callable[..., object]) -> None:
    login_as("officer")
    assert client.get("/lookup", query_string={"plate": "D" * MAX_URL_CHARS}).status_code == 414


def test_an_address_of_exactly_the_cap_is_answered_as_usual(client: FlaskClient) -> None:
    at_cap = "/v/" + "Q" * (MAX_URL_CHARS - len("/v/"))
    assert client.get(at_cap).status_code == 302  # to the sign-in page, as for any card address
    assert client.get(at_cap + "Q").status_code == 414


def test_the_check_runs_before_the_csrf_check(app_with: Callable[..., Flask]) -> None:
    client = app_with(WTF_CSRF_ENABLED=True).test_client()
    assert client.post("/v", query_string={"x": "Q" * MAX_URL_CHARS}).status_code == 414


def test_the_longest_card_address_fits_well_under_the_cap() -> None:
    assert len(VERIFY_PATH) + MAX_TOKEN_CHARS <= MAX_URL_CHARS // 2


def test_gunicorn_lets_addresses_over_the_cap_reach_the_app() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("limit_request_line", settings["limit_request_line"])
    limit = config.limit_request_line
    # gunicorn measures the request line, "GET <address> HTTP/1.1", and clamps a larger limit to MAX_REQUEST_LINE.
    assert len(f"GET {TOO_LONG} HTTP/1.1") <= limit <= MAX_REQUEST_LINE
    assert limit >= 2 * MAX_URL_CHARS


def test_the_address_is_measured_as_sent_still_percent_encoded(client: FlaskClient) -> None:
    encoded = "/v/" + "%51" * (MAX_URL_CHARS // 3 + 1)  # decodes to fewer than MAX_URL_CHARS characters
    assert client.get(encoded).status_code == 414
