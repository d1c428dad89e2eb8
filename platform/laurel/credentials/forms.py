"""The org admin's revoke form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from laurel.credentials.services import REASON_MAX


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("The reason is missing."), Length(max=REASON_MAX)],
    )
