"""Pages for assigning suites, taking units and reassigning them."""

from __future__ import annotations

from flask import Blueprint

from laurel.assignments import models  # noqa: F401 - the tables join the metadata

bp = Blueprint("assignments", __name__)
