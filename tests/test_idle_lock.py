"""The idle lock's server side (security bar, AC-11(1)): what every signed-in page carries for static/js/idle-lock.js.

The lock itself runs in the browser: tests/browser/test_idle_lock.py.
"""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.immunity.contacts import DS_COMMAND_CENTER
from tests.conftest import sign_in
from tests.factories import make_user

LOCK_TEMPLATE = 'id="idle-lock"'
LOCK_SCRIPT = "js/idle-lock.js"
# Not pages: files, JSON and downloads a signed-in user may also GET.
NOT_PAGES = ("/static/", "/api/", "/sw.js", "/manifest.webmanifest", "/healthz", "/.well-known/", "/review/export.csv")


def test_every_signed_in_page_carries_the_lock_screen_and_its_script(
    app: Flask, client: FlaskClient, login_as: Callable[..., object]
) -> None:
    login_as("admin")  # the role that opens the most pages
    paths = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and not rule.rule.startswith(NOT_PAGES)
    )
    assert "/lookup" in paths and "/admin/users" in paths
    for path in paths:
        response = client.get(path)
        if response.status_code in (301, 302, 303):  # /login and its steps send a signed-in user on
            continue
        assert response.mimetype == "text/html", path
        page = response.get_data(as_text=True)
        assert LOCK_TEMPLATE in page and LOCK_SCRIPT in page, path


def test_the_lock_screen_says_the_servers_idle_minutes_and_the_ds_numbers(app_with: Callable[..., Flask]) -> None:
    app = app_with(SESSION_IDLE_MINUTES=15)
    with app.app_context():
        officer = make_user("officer")
    client = app.test_client()
    sign_in(client, officer.email)
    page = client.get("/lookup").get_data(as_text=True)
    lock = page[page.index(LOCK_TEMPLATE) :]
    assert 'data-idle-minutes="15"' in lock
    assert "Locked after 15 minutes without activity. Sign in again." in lock
    assert all(f'href="{contact.tel}"' in lock for contact in DS_COMMAND_CENTER)


def test_pages_before_sign_in_carry_no_lock(client: FlaskClient) -> None:
    for path in ("/login", "/offline"):
        page = client.get(path).get_data(as_text=True)
        assert LOCK_TEMPLATE not in page and LOCK_SCRIPT not in page, path


def test_sign_out_tells_the_browser_to_drop_its_cache_and_storage(
    client: FlaskClient, login_as: Callable[..., object]
) -> None:
    login_as("officer")
    response = client.post("/logout")
    assert {part.strip() for part in response.headers["Clear-Site-Data"].split(",")} == {'"cache"', '"storage"'}
    assert response.headers["Cache-Control"] == "no-store"
