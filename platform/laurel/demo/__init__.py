"""Demo data for trying Laurel on one machine."""
