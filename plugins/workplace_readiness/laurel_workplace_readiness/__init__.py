"""The Workplace Readiness suite for Laurel."""
