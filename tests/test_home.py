"""The start page and the health check."""

import json
from collections.abc import Callable

from flask.testing import FlaskClient

from app.models import User


def test_health_check_reports_the_database_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_start_page_says_who_is_signed_in_and_links_to_the_password_change(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    user = login_as("officer")
    page = client.get("/").get_data(as_text=True)
    assert f"Signed in as {user.email} (officer)" in page
    assert 'href="/account/password"' in page


def test_a_page_that_does_not_exist_says_so_in_plain_words(client: FlaskClient, login_as: Callable[..., User]) -> None:
    login_as("officer")
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "There is nothing at this address." in page.get_data(as_text=True)
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert "Your role cannot open this page." in forbidden.get_data(as_text=True)


def test_the_manifest_makes_envoy_installable_from_the_lookup_page(client: FlaskClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/lookup" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        icon_response = client.get(icon["src"])
        icon_response.close()  # a static file stays open until its response is closed
        assert icon_response.status_code == 200, icon["src"]


def test_the_service_worker_is_served_from_the_root_and_caches_no_lookup(client: FlaskClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert '"/offline"' in script or "OFFLINE" in script
    shell = script[script.index("var SHELL") : script.index("];")]
    assert "/lookup" not in shell and "/v/" not in shell and "/photos" not in shell and "/dispatch" not in shell
    assert 'request.method !== "GET"' in script  # lookups (POST) pass through untouched


def test_the_offline_page_is_public_and_puts_the_ds_calls_first(client: FlaskClient) -> None:
    response = client.get("/offline")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="tel:+18662172089"' in html and 'href="tel:+15713453146"' in html
    assert "data-signed-in" not in html
