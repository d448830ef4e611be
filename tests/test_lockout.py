"""Lockout without a denial of service (issue 12 item 2), written as the attacks.

An anonymous client guesses or sprays from many addresses; the officer, on a browser they signed in on before (a
device cookie, app/auth/devices.py), still signs in; a new browser cannot until an admin releases the account
(CJIS AC-7); growing per-source delays come first (app/auth/throttle.py); every lock and spray is alerted and audited.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app.auth import devices
from app.auth.throttle import IP_FREE_FAILURES, SPRAY_THRESHOLD, delay_after
from app.extensions import db
from app.models import User
from tests.auth_support import audit_events, login_form, reload_user
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
WRONG = "Tr0ub4dor&3-not-it"
OFFICER = "kim.lee@metro.example.gov"
HOME = "203.0.113.10"  # the officer's phone


@pytest.fixture
def guarded(app_with: Callable[..., Flask]) -> Flask:
    """Rate limits and delays on, as in production, behind one proxy whose X-Forwarded-For is believed."""
    return app_with(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)


@pytest.fixture
def delays_only(app_with: Callable[..., Flask]) -> Flask:
    """As `guarded`, with the flat per-email limit out of the way: what is left to refuse is the growing delay."""
    return app_with(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1, SIGNIN_RATE_PER_EMAIL="1000/minute")


@pytest.fixture
def officer(guarded: Flask) -> User:
    with guarded.app_context():
        return make_user("officer", email=OFFICER)


def _from(app: Flask, address: str) -> FlaskClient:
    """A browser behind the proxy at this address."""
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


def _phone(app: Flask) -> FlaskClient:
    """The officer's phone: it signed in once (so it holds a device cookie), then signed out."""
    phone = _from(app, HOME)
    assert sign_in(phone, OFFICER).headers["Location"] == "/lookup"
    assert phone.get_cookie(devices.COOKIE_NAME) is not None
    phone.post("/logout")
    return phone


def _admin(app: Flask) -> FlaskClient:
    """An administrator signed in (with their second factor) from their own desk."""
    with app.app_context():
        admin = make_user("admin")
    client = _from(app, "192.0.2.200")
    assert sign_in(client, admin.email, totp_secret=admin.totp_secret).headers["Location"] == "/"
    return client


def devices_of(app: Flask, user_id: int) -> list[int]:
    with app.app_context():
        return [device.id for device in devices.list_for(user_id)]


def _attacker(n: int) -> str:
    return f"198.51.{n // 250}.{n % 250 + 1}"


def _alerts(app: Flask, kind: str) -> list[dict[str, object]]:
    return [json.loads(event.detail) for event in audit_events(app, f"alert.{kind}")]


