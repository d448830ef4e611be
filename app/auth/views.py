"""Sign-in pages: password and logon banner, TOTP code or enrolment, re-authentication, password change, sign-out.

The passkey steps (WebAuthn) join this blueprint from passkey_views.py.
"""

from datetime import datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from app.auth import access, devices, passwords, services, throttle, totp
from app.auth.access import AUTHENTICATED_AT
from app.auth.forms import CodeForm, ConfirmForm, LoginForm, PasswordForm
from app.auth.redirects import safe_next
from app.auth.roles import SIGNED_IN
from app.auth.services import PasswordChange, Step
from app.auth.sessions import current_session
from app.extensions import db
from app.models.accounts import User
from app.models.base import utcnow
from app.permissions import public, roles_required

bp = Blueprint("auth", __name__)

# The password step is good for this long; then the user starts again (enrolment includes installing an app).
PENDING_LIFETIME = timedelta(minutes=10)
REFUSED = (
    "The email address or password is wrong, or the account is locked or disabled. After 5 failed attempts, "
    "or 90 days without signing in, an administrator must release the account."
)
BAD_CODE = "That code is wrong or has already been used. Wait for the next code and try again."
LOCKED = "Too many failed attempts: the account is locked. Ask your administrator to unlock it."


@bp.get("/login")
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or start_page(current_user.role))
    form = LoginForm(next=safe_next(request.args.get("next")) or "")
    return render_template("auth/login.html", form=form, signed_out=bool(request.args.get("signed_out")))


@bp.post("/login")
@public
@throttle.guard_signin
def login_post() -> ResponseReturnValue:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400
    result = services.check_password(
        form.email.data or "",
        form.password.data or "",
        mfa_roles=tuple(current_app.config["MFA_REQUIRED_ROLES"]),
        device_cookie=devices.presented(),
    )
    if result.step is Step.REFUSED or result.user_id is None:
        return render_template("auth/login.html", form=form, error=REFUSED), 401
    next_path = safe_next(form.next.data)
    if result.step is Step.SIGNED_IN:
        return _finish_sign_in(result.user_id, next_path)
    server_session = current_session()
    # Password proven: a new session id for the half-signed-in state, which opens nothing but the next step.
    server_session.regenerate()
    server_session["_pending_user_id"] = result.user_id
    server_session["_pending_at"] = utcnow().isoformat()
    server_session["_pending_next"] = next_path
    if result.step is Step.ENROL:
        return redirect(url_for("auth.enrol"))
    return redirect(_second_factor_page(_load(result.user_id)))


@bp.get("/login/code")
@public
def second_factor() -> ResponseReturnValue:
    user = _pending_user()
    if user is not None and user.totp_secret is None and user.has_passkey:
        return redirect(url_for("auth.passkey"))
    if user is None or user.totp_secret is None:
        return _restart()
    return render_template("auth/code.html", form=CodeForm(), has_passkey=user.has_passkey)


@bp.post("/login/code")
@public
@throttle.guard_signin
def second_factor_post() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return _restart()
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/code.html", form=form, has_passkey=user.has_passkey), 400
    result = services.check_second_factor(user.id, form.code.data or "", device_cookie=devices.presented())
    return _after_code(result, "auth/code.html", form, has_passkey=user.has_passkey)


@bp.get("/login/enrol")
@public
def enrol() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.has_second_factor:
        return _restart()
    return _enrol_page(user, CodeForm())


@bp.post("/login/enrol")
@public
def enrol_post() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.has_second_factor:
        return _restart()
    form = CodeForm()
    if not form.validate_on_submit():
        return _enrol_page(user, form), 400
    secret = current_session().get("_enrol_secret")
    if not isinstance(secret, str):
        return _restart()
    result = services.check_second_factor(
        user.id, form.code.data or "", enrol_secret=secret, device_cookie=devices.presented()
    )
    if result.step is Step.REFUSED:
        return _enrol_page(user, form, error=BAD_CODE), 401
    return _after_code(result, "auth/enrol.html", form)


@bp.get("/login/confirm")
@roles_required(*SIGNED_IN)
def confirm() -> ResponseReturnValue:
    form = ConfirmForm(next=safe_next(request.args.get("next")) or "")
    return _confirm_page(form)


@bp.post("/login/confirm")
@roles_required(*SIGNED_IN)
def confirm_post() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _confirm_page(form), 400
    result = services.check_reauthentication(
        current_user.id, form.password.data or "", form.code.data, device_cookie=devices.presented()
    )
    if result.step is not Step.SIGNED_IN:
        error = LOCKED if result.step is Step.LOCKED else "The password or code is wrong."
        return _confirm_page(form, error), 401
    _renew_session(current_user.id)  # ASVS 7.2.4: re-authentication gets a new session id too
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.get("/account/password")
@roles_required(*SIGNED_IN)
def change_password() -> ResponseReturnValue:
    form = PasswordForm(next=safe_next(request.args.get("next")) or "")
    return _password_page(form)


