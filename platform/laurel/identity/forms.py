"""Forms for logging in and managing one's own password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    next = StringField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired(),
            EqualTo("new_password", "The two new passwords differ."),
        ],
    )


class OrganisationForm(FlaskForm):
    slug = StringField("Short name for URLs", validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired()])


class StaffForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired()])
    last_name = StringField("Last name", validators=[DataRequired()])
    email = EmailField("Email", validators=[DataRequired()])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("instructor", "Instructor"),
            SelectChoice("org_admin", "Org admin"),
        ],
        default="instructor",
    )
    password = PasswordField("Password")
