"""An example third-party suite for Laurel."""
