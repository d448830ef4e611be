"""Helpers for the sign-in and session tests: read users, sessions and audit events back."""

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.models import AuditEvent, User, UserSession

# A fixed TOTP key ring for the tests that build production configurations (production needs TOTP_KEYS).
TEST_TOTP_KEYS = "t1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def reload_user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id, options=[undefer(User.totp_secret)])  # deferred in the app
        assert user is not None
        db.session.expunge(user)
        return user


def session_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession)) or 0


def audit_events(app: Flask, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        events = list(db.session.scalars(query))
        for event in events:
            db.session.expunge(event)
        return events


def cookie_name(client: FlaskClient) -> str:
    return str(client.application.config["SESSION_COOKIE_NAME"])


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(cookie_name(client))
    return cookie.value if cookie is not None else None


def set_session_cookie(client: FlaskClient, value: str) -> None:
    client.set_cookie(cookie_name(client), value)


def login_form(email: str, password: str, **extra: str) -> dict[str, str]:
    return {"email": email, "password": password, "acknowledge": "y", **extra}
