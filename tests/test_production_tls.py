"""Issue 12 item 7: the CSRF Referer check runs only on https requests, and behind a TLS proxy a request is
https only when TRUSTED_PROXIES lets X-Forwarded-Proto through. Production refuses to start without knowing."""

from collections.abc import Callable

import pytest
from flask import Flask

from app import create_app
from app.config import ConfigError, load
from tests.auth_support import TEST_TOTP_KEYS, login_form
from tests.conftest import csrf_from
from tests.factories import DEFAULT_PASSWORD, make_user

PRODUCTION = {
    "ENVOY_ENV": "production",
    "SECRET_KEY": "production-test-secret-" * 3,
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "BASE_URL": "https://envoy.example.gov",
    "TOTP_KEYS": TEST_TOTP_KEYS,
}


@pytest.mark.parametrize("hops", [0, "0"])
def test_production_behind_an_unnamed_proxy_refuses_to_start_and_says_what_to_set(hops: object) -> None:
    with pytest.raises(ConfigError) as refusal:
        create_app({**PRODUCTION, "TRUSTED_PROXIES": hops})
    assert "TRUSTED_PROXIES" in str(refusal.value) and "ENVOY_SERVES_TLS=1" in str(refusal.value)
    assert "CSRF Referer check" in str(refusal.value)


def test_production_starts_behind_a_named_proxy_or_serving_tls_itself() -> None:
    assert create_app({**PRODUCTION, "TRUSTED_PROXIES": "1"}).config["ENVOY_ENV"] == "production"
    assert create_app({**PRODUCTION, "SERVES_TLS": True}).config["ENVOY_ENV"] == "production"


def test_the_switches_come_from_the_environment() -> None:
    config = load(None, environ={"ENVOY_SERVES_TLS": "1", "TRUSTED_PROXIES": "2"})
    assert (config["SERVES_TLS"], config["TRUSTED_PROXIES"]) == (True, "2")
    with pytest.raises(ConfigError, match="ENVOY_SERVES_TLS"):
        load(None, environ={"ENVOY_SERVES_TLS": "maybe"})


@pytest.mark.parametrize("hops", ["one", "-1"])
def test_a_trusted_proxies_value_that_is_not_a_count_is_refused(hops: str) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a number"):
        create_app({**PRODUCTION, "TRUSTED_PROXIES": hops})


def test_development_still_starts_without_either() -> None:
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["TRUSTED_PROXIES"] == 0


def test_behind_a_named_proxy_a_cross_site_form_is_refused_by_the_referer_check(
    app_with: Callable[..., Flask],
) -> None:
    """The attack the rule prevents: a form posted from another site with a valid token (e.g. a leaked one)."""
    app = app_with(WTF_CSRF_ENABLED=True, TRUSTED_PROXIES=1)
    with app.app_context():
        user = make_user("officer")
    client = app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    token = csrf_from(client.get("/login", headers=proxied)) or ""
    form = login_form(user.email, DEFAULT_PASSWORD, csrf_token=token)
    cross_site = client.post("/login", data=form, headers={**proxied, "Referer": "https://evil.example/"})
    assert cross_site.status_code == 400
    same_site = client.post("/login", data=form, headers={**proxied, "Referer": "https://localhost/login"})
    assert same_site.status_code == 302
