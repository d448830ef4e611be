"""Wire sign-in into the app: server-side sessions, the Flask-Login user loader, re-authentication window."""

from typing import Any

from flask import Flask
from sqlalchemy.orm import joinedload

from app.auth.sessions import ServerSessionInterface
from app.extensions import db, login_manager
from app.models.accounts import User

REAUTH_MINUTES = 15


def load_user(user_id: str) -> User | None:
    """The signed-in user of this session, unless disabled since (they are signed out on this request)."""
    try:
        # The agency too: the audit trail names it on every audited request, so the same statement loads it.
        user = db.session.get(User, int(user_id), options=[joinedload(User.agency)])
    except (TypeError, ValueError):
        return None
    if user is None or user.is_disabled:
        return None
    return user


def _no_remember_cookie(cookie: Any) -> None:
    """Envoy never issues remember-me cookies; one presented (forged with SECRET_KEY) must not skip MFA."""
    return None


def register(app: Flask) -> None:
    app.session_interface = ServerSessionInterface()
    app.config.setdefault("REAUTH_MINUTES", REAUTH_MINUTES)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"  # type: ignore[assignment]
    # IP and user agent change all the time on a patrol phone's LTE link; server-side sessions with
    # short timeouts are the protection here, and "basic" mode would rewrite the session every request.
    login_manager.session_protection = None  # type: ignore[assignment]
    # Flask-Login 0.6.3 has no public switch for reading remember-me cookies: the REMEMBER_COOKIE_* settings
    # only shape the cookie it issues, it reads one whenever present, and `user_loaded_from_cookie` fires
    # after the user is already signed in. So the one reader is replaced; tests/test_auth.py checks it.
    login_manager._load_user_from_remember_cookie = _no_remember_cookie  # type: ignore[method-assign]
