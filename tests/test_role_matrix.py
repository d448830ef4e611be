"""The role matrix (SPEC §6, ASVS 8.2.1): every route, who may call it, and a walk over all of them.

Adding a route? Add its row to MATRIX: the first test fails until you do. `params` fills the URL's
variables; the values need not exist (a 404 for the right role is fine: it is not a 401 or 403).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from tests.conftest import make_app
from tests.factories import make_api_token, make_person, make_user

ANONYMOUS = "anonymous"
ROLES = ("officer", "dispatcher", "reviewer", "admin")
WHO = (ANONYMOUS, *ROLES)

EVERYONE = frozenset(WHO)
SIGNED_IN = frozenset(ROLES)
ADMIN = frozenset({"admin"})
OFFICER = frozenset({"officer"})
DESK = frozenset({"reviewer", "admin"})

# A name that must never reach someone who may not see the registry.
SEEDED_NAME = "Zebulon Quartermaine"


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    params: Mapping[str, object] = field(default_factory=dict)


MATRIX: dict[str, Row] = {
    # Home and health
    "home.index": Row(SIGNED_IN),
    "home.healthz": Row(EVERYONE),
    "home.manifest": Row(EVERYONE),
    "home.service_worker": Row(EVERYONE),
    "home.offline": Row(EVERYONE),
    # Sign-in (public: each page checks its own step)
    "auth.login": Row(EVERYONE),
    "auth.login_post": Row(EVERYONE),
    "auth.second_factor": Row(EVERYONE),
    "auth.second_factor_post": Row(EVERYONE),
    "auth.enrol": Row(EVERYONE),
    "auth.enrol_post": Row(EVERYONE),
    "auth.logout": Row(EVERYONE),
    "auth.passkey": Row(EVERYONE),
    "auth.passkey_options": Row(EVERYONE),
    "auth.passkey_post": Row(EVERYONE),
    "auth.enrol_passkey_options": Row(EVERYONE),
    "auth.enrol_passkey": Row(EVERYONE),
    "auth.discover_options": Row(EVERYONE),
    "auth.discover": Row(EVERYONE),
    "auth.confirm_passkey_options": Row(SIGNED_IN),
    "auth.confirm_passkey": Row(SIGNED_IN),
    "auth.account_passkeys": Row(SIGNED_IN),
    "auth.add_passkey_options": Row(SIGNED_IN),
    "auth.add_passkey": Row(SIGNED_IN),
    "auth.remove_passkey": Row(SIGNED_IN, {"passkey_id": 999}),
    "auth.confirm": Row(SIGNED_IN),
    "auth.confirm_post": Row(SIGNED_IN),
    "auth.change_password": Row(SIGNED_IN),
    "auth.change_password_post": Row(SIGNED_IN),
    # User administration
    "users.index": Row(ADMIN),
    "users.new_user": Row(ADMIN),
    "users.create_user": Row(ADMIN),
    "users.disable_user": Row(ADMIN, {"user_id": 999}),
    "users.enable_user": Row(ADMIN, {"user_id": 999}),
    "users.unlock_user": Row(ADMIN, {"user_id": 999}),
    "users.forget_devices": Row(ADMIN, {"user_id": 999}),
    "users.reset_second_factor": Row(ADMIN, {"user_id": 999}),
    "users.set_temporary_password": Row(ADMIN, {"user_id": 999}),
    "users.show": Row(ADMIN, {"user_id": 999}),
    "users.end_session": Row(ADMIN, {"user_id": 999, "token": "0123456789abcdef"}),
    "users.end_all_sessions": Row(ADMIN, {"user_id": 999}),
    # Audit trail
    "audit.index": Row(ADMIN),
    "audit.alert_list": Row(ADMIN),
    # Lookups: officer page and dispatcher console
    "lookup.officer": Row(SIGNED_IN),
    # Incidents: officers file and see their own (reviewers and admins work them on /review)
    "incidents.new": Row(OFFICER),
    "incidents.create": Row(OFFICER),
    "incidents.index": Row(OFFICER),
    "incidents.show": Row(OFFICER, {"reference": "INC-2026-000001"}),
    "incidents.attachment": Row(OFFICER, {"reference": "INC-2026-000001", "position": 1}),
    "lookup.officer_post": Row(SIGNED_IN),
    "lookup.officer_result": Row(SIGNED_IN, {"rid": "unknown"}),
    "lookup.dispatch": Row(SIGNED_IN),
    "lookup.dispatch_post": Row(SIGNED_IN),
    "lookup.dispatch_result": Row(SIGNED_IN, {"rid": "unknown"}),
    "lookup.photo": Row(SIGNED_IN, {"ref": "not-a-ref"}),
    # Cards: the QR result for anyone signed in, the public key set for anyone, administration for admins
    "cards.verify": Row(SIGNED_IN, {"token": "not-a-token"}),
    "cards.verify_scanned": Row(SIGNED_IN),
    "cards.jwks": Row(EVERYONE),
    "cards.admin_search": Row(ADMIN),
    "cards.admin_search_results": Row(ADMIN),
    "cards.admin_person": Row(ADMIN, {"person_id": "P404"}),
    "cards.admin_issue": Row(ADMIN, {"person_id": "P404"}),
    "cards.admin_card": Row(ADMIN, {"card_number": "X404"}),
    "cards.admin_print": Row(ADMIN, {"card_number": "X404"}),
    "cards.admin_qr": Row(ADMIN, {"card_number": "X404", "fmt": "png"}),
    "cards.admin_reprint": Row(ADMIN, {"card_number": "X404"}),
    "cards.admin_lost": Row(ADMIN, {"card_number": "X404"}),
    "cards.admin_revoke": Row(ADMIN, {"card_number": "X404"}),
    # The OFM review desk: reviewers and admins
    "review.queue": Row(DESK),
    "review.export_csv": Row(DESK),
    "review.bulk_assign": Row(DESK),
    "review.incident": Row(DESK, {"reference": "INC-2026-000404"}),
    "review.assign": Row(DESK, {"reference": "INC-2026-000404"}),
    "review.note": Row(DESK, {"reference": "INC-2026-000404"}),
    "review.status": Row(DESK, {"reference": "INC-2026-000404"}),
    "review.points": Row(DESK, {"reference": "INC-2026-000404"}),
    "review.attachment": Row(DESK, {"reference": "INC-2026-000404", "position": 1}),
    "review.overview": Row(DESK),
    # JSON API (bearer tokens: the walk below sends one of the role's, never a session); its document is public
    "api.plate": Row(SIGNED_IN, {"plate": "DWJ1204"}),
    "api.card": Row(SIGNED_IN, {"card_number": "ZZ000001"}),
    "api.lookups": Row(SIGNED_IN),
    "api.verify": Row(SIGNED_IN),
    "api.file_incident": Row(OFFICER),
    "api.incident": Row(SIGNED_IN, {"reference": "INC-2026-000001"}),
    "api.photo": Row(SIGNED_IN, {"ref": "not-a-ref"}),
    "api.openapi": Row(EVERYONE),
    "api.docs": Row(EVERYONE),
    "api_tokens.index": Row(ADMIN),
    "api_tokens.create": Row(ADMIN),
    "api_tokens.revoke": Row(ADMIN, {"token_id": 999}),
}


def _routes() -> list[tuple[str, str]]:
    """(endpoint, method) for every rule of a freshly built app, static files aside."""
    app = make_app()
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.add((rule.endpoint, method))
    return sorted(found)


ROUTES = _routes()


def test_every_route_has_exactly_one_row_in_the_matrix() -> None:
    endpoints = {endpoint for endpoint, _method in ROUTES}
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"routes with no row in the role matrix (deny by default): {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def _url(app: Flask, endpoint: str) -> str:
    row = MATRIX[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **row.params)


def _cases() -> list[object]:
    cases = []
    for endpoint, method in ROUTES:
        if endpoint not in MATRIX:
            continue
        for who in WHO:
            cases.append(pytest.param(endpoint, method, who, id=f"{endpoint}-{method}-{who}"))
    return cases


@pytest.fixture
def seeded(app: Flask) -> None:
    with app.app_context():
        make_person(full_name=SEEDED_NAME)
        db.session.commit()


@pytest.mark.parametrize("endpoint, method, who", _cases())
def test_each_route_answers_each_role_as_the_matrix_says(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], seeded: None, endpoint: str, method: str, who: str
) -> None:
    url = _url(app, endpoint)
    headers = {}
    if who != ANONYMOUS and url.startswith("/api/"):
        with app.app_context():
            headers = {"Authorization": f"Bearer {make_api_token(make_user(who))}"}
    elif who != ANONYMOUS:
        login_as(who)
    response = client.open(url, method=method, headers=headers)
    body = response.get_data(as_text=True)
    allowed = MATRIX[endpoint].allowed
    if who in allowed:
        assert response.status_code not in (401, 403), f"{who} refused at {method} {url}"
        assert not response.headers.get("Location", "").startswith("/login?next="), f"{who} sent to sign in"
    elif who == ANONYMOUS:
        if url.startswith("/api/"):
            assert response.status_code == 401
            assert response.json is not None and response.json["error"] == "unauthorized"
        else:
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login")
        assert SEEDED_NAME not in body
    else:
        assert response.status_code == 403, f"{who} got {response.status_code} at {method} {url}"
        assert SEEDED_NAME not in body
