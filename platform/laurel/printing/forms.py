"""Forms for print requests and the organisation's print settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from laurel.printing.services import PAGE_SIZES

PAGE_SIZE_LABELS = {"A4": "A4 (210 × 297 mm)", "Letter": "US Letter (8.5 × 11 in)"}


class PrintForm(FlaskForm):
    """The CSRF token of a print button; the selection travels in hidden fields."""


class PrintSettingsForm(FlaskForm):
    page_size = RadioField(
        "Paper size of printed credentials and login sheets",
        choices=[SelectChoice(size, PAGE_SIZE_LABELS[size]) for size in PAGE_SIZES],
    )
