"""A registry photo is shown on the verdict and served only to signed-in users of the lookup roles."""

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from app.registry.interchange import import_folder
from tests.factories import JPEG_BYTES, write_small_registry


@pytest.fixture
def imported(app: Flask, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    app.instance_path = str(instance)
    with app.app_context():
        import_folder(write_small_registry(tmp_path / "registry"), instance)


def test_the_verdict_shows_the_persons_photo_and_the_photo_is_served(
    client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    login_as("officer")
    page = client.post("/lookup", data={"q": "DA100001", "kind": "card"}, headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert b'src="/photos/P1"' in page.data
    with client.get("/photos/P1") as photo:
        assert photo.status_code == 200
        assert photo.data == JPEG_BYTES
        assert photo.mimetype == "image/jpeg"
        assert "no-store" in photo.headers["Cache-Control"]


def test_a_person_without_a_photo_has_no_photo_url(
    client: FlaskClient, login_as: Callable[..., User], imported: None
) -> None:
    login_as("officer")
    assert client.get("/photos/P2").status_code == 404
    assert client.get("/photos/NOBODY").status_code == 404


def test_photos_are_not_served_to_anonymous_visitors(client: FlaskClient, imported: None) -> None:
    response = client.get("/photos/P1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
