"""Credential tests use the assignment tests' organisation and suite fixtures."""

from tests.assignments.conftest import make_school, school, suite  # noqa: F401
