"""Configuration: defaults here, overridden by the environment, then by a mapping in tests."""

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from app import offices, totp_keys
from app.models.accounts import Role

DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105  (check_production refuses it)
# Django's deploy check (security bar C18): 50 characters, of at least 5 different ones ("s" * 50 is no secret).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
# The session cookie under ENVOY_INSECURE_COOKIES: browsers refuse a __Host- cookie that is not Secure.
INSECURE_COOKIE_NAME = "envoy_session"
# An on/off environment variable; set but empty means off.
FLAG_VALUES = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off", ""), False),
}

DEFAULTS: dict[str, Any] = {
    "ENVOY_ENV": "development",
    "SECRET_KEY": DEV_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": None,  # set from the instance folder when not given
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # How long a SQLite write waits for another writer before giving up (then the request answers 503 with
    # Retry-After and stores nothing: security bar D5). The tests shorten it to hold a lock past it.
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Fields in one form, url-encoded or multipart (app/request_size.py): the largest form, the review queue's
    # bulk assignment, has about 60. Text fields of a multipart form (not its files) share 500 kB.
    "MAX_FORM_PARTS": 200,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "BASE_URL": "http://127.0.0.1:8000",  # `make run` sets it to the address it serves on
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "envoy",
    "LOOKUP_RATE_PER_USER": "60/minute",
    "LOOKUP_RATE_PER_IP": "120/minute",
    # Photo fetches, counted apart from lookups: a result can show several photos, and each view fetches them.
    "PHOTO_RATE_PER_USER": "120/minute",
    "PHOTO_RATE_PER_IP": "240/minute",
    # Per address: a whole station behind one NAT signs in at shift change (two hits each with TOTP).
    "SIGNIN_RATE_PER_IP": "30/minute",
    "SIGNIN_RATE_PER_EMAIL": "5/minute",
    "TRUSTED_PROXIES": 0,  # proxy hops in front of the app whose X-Forwarded-For/-Proto are believed
    # gunicorn itself serves https (--certfile), no proxy in front. Production needs this or TRUSTED_PROXIES.
    "SERVES_TLS": False,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    "SESSION_COOKIE_NAME": "__Host-envoy_session",  # __Host-: Secure, Path=/, no Domain (security bar)
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Development only: a plain, non-Secure session cookie, so a phone can sign in over http on a LAN.
    "INSECURE_COOKIES": False,
    # Every role signs in with a second factor (CJIS IA-2: privileged and non-privileged accounts alike); outside
    # production a shorter list may relax it for officers and dispatchers (reviewers and admins always need one).
    "MFA_REQUIRED_ROLES": tuple(role.value for role in Role),
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the server-side session
    # States moved between OFM offices ("NJ=new_york,PA=headquarters"); app/offices.py has the default table.
    "OFM_OFFICE_BY_STATE": "",
    # A filing's idempotency claim with no incident this long after it was made belongs to a submission that died
    # (gunicorn.conf.py stops a worker after 30 s): a retry may then take the key over (app.incidents.service).
    "INCIDENT_CLAIM_STALE_SECONDS": 45,
    # API bearer tokens: how long a new one lives unless --days says otherwise, and the longest allowed.
    "API_TOKEN_DAYS_DEFAULT": 90,
    "API_TOKEN_DAYS_MAX": 365,
    # The audit trail's seals (app/audit/seals.py): how often each process seals after a response (0: only
    # `flask audit seal`), the signing keys' folder, the outside copy of every seal (a file; syslog too if set),
    # and where archived events go. Empty paths mean the instance folder.
    "AUDIT_SEAL_INTERVAL_SECONDS": 5,
    "AUDIT_SEAL_KEY_DIR": "",
    "AUDIT_SEAL_STORE": "",
    "AUDIT_SEAL_SYSLOG": "",
    "AUDIT_ARCHIVE_DIR": "",
    # CJIS: audit records are kept at least a year; `flask audit archive` refuses anything younger.
    "AUDIT_RETENTION_DAYS": 365,
    # Keys that seal TOTP secrets at rest, "v2:<base64 32 bytes>,v1:<...>", newest first (app/totp_keys.py).
    # Empty outside production: a key file made in the instance folder on first use. Production refuses to start.
    "TOTP_KEYS": "",
}

