"""Forms for recording purchases and corrections and for the low-balance setting.

The ledger forms carry a hidden idempotency key made when the form is shown,
so a double click or a resubmitted page records the entry once.
"""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from laurel_credits.services import KEY_MAX_LENGTH, NOTE_MAX_LENGTH


def new_key() -> str:
    return f"web:{uuid.uuid4()}"


class LedgerForm(FlaskForm):
    idempotency_key = HiddenField(
        default=new_key, validators=[DataRequired(), Length(max=KEY_MAX_LENGTH)]
    )
    note = StringField("Note", validators=[DataRequired(), Length(max=NOTE_MAX_LENGTH)])


class PurchaseForm(LedgerForm):
    amount = IntegerField(
        "Credits bought",
        validators=[
            InputRequired(),
            NumberRange(min=1, message="Enter a whole number of 1 or more."),
        ],
    )


class CorrectionForm(LedgerForm):
    # Ids of their own, because the admin page shows this form beside the
    # purchase form, and each label must point to its own form's field.
    amount = IntegerField(
        "Credits to add (negative to take away)",
        validators=[InputRequired()],
        id="correction-amount",
    )
    note = StringField(
        "Note",
        validators=[DataRequired(), Length(max=NOTE_MAX_LENGTH)],
        id="correction-note",
    )

    def validate_amount(self, field: IntegerField) -> None:
        if field.data == 0:
            raise ValidationError("Enter a number other than 0.")


class ReverseForm(LedgerForm):
    """Reversal of one purchase or correction, with a note giving the reason."""


class ThresholdForm(FlaskForm):
    threshold = IntegerField(
        "Highlight the balance below",
        validators=[
            Optional(),
            NumberRange(min=0, message="Enter a whole number of 0 or more."),
        ],
    )
