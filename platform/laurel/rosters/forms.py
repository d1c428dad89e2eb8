"""Forms for learners and groups."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LearnerForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    external_id = StringField("Student id", validators=[Optional(), Length(max=64)])
    password = PasswordField("Password", validators=[Optional()])
    groups = CheckboxListField("Groups", coerce=int)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[Optional()])


class GroupForm(FlaskForm):
    name = StringField("Group name", validators=[DataRequired(), Length(max=100)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""
