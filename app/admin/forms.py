"""Forms for the admin pages."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.auth.roles import Role


class UserForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(message="Enter the email address."), Length(max=254)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    agency = StringField(
        "Agency", validators=[DataRequired(message="Enter the agency's name."), Length(max=200)]
    )
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(message="Enter an initial password.")],
        description=(
            "At least 15 characters; hand it over in person or by phone, never by email. "
            "The user replaces it with their own at first sign-in."
        ),
    )
