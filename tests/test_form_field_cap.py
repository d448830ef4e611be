"""Issue 12 item 7: a form with thousands of fields is refused whole (413) before anything reads it.

Werkzeug caps the parts of a multipart body only; 5,000 url-encoded fields used to be parsed and kept.
"""

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import User

NEW_USER = {
    "email": "dana.cruz@county.example.gov",
    "role": "dispatcher",
    "agency": "County Sheriff",
    "password": "harbour lights over the quay",
}


def _users(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


def _padded(fields: int) -> list[tuple[str, str]]:
    return [*NEW_USER.items(), *((f"x{n}", "") for n in range(fields - len(NEW_USER)))]


@pytest.mark.parametrize("encoding", ["url-encoded", "multipart"])
def test_a_form_of_5000_fields_is_refused_with_413_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], encoding: str
) -> None:
    login_as("admin")
    before = _users(app)
    if encoding == "url-encoded":
        body = urlencode(_padded(5000))
        response = client.post("/admin/users", data=body, content_type="application/x-www-form-urlencoded")
    else:
        # Encoded in memory: the test client would spool the body to a temporary file it never closes.
        boundary, encoded = encode_multipart(MultiDict(_padded(5000)))
        response = client.post("/admin/users", data=encoded, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    if encoding == "url-encoded":  # multipart's refusal is Werkzeug's own wording
        assert "A form may have at most 200 fields." in response.get_data(as_text=True)
    assert _users(app) == before


def test_the_cap_holds_before_the_csrf_check_reads_the_form(app_with: Callable[..., Flask]) -> None:
    app = app_with(WTF_CSRF_ENABLED=True)
    body = "&".join(f"f{n}=" for n in range(5000))
    response = app.test_client().post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_a_form_within_the_cap_is_read_as_before(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as("admin")
    before = _users(app)
    body = urlencode(_padded(200))
    response = client.post("/admin/users", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert _users(app) == before + 1