# Environment variables read on top of the defaults, with the config key each one sets.
ENVIRONMENT = {
    "ENVOY_ENV": "ENVOY_ENV",
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "BASE_URL": "BASE_URL",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "LOOKUP_RATE_PER_USER": "LOOKUP_RATE_PER_USER",
    "LOOKUP_RATE_PER_IP": "LOOKUP_RATE_PER_IP",
    "PHOTO_RATE_PER_USER": "PHOTO_RATE_PER_USER",
    "PHOTO_RATE_PER_IP": "PHOTO_RATE_PER_IP",
    "SIGNIN_RATE_PER_IP": "SIGNIN_RATE_PER_IP",
    "SIGNIN_RATE_PER_EMAIL": "SIGNIN_RATE_PER_EMAIL",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "MFA_REQUIRED_ROLES": "MFA_REQUIRED_ROLES",
    "ENVOY_INSECURE_COOKIES": "INSECURE_COOKIES",
    "ENVOY_SERVES_TLS": "SERVES_TLS",
    "OFM_OFFICE_BY_STATE": "OFM_OFFICE_BY_STATE",
    "INCIDENT_CLAIM_STALE_SECONDS": "INCIDENT_CLAIM_STALE_SECONDS",
    "API_TOKEN_DAYS_DEFAULT": "API_TOKEN_DAYS_DEFAULT",
    "API_TOKEN_DAYS_MAX": "API_TOKEN_DAYS_MAX",
    "AUDIT_SEAL_INTERVAL_SECONDS": "AUDIT_SEAL_INTERVAL_SECONDS",
    "AUDIT_SEAL_KEY_DIR": "AUDIT_SEAL_KEY_DIR",
    "AUDIT_SEAL_STORE": "AUDIT_SEAL_STORE",
    "AUDIT_SEAL_SYSLOG": "AUDIT_SEAL_SYSLOG",
    "AUDIT_ARCHIVE_DIR": "AUDIT_ARCHIVE_DIR",
    "AUDIT_RETENTION_DAYS": "AUDIT_RETENTION_DAYS",
    "TOTP_KEYS": "TOTP_KEYS",
}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def load(overrides: Mapping[str, Any] | None, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Merge defaults, environment and overrides, in that order."""
    config = dict(DEFAULTS)
    for variable, key in ENVIRONMENT.items():
        if variable in environ:
            config[key] = environ[variable]
    if isinstance(config["MFA_REQUIRED_ROLES"], str):
        config["MFA_REQUIRED_ROLES"] = tuple(r.strip() for r in config["MFA_REQUIRED_ROLES"].split(",") if r.strip())
    if isinstance(config["INSECURE_COOKIES"], str):
        config["INSECURE_COOKIES"] = _flag("ENVOY_INSECURE_COOKIES", config["INSECURE_COOKIES"])
    if isinstance(config["SERVES_TLS"], str):
        config["SERVES_TLS"] = _flag("ENVOY_SERVES_TLS", config["SERVES_TLS"])
    config.update(overrides or {})
    config["INCIDENT_CLAIM_STALE_SECONDS"] = float(config["INCIDENT_CLAIM_STALE_SECONDS"])
    if isinstance(config["OFM_OFFICE_BY_STATE"], str):
        try:
            config["OFM_OFFICE_BY_STATE"] = offices.parse_overrides(config["OFM_OFFICE_BY_STATE"])
        except offices.OfficeTableError as error:
            raise ConfigError(str(error)) from None
    for key in ("API_TOKEN_DAYS_DEFAULT", "API_TOKEN_DAYS_MAX", "AUDIT_RETENTION_DAYS"):
        config[key] = _days(key, config[key])
    if config["AUDIT_RETENTION_DAYS"] < 365:
        raise ConfigError("AUDIT_RETENTION_DAYS must be at least 365: CJIS keeps audit records a year")
    try:
        config["AUDIT_SEAL_INTERVAL_SECONDS"] = float(config["AUDIT_SEAL_INTERVAL_SECONDS"])
    except ValueError:
        raise ConfigError("AUDIT_SEAL_INTERVAL_SECONDS must be a number of seconds (0: seal by timer only)") from None
    if config["API_TOKEN_DAYS_DEFAULT"] > config["API_TOKEN_DAYS_MAX"]:
        raise ConfigError("API_TOKEN_DAYS_DEFAULT cannot be longer than API_TOKEN_DAYS_MAX")
    if config["TOTP_KEYS"]:
        try:
            totp_keys.parse(config["TOTP_KEYS"])
        except totp_keys.KeyRingError as error:
            raise ConfigError(f"TOTP_KEYS: {error}") from None
    if config["INSECURE_COOKIES"]:
        # Browsers drop a Secure cookie set over http anywhere but localhost; only the cookie's attributes change.
        config["SESSION_COOKIE_NAME"] = INSECURE_COOKIE_NAME
        config["SESSION_COOKIE_SECURE"] = False
    url = config["SQLALCHEMY_DATABASE_URI"]
    if isinstance(url, str) and url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return config


def _days(variable: str, value: object) -> int:
    try:
        days = int(str(value))
    except ValueError:
        raise ConfigError(f"{variable} must be a whole number of days, not {value!r}") from None
    if days < 1:
        raise ConfigError(f"{variable} must be at least 1 day")
    return days


def _flag(variable: str, value: str) -> bool:
    try:
        return FLAG_VALUES[value.strip().lower()]
    except KeyError:
        raise ConfigError(f"{variable} must be 1 or 0, not {value!r}") from None


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse to run in production with development secrets, an insecure cookie or a development BASE_URL."""
    if config["ENVOY_ENV"] != "production":
        return
    key = config["SECRET_KEY"] or ""
    if key == DEV_SECRET_KEY or len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        raise ConfigError(
            f"production needs SECRET_KEY set to a random value of at least {SECRET_KEY_MIN_LENGTH} characters "
            "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if config["INSECURE_COOKIES"]:
        raise ConfigError("ENVOY_INSECURE_COOKIES is for development only; production needs the __Host- cookie")
    if config.get("DEBUG"):
        # Flask reads FLASK_DEBUG into DEBUG: debug mode shows tracebacks, and `flask run` its interactive debugger.
        raise ConfigError("FLASK_DEBUG is for development only; production runs with debug off")
    if not config["SESSION_COOKIE_SECURE"] or not config["SESSION_COOKIE_NAME"].startswith("__Host-"):
        raise ConfigError("production needs SESSION_COOKIE_SECURE and a __Host- session cookie")
    # Card QR codes carry BASE_URL for years: never the development default, never plain http.
    base_url = urlsplit(config["BASE_URL"] or "")
    if base_url.scheme != "https" or not base_url.hostname:
        raise ConfigError("production needs BASE_URL set to Envoy's public https address (https://envoy.example.gov)")
    relaxed = sorted(role.value for role in Role if role.value not in set(config["MFA_REQUIRED_ROLES"]))
    if relaxed:
        raise ConfigError(
            f"production needs a second factor for every role (CJIS IA-2): MFA_REQUIRED_ROLES leaves out "
            f"{', '.join(relaxed)}. Unset it (the default is every role) or list officer,dispatcher,reviewer,admin"
        )
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigError("production needs RATELIMIT_STORAGE_URI shared by every process (redis://...)")
    if not config["TOTP_KEYS"]:
        # A key file next to the database would be copied with it; production keeps the key elsewhere.
        raise ConfigError(
            "production needs TOTP_KEYS, the keys that seal TOTP secrets: id:base64 of 32 random bytes, newest "
            "first (python -c 'from app.totp_keys import new_key_text; print(new_key_text())')"
        )
    check_tls_is_seen(config)


def check_tls_is_seen(config: Mapping[str, Any]) -> None:
    """Production must know how https reaches it, or every request looks like plain http.

    Flask-WTF checks a form's Referer only on https requests (request.is_secure); behind a TLS proxy that
    is true only when TRUSTED_PROXIES lets the proxy's X-Forwarded-Proto through. The app cannot tell a
    forgotten setting from a missing proxy, so the operator says which one it is.
    """
    if _hops(config["TRUSTED_PROXIES"]) == 0 and not config["SERVES_TLS"]:
        raise ConfigError(
            "production needs to know how https reaches Envoy: set TRUSTED_PROXIES to the number of proxies in "
            "front of it (1 behind one TLS proxy), or ENVOY_SERVES_TLS=1 when gunicorn itself serves https "
            "(--certfile). Otherwise every request looks like plain http and the CSRF Referer check is skipped"
        )


def _hops(value: object) -> int:
    try:
        hops = int(str(value))
    except ValueError:
        raise ConfigError(f"TRUSTED_PROXIES must be a number of proxies (0, 1, 2...), not {value!r}") from None
    if hops < 0:
        raise ConfigError(f"TRUSTED_PROXIES must be a number of proxies (0, 1, 2...), not {value!r}")
    return hops
