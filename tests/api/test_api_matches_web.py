"""One source of truth for the verdict: the API answers what the dispatcher's screen shows, for every demo journey."""

import html
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from app.registry.seed import DEMO_CASES

ARTICLE = re.compile(
    r'<article class="verdict[^"]*" data-verdict-level="([^"]+)" data-person="([^"]+)"(.*?)</article>', re.S
)
HEADLINE = re.compile(r'class="headline">(.*?)</h2>', re.S)
ANSWER = re.compile(r'data-question="([^"]+)" data-answer="([^"]+)"')
ALWAYS = re.compile(r'<div class="always[^"]*">.*?<ul>(.*?)</ul>', re.S)
ITEM = re.compile(r"<li>(.*?)</li>", re.S)
DRIVING = re.compile(r'data-driving-status="([^"]+)" data-driving-points="([^"]+)"')


def web_verdicts(page: str) -> list[dict[str, object]]:
    """What the result page shows of each person, read from its markup."""
    shown = []
    for level, person_id, body in ARTICLE.findall(page):
        headline = HEADLINE.search(body)
        always = ALWAYS.search(body)
        driving = DRIVING.search(body)
        shown.append(
            {
                "id": person_id,
                "level": level,
                "headline": html.unescape(headline.group(1).strip()) if headline else None,
                "answers": dict(ANSWER.findall(body)),
                "always_allowed": [html.unescape(i.strip()) for i in ITEM.findall(always.group(1))] if always else [],
                "driving": (driving.group(1), int(driving.group(2))) if driving else None,
            }
        )
    return shown


def api_verdicts(answer: dict[str, object]) -> list[dict[str, object]]:
    persons = answer["persons"]
    assert isinstance(persons, list)
    return [
        {
            "id": p["id"],
            "level": p["verdict"]["level"],
            "headline": p["verdict"]["headline"],
            "answers": p["verdict"]["answers"],
            "always_allowed": p["verdict"]["always_allowed"],
            "driving": (p["driving"]["status"], p["driving"]["points"]) if p["driving"] else None,
        }
        for p in persons
    ]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("journey", sorted(DEMO_CASES))
def test_the_api_verdict_equals_the_web_pages_for_each_demo_journey(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[..., User],
    token_for: Callable[..., tuple[User, dict[str, str]]],
    journey: str,
) -> None:
    query = DEMO_CASES[journey]
    login_as("dispatcher")
    page = client.post("/dispatch", data={"q": query, "kind": "auto"}, follow_redirects=True)
    assert page.status_code == 200
    web = web_verdicts(page.get_data(as_text=True))

    _user, headers = token_for("dispatcher")
    kind = "cards" if re.fullmatch(r"[A-Z]{2}[0-9]{6}", query) else "plates"
    answer = app.test_client().get(f"/api/v1/{kind}/{query}", headers=headers)
    assert answer.status_code == 200

    assert api_verdicts(answer.json) == web
    if journey != "official_car":
        assert web, "the page showed no verdict"
    assert all(len(shown["answers"]) == 6 and shown["always_allowed"] and shown["headline"] for shown in web)
