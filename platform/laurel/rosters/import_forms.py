"""Forms of the import wizard."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice

MODE_CHOICES = [
    SelectChoice("add", "Add new learners; leave existing learners as they are"),
    SelectChoice(
        "update",
        "Add new learners and update existing learners' names, student ids and groups",
    ),
]


class UploadForm(FlaskForm):
    file = FileField(
        "Class list file (CSV or Excel .xlsx)",
        validators=[FileRequired("Choose a CSV or XLSX file to upload.")],
    )
    mode = RadioField("Learners who exist already", choices=MODE_CHOICES, default="add")


class CommitForm(FlaskForm):
    """The commit buttons; ``choice`` is "all" or "valid" (the rows without errors)."""

    mode = HiddenField()
    choice = HiddenField()
