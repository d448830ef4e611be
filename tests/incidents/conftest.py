"""Shared set-up for the incident tests: a small registry, an officer who has looked something up, a valid form."""

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from app.extensions import db
from app.models import User
from tests.factories import make_card, make_mission, make_person, make_vehicle

HX = {"HX-Request": "true"}
RID = re.compile(r"/incidents/new\?lookup=([A-Za-z0-9_-]{12})")
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def registry(app: Flask) -> None:
    with app.app_context():
        embassy = make_mission(name="Embassy of Ruritania", country="Ruritania", plate_code="RZ")
        diplomat = make_person(embassy, id="P-DIP", full_name="Ada Demo-Kovar")
        make_card(diplomat, card_number="ZZ100001")
        make_vehicle(embassy, diplomat, plate="DRZ1204")
        db.session.commit()


@pytest.fixture
def officer(registry: None, login_as: Callable[..., User]) -> User:
    return login_as("officer")


def looked_up(client: FlaskClient, q: str, kind: str = "plate") -> str:
    """Look `q` up on the officer page (htmx) and return the result id the File an incident link carries."""
    response = client.post("/lookup", data={"q": q, "kind": kind}, headers=HX)
    assert response.status_code in (200, 404), response.status_code
    found = RID.search(response.get_data(as_text=True))
    assert found, "the result has no File an incident link"
    return found.group(1)


def form_for(client: FlaskClient, rid: str = "") -> tuple[str, str]:
    """Open the filing form; returns (its HTML, its idempotency key)."""
    page = client.get(f"/incidents/new?lookup={rid}" if rid else "/incidents/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    key = KEY.search(html)
    assert key
    return html, key.group(1)


def fields(**overrides: Any) -> dict[str, Any]:
    """A complete, valid filing: a traffic stop an hour ago in New York."""
    when = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    values: dict[str, Any] = {
        "type": "traffic",
        "occurred_at": when,
        "time_zone": "UTC",
        "place": "5th Ave and E 42nd St",
        "state": "NY",
        "narrative": "Ran a red light; stopped and cited. Driver showed a blue-bordered card.",
        "actions_taken": ["citation_issued", "released"],
        "citation_number": "NY-4471",
        "report_number": "",
        "ds_called": "yes",
        "ds_confirmed_by": "Watch officer Reyes",
        "ds_confirmed_at": "",
    }
    values.update(overrides)
    return values


def png_bytes(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
