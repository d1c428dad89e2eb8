"""Credentials: issued when a suite's rules hold, revocable by org admins."""
