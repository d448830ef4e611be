"""User administration: list, create, disable, unlock, forget devices, set a temporary password, reset the second
factor, end sessions (admin)."""

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.audit.actor import current_actor
from app.auth import accounts, devices
from app.auth.access import recent_sign_in_required
from app.auth.roles import mfa_required
from app.auth.sessions import ROW_TOKEN_PATTERN, current_session, list_user_sessions, short_user_agent
from app.models.accounts import User
from app.permissions import roles_required
from app.users.forms import UserForm

bp = Blueprint("users", __name__, url_prefix="/admin")
DISABLE_CONSEQUENCE = (
    "They are signed out everywhere at once and cannot sign in until an admin enables the account again."
)
END_SESSION_CONSEQUENCE = "That device is sent to sign-in at its next request. Their other sessions go on."
END_ALL_CONSEQUENCE = "Every device they use is sent to sign-in at its next request. They can sign in again."
FORGET_DEVICES_CONSEQUENCE = (
    "Every browser they signed in on becomes a new device: its failed attempts count with strangers', and while "
    "the account is locked for new devices they cannot sign in anywhere until it is unlocked."
)
TEMPORARY_CONSEQUENCE = (
    "Their current password stops working and every device they use is sent to sign-in. They sign in with the "
    "temporary one and their second factor, then must choose their own password. A locked account stays locked."
)


@bp.get("/users")
@roles_required("admin")
def index() -> ResponseReturnValue:
    return render_template(
        "users/index.html",
        users=accounts.list_users(),
        disable_question=_disable_question,
        DISABLE_CONSEQUENCE=DISABLE_CONSEQUENCE,
    )


@bp.get("/users/<int:user_id>")
@roles_required("admin")
def show(user_id: int) -> ResponseReturnValue:
    """One user and the sessions they are signed in with, each of which the admin can end (ASVS 7.4.5)."""
    user = accounts.get_user(user_id)
    return render_template(
        "users/show.html",
        user=user,
        sessions=list_user_sessions(user.id),
        known_devices=devices.list_for(user.id),
        failure_count=devices.failure_count,
        short_user_agent=short_user_agent,
        END_SESSION_CONSEQUENCE=END_SESSION_CONSEQUENCE,
        END_ALL_CONSEQUENCE=END_ALL_CONSEQUENCE,
        FORGET_DEVICES_CONSEQUENCE=FORGET_DEVICES_CONSEQUENCE,
        TEMPORARY_CONSEQUENCE=TEMPORARY_CONSEQUENCE,
        temporary_password_question=_temporary_password_question,
    )


@bp.post("/users/<int:user_id>/sessions/<token>/end")
@roles_required("admin")
@recent_sign_in_required
def end_session(user_id: int, token: str) -> ResponseReturnValue:
    if not ROW_TOKEN_PATTERN.fullmatch(token):
        abort(404)
    if request.form.get("confirmed") != "yes":
        user = accounts.get_user(user_id)
        return _confirm(
            f"End this session of {user.email}?",
            END_SESSION_CONSEQUENCE,
            url_for("users.end_session", user_id=user.id, token=token),
            "End session",
            user,
        )
    return _act(
        lambda: accounts.end_session(user_id, token, actor=current_actor()),
        "Ended a session of {email}.",
        back=url_for("users.show", user_id=user_id),
    )


@bp.post("/users/<int:user_id>/sessions/end")
@roles_required("admin")
@recent_sign_in_required
def end_all_sessions(user_id: int) -> ResponseReturnValue:
    user = accounts.get_user(user_id)
    if request.form.get("confirmed") != "yes":
        return _confirm(
            f"End all sessions of {user.email}?",
            END_ALL_CONSEQUENCE,
            url_for("users.end_all_sessions", user_id=user.id),
            "End all sessions",
            user,
        )
    # An admin ending their own sessions keeps the one they are using: the others are what they mean to end.
    keep = current_session().session_id if user.id == current_actor().user_id else None
    ended = accounts.end_all_sessions(user.id, actor=current_actor(), keep=keep)
    flash(f"Ended {ended} session{'' if ended == 1 else 's'} of {user.email}.", "success")
    return redirect(url_for("users.show", user_id=user.id), 303)


@bp.get("/users/new")
@roles_required("admin")
def new_user() -> ResponseReturnValue:
    return _form_page(UserForm())


@bp.post("/users")
@roles_required("admin")
@recent_sign_in_required
def create_user() -> ResponseReturnValue:
    form = UserForm()
    try:
        user = accounts.create_user(
            form.email.data or "",
            form.role.data or "",
            form.agency.data or "",
            form.password.data or "",
            temporary_password=True,  # the administrator knows it: the user chooses their own at first sign-in
            office=form.office.data or None,
            actor=current_actor(),
        )
    except accounts.InvalidAccount as error:
        for name, problems in error.by_field.items():
            form[name].errors = problems
        return _form_page(form), 400
    if mfa_required(user.role, current_app.config["MFA_REQUIRED_ROLES"]):
        flash(
            f"Created {user.email}. At their first sign-in they choose their own password and set up an "
            "second factor (a passkey or an authenticator app).",
            "success",
        )
    else:
        flash(f"Created {user.email}. At their first sign-in they choose their own password.", "success")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/disable")
