"""Forms of the platform admin's plugins page."""

from __future__ import annotations

from flask_wtf import FlaskForm


class PluginStateForm(FlaskForm):
    """An enable or disable button: only the CSRF token is posted."""
