"""The review overview in Chromium, on a desk filled by the demo incident history: phone and desktop, light and
dark; the charts draw under the CSP, nothing scrolls sideways, axe finds nothing serious."""

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from werkzeug.serving import make_server

from app.extensions import db
from app.incidents.demo_seed import seed_demo_incidents
from app.registry.seed import seed_demo
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, QuietHandler, buffered, screenshot, sign_in
from tests.browser.test_accessibility import serious_violations
from tests.conftest import make_app
from tests.factories import make_user

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server of its own, with the demo registry and the demo incident history (the shared one has no
    incidents, and other tests count on that)."""
    folder = tmp_path_factory.mktemp("desk")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'envoy.db'}", BASE_URL=f"http://127.0.0.1:{port}")
    app.instance_path = str(folder / "instance")
    Path(app.instance_path).mkdir()
    with app.app_context():
        db.create_all()
        seed_demo(persons=400, seed=1)
        seed_demo_incidents()
    app.wsgi_app = buffered(app.wsgi_app)  # type: ignore[method-assign]
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.shutdown()
    server.server_close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def reviewer_in(browser: Browser, desk: LiveServer) -> Iterator[Callable[..., Page]]:
    """A page of the given size and colour scheme, signed in as a new reviewer; collects CSP complaints."""
    contexts: list[BrowserContext] = []

    def open_page(size: str, scheme: str) -> Page:
        with desk.app.app_context():
            user = make_user("reviewer")
        context = browser.new_context(**SIZES[size], color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and page.csp_errors.append(message.text),  # type: ignore[attr-defined]
        )
        sign_in(page, desk.url, user.email, totp_secret=user.totp_secret)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("size", "scheme"), [("phone", "light"), ("phone", "dark"), ("desktop", "light"), ("desktop", "dark")]
)
def test_the_overview_draws_its_charts_without_sideways_scrolling(reviewer_in, desk, size, scheme):
    page = reviewer_in(size, scheme)
    page.goto(f"{desk.url}/review/overview")
    expect(page.get_by_role("heading", name="Incident overview")).to_be_visible()
    expect(page.locator("svg.chart-svg")).to_have_count(4)
    bar = page.locator("svg.chart-svg .series .rect").first
    assert bar.evaluate("el => getComputedStyle(el).fill") == "rgb(0, 114, 178)"  # Okabe–Ito blue, from overview.css
    expect(page.locator("[data-table=thresholds] tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    months = page.locator(".chart-scroll").first  # wider than a phone: it opens at its newest end, the one that matters
    right_edges = "box => box.querySelector('svg').getBoundingClientRect().right - box.getBoundingClientRect().right"
    assert abs(months.evaluate(right_edges)) <= 1
    screenshot(page, f"review-overview-{size}-{scheme}")
    assert page.csp_errors == []


def test_a_chart_table_opens_and_the_office_filter_swaps_the_numbers(reviewer_in, desk):
    page = reviewer_in("desktop", "light")
    page.goto(f"{desk.url}/review/overview")
    total = page.locator("[data-count=total]").inner_text()
    page.get_by_text("Show as a table").first.click()
    expect(page.locator("[data-table=months] tbody tr")).to_have_count(24)
    page.select_option("#f-office", "new_york")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("[data-overview-office=new_york]")).to_be_visible()
    assert int(page.locator("[data-count=total]").inner_text()) < int(total)
    assert "office=new_york" in page.url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_overview_has_no_serious_accessibility_violations(reviewer_in, desk, scheme):
    page = reviewer_in("phone", scheme)
    page.goto(f"{desk.url}/review/overview")
    assert serious_violations(page, desk.url) == []