@roles_required("admin")
@recent_sign_in_required
def disable_user(user_id: int) -> ResponseReturnValue:
    if request.form.get("confirmed") != "yes":
        return _confirm_disable(user_id)
    return _act(
        lambda: accounts.disable_user(user_id, actor=current_actor()), "Disabled {email}; signed out everywhere."
    )


@bp.post("/users/<int:user_id>/enable")
@roles_required("admin")
@recent_sign_in_required
def enable_user(user_id: int) -> ResponseReturnValue:
    return _act(
        lambda: accounts.enable_user(user_id, actor=current_actor()), "Enabled {email}: they can sign in again."
    )


@bp.post("/users/<int:user_id>/unlock")
@roles_required("admin")
@recent_sign_in_required
def unlock_user(user_id: int) -> ResponseReturnValue:
    # From the user's own page, back to it; any other `back` is ignored (never a redirect target the form chose).
    user_page = url_for("users.show", user_id=user_id)
    back = user_page if request.form.get("back") == user_page else None
    return _act(lambda: accounts.unlock_user(user_id, actor=current_actor()), "Unlocked {email}.", back=back)


@bp.post("/users/<int:user_id>/devices/forget")
@roles_required("admin")
@recent_sign_in_required
def forget_devices(user_id: int) -> ResponseReturnValue:
    if request.form.get("confirmed") != "yes":
        user = accounts.get_user(user_id)
        return _confirm(
            f"Forget every device of {user.email}?",
            FORGET_DEVICES_CONSEQUENCE,
            url_for("users.forget_devices", user_id=user.id),
            "Forget devices",
            user,
        )
    return _act(
        lambda: accounts.forget_devices(user_id, actor=current_actor()),
        "Forgot every device of {email}.",
        back=url_for("users.show", user_id=user_id),
    )


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
@recent_sign_in_required
def set_temporary_password(user_id: int) -> ResponseReturnValue:
    """For a user who forgot their password: the one the admin typed, or one Envoy makes, shown on this answer only
    (never in a redirect or a flash message, which live in the session), for the admin to tell them by phone."""
    typed = request.form.get("password", "")
    back = url_for("users.show", user_id=user_id)
    if request.form.get("confirmed") != "yes":
        user = accounts.get_user(user_id)
        return _confirm(
            _temporary_password_question(user),
            TEMPORARY_CONSEQUENCE,
            url_for("users.set_temporary_password", user_id=user.id),
            "Set temporary password",
            user,
            hidden={"password": typed} if typed else {},
        )
    try:
        user, password = accounts.set_temporary_password(user_id, typed, actor=current_actor())
    except accounts.NoSuchUser:
        raise  # not a problem to flash: the error mapper answers 404
    except accounts.AccountError as error:
        flash("No temporary password was set. " + " ".join(error.problems), "error")
        return redirect(back, 303)
    return render_template("users/temporary_password.html", user=user, password=password, generated=not typed)


@bp.post("/users/<int:user_id>/mfa-reset")
@roles_required("admin")
@recent_sign_in_required
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    return _act(
        lambda: accounts.reset_second_factor(user_id, actor=current_actor()),
        "Reset the second factor of {email} (passkeys and authenticator app) and signed them out everywhere: "
        "they set up a new one at their next sign-in.",
    )


def _act(action: Callable[[], User], message: str, back: str | None = None) -> ResponseReturnValue:
    back = back or url_for("users.index")
    try:
        user = action()
    except accounts.NoSuchUser:
        raise  # not a problem to flash: the error mapper answers 404
    except accounts.AccountError as error:
        flash(" ".join(error.problems), "error")
        return redirect(back, 303)
    flash(message.format(email=user.email), "success")
    return redirect(back, 303)


def _temporary_password_question(user: User) -> str:
    return f"Set a temporary password for {user.email}?"


def _disable_question(user: User) -> str:
    return f"Disable the account of {user.email}?"


def _confirm_disable(user_id: int) -> ResponseReturnValue:
    """The question the Disable dialog asks, as a page, when the browser ran no dialog (no JavaScript)."""
    user = accounts.get_user(user_id)
    return render_template(
        "users/confirm_disable.html",
        user=user,
        question=_disable_question(user),
        DISABLE_CONSEQUENCE=DISABLE_CONSEQUENCE,
    )


def _confirm(
    question: str,
    consequence: str,
    action_url: str,
    label: str,
    user: User,
    hidden: dict[str, str] | None = None,
) -> ResponseReturnValue:
    """The question a dialog on the user's page asks, as a page, when the browser ran no dialog (no JavaScript);
    `hidden` carries what the first post held."""
    return render_template(
        "users/confirm.html",
        question=question,
        consequence=consequence,
        action_url=action_url,
        label=label,
        back=url_for("users.show", user_id=user.id),
        hidden=hidden or {},
    )


def _form_page(form: UserForm) -> str:
    return render_template("users/new.html", form=form, agencies=accounts.agency_names())
