"""The app factory: configuration layers and the production guard."""

import pytest

from app import create_app
from app.config import ConfigError, load


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


def test_production_refuses_per_process_rate_limits() -> None:
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({"ENVOY_ENV": "production", "SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_starts_with_real_secrets() -> None:
    app = create_app(
        {
            "ENVOY_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        }
    )
    assert app.config["ENVOY_ENV"] == "production"
