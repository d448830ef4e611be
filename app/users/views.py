"""User administration: list, create, disable, unlock, reset the second factor (admin role only)."""

from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.audit.actor import current_actor
from app.auth import accounts
from app.auth.access import recent_sign_in_required
from app.auth.roles import mfa_required
from app.models.accounts import User
from app.permissions import roles_required
from app.users.forms import UserForm

bp = Blueprint("users", __name__, url_prefix="/admin")
DISABLE_CONSEQUENCE = (
    "They are signed out everywhere at once and cannot sign in until an admin enables the account again."
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
            "authenticator app.",
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
    return _act(lambda: accounts.unlock_user(user_id, actor=current_actor()), "Unlocked {email}.")


@bp.post("/users/<int:user_id>/mfa-reset")
@roles_required("admin")
@recent_sign_in_required
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    return _act(
        lambda: accounts.reset_second_factor(user_id, actor=current_actor()),
        "Reset the second factor of {email}: they set up a new authenticator app at their next sign-in.",
    )


def _act(action: Callable[[], User], message: str) -> ResponseReturnValue:
    try:
        user = action()
    except accounts.NoSuchUser:
        raise  # not a problem to flash: the error mapper answers 404
    except accounts.AccountError as error:
        flash(" ".join(error.problems), "error")
        return redirect(url_for("users.index"), 303)
    flash(message.format(email=user.email), "success")
    return redirect(url_for("users.index"), 303)


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


def _form_page(form: UserForm) -> str:
    return render_template("users/new.html", form=form, agencies=accounts.agency_names())