def test_fifty_wrong_passwords_from_many_addresses_cannot_keep_the_officer_out_of_their_own_phone(
    guarded: Flask, officer: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        phone = _phone(guarded)
        statuses = []
        for n in range(50):
            clock.shift(timedelta(seconds=12))  # within the per-email limit (5 a minute): every guess is answered
            response = _from(guarded, _attacker(n)).post("/login", data=login_form(OFFICER, WRONG))
            statuses.append(response.status_code)
        # A last burst also fills the per-email limit (5 a minute) that every stranger typing this email shares.
        burst = [_from(guarded, _attacker(100 + n)).post("/login", data=login_form(OFFICER, WRONG)) for n in range(8)]
        assert 429 in [r.status_code for r in burst]
        assert set(statuses) == {401}
        assert sign_in(phone, OFFICER).headers["Location"] == "/lookup"
        clock.shift(timedelta(minutes=1))  # past the per-email limit: what refuses the new browser is the lock
        new_browser = _from(guarded, "192.0.2.44")
        refused = new_browser.post("/login", data=login_form(OFFICER, DEFAULT_PASSWORD))
        alerts_page = _admin(guarded).get("/admin/alerts").get_data(as_text=True)
    assert refused.status_code == 401
    assert 'data-kind="auth.lockout"' in alerts_page and 'data-kind="auth.spray"' in alerts_page
    user = reload_user(guarded, officer.id)
    assert user.is_locked_for_unknown_devices and not user.is_locked
    (lock,) = _alerts(guarded, "auth.lockout")
    assert (lock["lock"], lock["user_id"], lock["failures"]) == ("unknown_devices", officer.id, 5)
    (spray,) = _alerts(guarded, "auth.spray")
    assert (spray["pattern"], spray["user_id"], spray["sources"]) == ("one_account_many_sources", officer.id, 5)
    logins = audit_events(guarded, "auth.login")
    failures = [json.loads(e.detail) for e in logins if e.outcome in ("failure", "locked")]
    assert sum(1 for d in failures if d.get("reason") == "wrong_password") == 5
    assert sum(1 for d in failures if d.get("reason") == "unknown_devices_locked") >= 45


def test_the_sixth_try_with_the_right_password_from_an_unknown_device_is_refused_until_an_admin_releases_it(
    guarded: Flask, officer: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            clock.shift(timedelta(seconds=20))
            assert _from(guarded, _attacker(n)).post("/login", data=login_form(OFFICER, WRONG)).status_code == 401
        clock.shift(timedelta(days=2))  # no automatic unlock
        stranger = _from(guarded, "192.0.2.44")
        assert stranger.post("/login", data=login_form(OFFICER, DEFAULT_PASSWORD)).status_code == 401
        last = audit_events(guarded, "auth.login")[-1]
        assert (last.outcome, json.loads(last.detail)["reason"]) == ("locked", "unknown_devices_locked")
        admin = _admin(guarded)
        assert admin.post(f"/admin/users/{officer.id}/unlock").status_code == 303
        clock.shift(timedelta(seconds=2))  # the refused attempt above counted for the growing delay too
        assert sign_in(stranger, OFFICER).headers["Location"] == "/lookup"
    (unlock,) = audit_events(guarded, "admin.user_unlock")
    assert json.loads(unlock.detail)["unknown_devices_were_locked"] is True


def test_five_wrong_passwords_on_the_officers_own_phone_lock_the_whole_account(guarded: Flask, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        phone = _phone(guarded)
        for _ in range(5):
            clock.shift(timedelta(seconds=30))
            assert phone.post("/login", data=login_form(OFFICER, WRONG)).status_code == 401
        assert phone.post("/login", data=login_form(OFFICER, DEFAULT_PASSWORD)).status_code == 401
        assert reload_user(guarded, officer.id).is_locked
        (lock,) = _alerts(guarded, "auth.lockout")
        assert lock["lock"] == "account"
        _admin(guarded).post(f"/admin/users/{officer.id}/unlock")
        assert sign_in(phone, OFFICER).headers["Location"] == "/lookup"


def test_strangers_failures_do_not_count_against_the_phone_and_its_failures_not_against_strangers(
    guarded: Flask, officer: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        phone = _phone(guarded)
        for n in range(4):
            clock.shift(timedelta(seconds=20))
            _from(guarded, _attacker(n)).post("/login", data=login_form(OFFICER, WRONG))
            phone.post("/login", data=login_form(OFFICER, WRONG))
    user = reload_user(guarded, officer.id)
    assert not user.is_locked and not user.is_locked_for_unknown_devices
    assert len(user.recent_failures) == 4


def test_a_device_cookie_signed_for_someone_else_or_forged_counts_as_an_unknown_device(
    guarded: Flask, officer: User
) -> None:
    with guarded.app_context():
        other = make_user("officer", email="pat.doe@metro.example.gov")
    with time_machine.travel(START, tick=False) as clock:
        borrowed = _from(guarded, "192.0.2.9")
        sign_in(borrowed, other.email)  # a device of pat's, not of kim's
        borrowed.post("/logout")
        forged = _from(guarded, "192.0.2.10")
        forged.set_cookie(devices.COOKIE_NAME, "W1sxLCJhYmMiXV0.forged-signature")
        for n in range(5):
            clock.shift(timedelta(seconds=20))
            (borrowed if n % 2 else forged).post("/login", data=login_form(OFFICER, WRONG))
    assert reload_user(guarded, officer.id).is_locked_for_unknown_devices


def test_a_forgotten_device_is_unknown_again(guarded: Flask, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        phone = _phone(guarded)
        with guarded.app_context():
            devices.forget_all(officer.id)
            db.session.commit()
        for _ in range(5):
            clock.shift(timedelta(seconds=20))
            phone.post("/login", data=login_form(OFFICER, WRONG))
    user = reload_user(guarded, officer.id)
    assert user.is_locked_for_unknown_devices and not user.is_locked


def test_the_device_cookie_is_host_only_secure_httponly_strict_and_long_lived(guarded: Flask, officer: User) -> None:
    client = _from(guarded, HOME)
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post("/login", data=login_form(OFFICER, DEFAULT_PASSWORD))
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(devices.COOKIE_NAME + "=")]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"secure", "httponly", "path", "max-age", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "SameSite=Strict" in header and "Path=/" in header
    assert f"Max-Age={int(devices.DEVICE_LIFETIME.total_seconds())}" in header
    value = header.split(";", 1)[0].split("=", 1)[1]
    with guarded.test_request_context():
        ((user_id, nonce),) = devices.entries(value)  # signed: a user id and a random nonce, nothing else
    assert user_id == officer.id and len(nonce) >= 43


def test_a_shared_browser_remembers_each_account_signed_in_on_it(guarded: Flask) -> None:
    with guarded.app_context():
        first = make_user("dispatcher", email="desk.one@metro.example.gov")
        second = make_user("dispatcher", email="desk.two@metro.example.gov")
    desk = _from(guarded, "192.0.2.50")
    for user in (first, second):
        sign_in(desk, user.email)
        desk.post("/logout")
    cookie = desk.get_cookie(devices.COOKIE_NAME)
    assert cookie is not None
    with guarded.test_request_context():
        assert [uid for uid, _nonce in devices.entries(cookie.value)] == [second.id, first.id]
    assert len(audit_events(guarded, "auth.device")) == 2


# --- Growing delays ------------------------------------------------------------------------------------------


def test_growing_delays_answer_429_with_retry_after_before_checking_the_password(delays_only: Flask) -> None:
    with delays_only.app_context():
        make_user("officer", email=OFFICER)
    client = _from(delays_only, "192.0.2.77")
    with time_machine.travel(START, tick=False) as clock:
        waits = []
        for expected in (1, 2, 4, 8):
            assert client.post("/login", data=login_form(OFFICER, WRONG)).status_code == 401
            too_soon = client.post("/login", data=login_form(OFFICER, DEFAULT_PASSWORD))
            assert too_soon.status_code == 429
            assert "Wait" in too_soon.get_data(as_text=True)
            waits.append(int(too_soon.headers["Retry-After"]))
            clock.shift(timedelta(seconds=expected))
        assert waits == [1, 2, 4, 8]
        # Waiting it out, the right password works: the account was never locked by four failures.
        assert sign_in(client, OFFICER).headers["Location"] == "/lookup"
    # The refused-too-soon attempts never reached the password check: four failures, then one success.
    assert [e.outcome for e in audit_events(delays_only, "auth.login")] == ["failure"] * 4 + ["success"]
    delayed = [json.loads(e.detail) for e in audit_events(delays_only, "ratelimit.exceeded")]
    assert delayed and all(d["scope"] == "signin-delay" for d in delayed)


def test_one_address_cannot_walk_through_many_accounts_quickly(delays_only: Flask) -> None:
    client = _from(delays_only, "192.0.2.88")
    with time_machine.travel(START, tick=False):
        statuses = [
            client.post("/login", data=login_form(f"user{n}@metro.example.gov", WRONG)).status_code
            for n in range(IP_FREE_FAILURES + 1)
        ]
        assert statuses == [401] * (IP_FREE_FAILURES + 1)
        blocked = client.post("/login", data=login_form("another@metro.example.gov", WRONG))
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    (spray,) = _alerts(delays_only, "auth.spray")
    assert (spray["pattern"], spray["source"], spray["accounts"]) == (
        "one_source_many_accounts",
        "192.0.2.88",
        SPRAY_THRESHOLD,
    )
    (event,) = audit_events(delays_only, "alert.auth.spray")
    assert event.client_addr == "192.0.2.88"


def test_the_officers_phone_is_not_slowed_by_strangers_at_the_same_address(guarded: Flask, officer: User) -> None:
    with time_machine.travel(START, tick=False):
        phone = _phone(guarded)
        neighbour = _from(guarded, HOME)  # the same station NAT
        for n in range(IP_FREE_FAILURES + 3):
            neighbour.post("/login", data=login_form(f"user{n}@metro.example.gov", WRONG))
        assert neighbour.post("/login", data=login_form("x@metro.example.gov", WRONG)).status_code == 429
        assert sign_in(phone, OFFICER).headers["Location"] == "/lookup"


@pytest.mark.parametrize(
    "failures, free, cap, seconds",
    [(0, 0, 60, 0), (1, 0, 60, 1), (2, 0, 60, 2), (4, 0, 60, 8), (7, 0, 60, 60), (500, 0, 60, 60), (10, 10, 300, 0)],
)
def test_the_delay_doubles_after_the_free_failures_up_to_its_cap(
    failures: int, free: int, cap: int, seconds: int
) -> None:
    assert delay_after(failures, free, cap) == seconds


# --- What the admin sees -------------------------------------------------------------------------------------


def test_the_admin_user_page_shows_both_locks_and_the_known_devices(guarded: Flask, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        _phone(guarded)
        for n in range(5):
            clock.shift(timedelta(seconds=20))
            _from(guarded, _attacker(n)).post("/login", data=login_form(OFFICER, WRONG))
        admin = _admin(guarded)
        page = admin.get(f"/admin/users/{officer.id}").get_data(as_text=True)
        listing = admin.get("/admin/users").get_data(as_text=True)
    assert "data-lock-unknown" in page and "Locked for new devices" in page
    assert 'data-device="' in page and HOME in page
    assert "locked for new devices" in listing
    assert f'action="/admin/users/{officer.id}/unlock"' in listing


def test_an_admin_forgets_a_lost_phone_and_it_becomes_a_new_device(guarded: Flask, officer: User) -> None:
    with time_machine.travel(START, tick=False) as clock:
        phone = _phone(guarded)
        admin = _admin(guarded)
        asked = admin.post(f"/admin/users/{officer.id}/devices/forget")
        assert asked.status_code == 200 and "Forget every device of" in asked.get_data(as_text=True)
        assert len(devices_of(guarded, officer.id)) == 1  # asking changed nothing
        done = admin.post(f"/admin/users/{officer.id}/devices/forget", data={"confirmed": "yes"})
        assert done.status_code == 303 and done.headers["Location"] == f"/admin/users/{officer.id}"
        assert devices_of(guarded, officer.id) == []
        for _ in range(5):
            clock.shift(timedelta(seconds=20))
            phone.post("/login", data=login_form(OFFICER, WRONG))
    assert reload_user(guarded, officer.id).is_locked_for_unknown_devices
    (event,) = audit_events(guarded, "admin.devices_forget")
    assert json.loads(event.detail)["devices_forgotten"] == 1


def test_unlocking_from_the_users_page_comes_back_to_it_and_releases_both_locks(guarded: Flask, officer: User) -> None:
    with guarded.app_context():
        user = db.session.get(User, officer.id)
        assert user is not None
        user.locked_at = user.unknown_devices_locked_at = START
        db.session.commit()
    admin = _admin(guarded)
    page = admin.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert "Locked for new devices" in page and "No browser can sign in" in page
    response = admin.post(f"/admin/users/{officer.id}/unlock", data={"back": f"/admin/users/{officer.id}"})
    assert response.headers["Location"] == f"/admin/users/{officer.id}"
    user = reload_user(guarded, officer.id)
    assert not user.is_locked and not user.is_locked_for_unknown_devices
    (event,) = audit_events(guarded, "admin.user_unlock")
    detail = json.loads(event.detail)
    assert (detail["was_locked"], detail["unknown_devices_were_locked"]) == (True, True)
