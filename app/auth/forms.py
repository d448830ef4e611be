"""Sign-in forms; FlaskForm carries the CSRF token on every one."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(message="Enter your email address."), Length(max=254)])
    # No maximum here: an over-long password is simply wrong, and saying so would be a hint.
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    acknowledge = BooleanField(
        "I have read the notice above and agree to its terms.",
        validators=[DataRequired(message="Tick the box to confirm you have read the notice.")],
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code from your authenticator app",
        validators=[DataRequired(message="Enter the 6-digit code."), Length(max=12)],
    )


class ConfirmForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password.")])
    code = StringField("6-digit code from your authenticator app", validators=[Length(max=12)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    # No length validators: the rules (passwords.problems) give the reasons, in words the user can act on.
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password.")]
    )
    new_password = PasswordField("New password", validators=[DataRequired(message="Enter a new password.")])
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired(message="Enter the new password again."),
            EqualTo("new_password", "The two new passwords differ."),
        ],
    )
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something (sign out, disable...): only the CSRF token, plus where to come back to."""

    back = HiddenField()
