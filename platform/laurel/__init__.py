"""Laurel: enrol learners, assign product suites, issue and verify credentials."""

from laurel.app import create_app

__all__ = ["create_app"]