@bp.post("/account/password")
@roles_required(*SIGNED_IN)
def change_password_post() -> ResponseReturnValue:
    form = PasswordForm()
    if not form.validate_on_submit():
        return _password_page(form), 400
    result = services.change_password(
        current_user.id,
        form.current_password.data or "",
        form.new_password.data or "",
        keep_session_id=current_session().session_id,
        device_cookie=devices.presented(),
    )
    if result.outcome is PasswordChange.LOCKED:
        _end_session()
        return render_template("auth/login.html", form=LoginForm(), error=LOCKED), 401
    if result.outcome is PasswordChange.WRONG_PASSWORD:
        return _password_page(form, errors=["The current password is wrong."]), 401
    if result.outcome is PasswordChange.REJECTED:
        return _password_page(form, errors=list(result.problems)), 422
    _renew_session(current_user.id)  # a new credential gets a new session id; every other session already ended
    flash("Password changed. Your other sessions have been signed out.", "success")
    return redirect(safe_next(form.next.data) or url_for("home.index"), code=303)


def _confirm_page(form: ConfirmForm, error: str | None = None) -> str:
    """A passkey user confirms with it (one touch); the password and code form is for TOTP users, and for users
    with no second factor where the configuration allows that."""
    user = _load(current_user.id)
    return render_template(
        "auth/confirm.html",
        form=form,
        needs_code=user.has_totp,
        has_passkey=user.has_passkey,
        password_form=user.has_totp or not user.has_passkey,
        error=error,
    )


def _password_page(form: PasswordForm, errors: list[str] | None = None) -> str:
    return render_template(
        "auth/password.html",
        form=form,
        errors=errors or [],
        due=access.password_change_due(current_user),
        must_change=current_user.must_change_password,
        min_length=passwords.MIN_LENGTH,
    )


@bp.post("/logout")
@public
def logout() -> ResponseReturnValue:
    _end_session()
    response = redirect(url_for("auth.login", signed_out=1))
    # Drop cached pages and site storage (the Back button shows nothing). Not "cookies": that would clear
    # every cookie of the registrable domain; the session cookie is deleted on its own.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _after_code(
    result: services.Result, template: str, form: CodeForm, *, has_passkey: bool = False
) -> ResponseReturnValue:
    if result.step is Step.SIGNED_IN and result.user_id is not None:
        next_path = current_session().get("_pending_next")
        return _finish_sign_in(result.user_id, safe_next(next_path if isinstance(next_path, str) else None))
    if result.step is Step.LOCKED:
        current_session().end()
        return render_template("auth/login.html", form=LoginForm(), error=LOCKED), 401
    return render_template(template, form=form, error=BAD_CODE, has_passkey=has_passkey), 401


def _finish_sign_in(user_id: int, next_path: str | None) -> ResponseReturnValue:
    # ASVS 7.2.4 / session fixation: the signed-in session never reuses an id seen before sign-in.
    _renew_session(user_id)
    response = redirect(next_path or start_page(current_user.role))
    # This browser is now a known device of the user: its failures no longer count with strangers' (devices.py).
    cookie = devices.remember(user_id, devices.presented(), user_agent=request.user_agent.string)
    devices.set_cookie(response, cookie)
    return response


def _end_session() -> None:
    """Sign out here: the session row goes (with its audit event), then the login and the cookie."""
    server_session = current_session()
    user = current_user._get_current_object() if current_user.is_authenticated else None  # type: ignore[attr-defined]
    services.sign_out(user, server_session.session_id)
    logout_user()
    server_session.end()


def _renew_session(user_id: int) -> None:
    """The user has just proved who they are (sign-in, re-authentication, new password): a new session id."""
    server_session = current_session()
    server_session.regenerate()
    login_user(_load(user_id))
    server_session[AUTHENTICATED_AT] = utcnow().isoformat()


def start_page(role: str) -> str:
    """Where a sign-in without a `next` lands: the page the role works on."""
    return {"officer": url_for("lookup.officer"), "dispatcher": url_for("lookup.dispatch")}.get(
        str(role), url_for("home.index")
    )


def _second_factor_page(user: User) -> str:
    """Where the second step starts: the passkey (one touch) when the user has one, else the code."""
    return url_for("auth.passkey") if user.has_passkey else url_for("auth.second_factor")


def _load(user_id: int) -> User:
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _pending_user() -> User | None:
    """The user whose password was accepted in this session, while the next step is still open."""
    server_session = current_session()
    user_id = server_session.get("_pending_user_id")
    started = server_session.get("_pending_at")
    if not isinstance(user_id, int) or not isinstance(started, str):
        return None
    if utcnow() - datetime.fromisoformat(started) > PENDING_LIFETIME:
        return None
    return services.pending_user(user_id)


def _restart() -> ResponseReturnValue:
    server_session = current_session()
    if server_session.get("_pending_user_id") is not None:
        server_session.end()
        flash("Sign-in took too long or was interrupted. Please sign in again.", "info")
    return redirect(url_for("auth.login"))


def _enrol_page(user: User, form: CodeForm, error: str | None = None) -> str:
    server_session = current_session()
    secret = server_session.get("_enrol_secret")
    if not isinstance(secret, str):
        secret = totp.new_secret()
        server_session["_enrol_secret"] = secret
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "auth/enrol.html",
        form=form,
        qr=totp.qr_svg(uri),
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        error=error,
    )
