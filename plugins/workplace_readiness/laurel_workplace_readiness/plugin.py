"""Hook implementations of the Workplace Readiness suite."""
