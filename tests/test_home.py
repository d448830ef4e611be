"""The start page and the health check."""

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
    assert response.headers["Referrer-Policy"] == "same-origin"
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
