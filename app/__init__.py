"""Envoy: the app factory, made of named steps."""

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from app import config as config_module
from app.extensions import csrf, db, htmx, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    configure(app, overrides)
    register_proxy_fix(app)
    register_url_length_cap(app)
    register_request_size(app)
    register_extensions(app)
    check_totp_keys(app)
    warn_if_breached_list_is_stale(app)
    register_auth(app)
    register_api_auth(app)
    register_access_control(app)
    register_logging(app)
    register_blueprints(app)
    register_template_globals(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    app.config.update(config_module.load(overrides))
    config_module.check_production(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'envoy.db'}"


def register_proxy_fix(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto only from the TRUSTED_PROXIES hops in front of the app (0: none)."""
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_url_length_cap(app: Flask) -> None:
    """First of the before-request hooks: an overlong address is refused before CSRF, limits or sign-in."""
    from app.url_length import register

    register(app)


def register_request_size(app: Flask) -> None:
    """Before CSRF reads a form: a view marked accepts_body(n) takes bodies up to n bytes, others MAX_CONTENT_LENGTH."""
    from app.request_size import register

    register(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=str(ROOT / "migrations"))
    htmx.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    from app.database import register_connection_settings

    register_connection_settings(app)
    from app.audit import seals

    seals.init_app(app)


def warn_if_breached_list_is_stale(app: Flask) -> None:
    """In production, a WARNING at start (for the SIEM) when the breached-password list is over a quarter old."""
    if app.config["ENVOY_ENV"] != "production":
        return
    stale = breached_staleness(datetime.now(UTC).date())
    if stale is not None:
        logging.getLogger("envoy.startup").warning(stale)


def breached_staleness(today: date) -> str | None:
    from app.auth import breached

    return breached.staleness(today)


def check_totp_keys(app: Flask) -> None:
    """In production, refuse to start when TOTP_KEYS cannot open the TOTP secrets the database holds."""
    if app.config["ENVOY_ENV"] != "production":
        return
    from app.totp_keys import KeyRingError, stored_secrets_check

    try:
        stored_secrets_check(app)
    except KeyRingError as error:
        raise config_module.ConfigError(f"TOTP_KEYS cannot open the stored TOTP secrets: {error}") from None


def register_auth(app: Flask) -> None:
    """Server-side sessions and the Flask-Login user loader."""
    from app.auth.setup import register

    register(app)


def register_api_auth(app: Flask) -> None:
    """The JSON API authenticates by bearer token only (no session, no CSRF token)."""
    from app.api.bearer import register

    register(app)


def register_access_control(app: Flask) -> None:
    """Deny by default: before every request, the endpoint must be marked public or name the user's role."""
    from app.auth.access import enforce

    app.before_request(enforce)


def register_logging(app: Flask) -> None:
    """Card tokens sit in /v/ paths by design: keep them out of the app's and Werkzeug's logs."""
    from app.cards.redact import install

    install(app)


def register_blueprints(app: Flask) -> None:
    from app.api.views import bp as api_bp
    from app.api_tokens.views import bp as api_tokens_bp
    from app.audit.views import bp as audit_bp
    from app.auth import passkey_views  # noqa: F401 -- its routes join the auth blueprint before registration
    from app.auth.views import bp as auth_bp
    from app.cards.views import bp as cards_bp
    from app.home.views import bp as home_bp
    from app.incidents.views import bp as incidents_bp
    from app.lookup.views import bp as lookup_bp
    from app.review.views import bp as review_bp
    from app.users.views import bp as users_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(cards_bp)
    app.register_blueprint(lookup_bp)
    app.register_blueprint(incidents_bp)
    app.register_blueprint(review_bp)
    csrf.exempt(api_bp)  # bearer tokens, never cookies: nothing for a forged cross-site request to ride on
    app.register_blueprint(api_bp)
    app.register_blueprint(api_tokens_bp)


def register_template_globals(app: Flask) -> None:
    """The verdict's wording, for every template: lookup results, the card check, the admin card pages, offline."""
    from app.cards.wording import OUTCOMES
    from app.lookup.wording import TEMPLATE_GLOBALS, date_parts

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    app.jinja_env.filters["date_parts"] = date_parts
    # How a card scan's outcome reads, for the incident snapshots that keep one.
    app.jinja_env.globals["SCAN_OUTCOMES"] = OUTCOMES
    # The admin's alerts page says when the breached-password list is over a quarter old (app.auth.breached);
    # a global here, since app.audit (the page) sits below app.auth (which audits).
    app.jinja_env.globals["breached_list_staleness"] = lambda: breached_staleness(datetime.now(UTC).date())


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from app.security_headers import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.api.commands import api_tokens_cli
    from app.audit.commands import audit_cli
    from app.auth.commands import users_cli
    from app.cards.commands import cards_cli, keys_cli
    from app.registry.commands import registry_cli

    app.cli.add_command(registry_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(cards_cli)

    from app.incidents.commands import incidents_cli

    app.cli.add_command(incidents_cli)
    app.cli.add_command(api_tokens_cli)
