"""Forms of the API tokens page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from laurel.api.models import TOKEN_ROLES


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])
    role = SelectField(
        "Acts as",
        choices=[SelectChoice(role.value, role.label) for role in TOKEN_ROLES],
        default=TOKEN_ROLES[0].value,
    )
