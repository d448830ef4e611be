"""The app factory: configuration layers and the production guard."""

import pytest
from flask import Flask, render_template_string

from app import create_app
from app.config import DEFAULTS, ConfigError, load
from tests.auth_support import TEST_TOTP_KEYS

PRODUCTION = {
    "ENVOY_ENV": "production",
    "SECRET_KEY": "production-test-secret-" * 3,
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "BASE_URL": "https://envoy.example.gov",
    "TRUSTED_PROXIES": 1,
    "TOTP_KEYS": TEST_TOTP_KEYS,
}


def test_environment_overrides_defaults() -> None:
    config = load(None, environ={"DATABASE_URL": "postgresql://u:p@db/envoy", "SECRET_KEY": "x" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/envoy"
    assert config["SECRET_KEY"] == "x" * 40


def test_mapping_overrides_environment() -> None:
    config = load({"SECRET_KEY": "from-test"}, environ={"SECRET_KEY": "from-env"})
    assert config["SECRET_KEY"] == "from-test"


def test_mfa_roles_are_read_as_a_comma_list() -> None:
    config = load(None, environ={"MFA_REQUIRED_ROLES": "officer, dispatcher,reviewer,admin"})
    assert config["MFA_REQUIRED_ROLES"] == ("officer", "dispatcher", "reviewer", "admin")


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENVOY_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("key", ["k" * 80, "0123456789" * 4, "abcd" * 20])
def test_production_refuses_a_short_or_repetitive_secret_key(key: str) -> None:
    """Security bar C18 (Django's deploy check): at least 50 characters, at least 5 different ones."""
    with pytest.raises(ConfigError, match="at least 50 characters"):
        create_app({**PRODUCTION, "SECRET_KEY": key})


def test_production_refuses_per_process_rate_limits() -> None:
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})


def test_production_starts_with_real_secrets() -> None:
    app = create_app(PRODUCTION)
    assert app.config["ENVOY_ENV"] == "production"


def test_base_url_comes_from_the_environment() -> None:
    config = load(None, environ={"BASE_URL": "http://127.0.0.1:8101"})
    assert config["BASE_URL"] == "http://127.0.0.1:8101"


def test_production_refuses_to_start_without_base_url() -> None:
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app({key: value for key, value in PRODUCTION.items() if key != "BASE_URL"})


@pytest.mark.parametrize("base_url", ["http://envoy.example.gov", "envoy.example.gov", "https://", ""])
def test_production_refuses_a_base_url_that_is_not_an_https_address(base_url: str) -> None:
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app({**PRODUCTION, "BASE_URL": base_url})


def test_production_refuses_the_development_base_url_even_when_given_explicitly() -> None:
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app({**PRODUCTION, "BASE_URL": DEFAULTS["BASE_URL"]})


# --- ENVOY_INSECURE_COOKIES: trying Envoy over plain http from a phone (development only) ---------------


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_the_insecure_cookie_switch_gives_a_plain_cookie_that_is_not_secure(value: str) -> None:
    config = load(None, environ={"ENVOY_INSECURE_COOKIES": value})
    assert config["SESSION_COOKIE_NAME"] == "envoy_session"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_the_insecure_cookie_switch_changes_no_other_cookie_attribute() -> None:
    plain, switched = load(None, environ={}), load(None, environ={"ENVOY_INSECURE_COOKIES": "1"})
    changed = {key for key in plain if plain[key] != switched[key]}
    assert changed == {"INSECURE_COOKIES", "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE"}
    assert switched["SESSION_COOKIE_HTTPONLY"] is True and switched["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("value", ["0", "", "false"])
def test_the_switch_off_keeps_the_host_cookie(value: str) -> None:
    config = load(None, environ={"ENVOY_INSECURE_COOKIES": value})
    assert config["SESSION_COOKIE_NAME"] == "__Host-envoy_session"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_an_unreadable_switch_value_is_refused() -> None:
    with pytest.raises(ConfigError, match="ENVOY_INSECURE_COOKIES"):
        load(None, environ={"ENVOY_INSECURE_COOKIES": "please"})


def test_production_refuses_the_insecure_cookie_switch() -> None:
    with pytest.raises(ConfigError, match="ENVOY_INSECURE_COOKIES"):
        create_app({**PRODUCTION, "INSECURE_COOKIES": True})


def test_production_refuses_a_session_cookie_without_the_host_prefix() -> None:
    with pytest.raises(ConfigError, match="__Host-"):
        create_app({**PRODUCTION, "SESSION_COOKIE_NAME": "envoy_session"})


def test_every_template_reads_the_verdict_wording_outside_any_blueprint(app: Flask) -> None:
    # Cards, home and offline templates read it too: the factory adds it app-wide (register_template_globals).
    with app.test_request_context():
        assert render_template_string("{{ DS_COMMAND_CENTER[0].number }}") == "866-217-2089"
