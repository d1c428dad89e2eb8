"""Hook implementations of the credits plugin."""
