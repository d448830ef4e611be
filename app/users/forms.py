"""Forms for the admin pages."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import PasswordInput

from app.auth.roles import Role
from app.offices import OFFICE_NAMES


class UserForm(FlaskForm):
    """The new-user form. No validators: accounts.create_user checks every field at once and says what is wrong
    with each, so the admin sees every problem in one round (and the CLI gets the same rules)."""

    email = StringField("Email")
    role = SelectField(
        "Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role], validate_choice=False
    )
    agency = StringField("Agency")
    office = SelectField(
        "Home office",
        choices=[SelectChoice("", "None (opens on all offices)")]
        + [SelectChoice(office.value, name) for office, name in OFFICE_NAMES.items()],
        validate_choice=False,
        description="Reviewers only: their review queue opens on this office; headquarters sees all.",
    )
    password = PasswordField(
        "Initial password",
        # Kept when the form comes back with a problem: it is a temporary password the admin has just typed, the
        # page is never stored (no-store) and goes over TLS only, and retyping it blind is how typos get in.
        widget=PasswordInput(hide_value=False),
        description=(
            "At least 15 characters; hand it over in person or by phone, never by email. "
            "The user replaces it with their own at first sign-in. "
            "If the form comes back with a problem, the password you typed stays in this field."
        ),
    )
