"""Assignments of suites and units to learners, attempts and reassignment."""
