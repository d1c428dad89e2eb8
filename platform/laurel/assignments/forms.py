"""Fixed forms; the question and policy forms are built in their templates."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class ActionForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class ConfirmForm(FlaskForm):
    """The confirm step of an assignment or reassignment.

    ``request_token`` is generated with the quote. It is the idempotency key
    of the batch and of its charge. ``quoted_total`` is the price the
    instructor saw, checked again at confirm time.
    """

    request_token = HiddenField()
    quoted_total = HiddenField()
