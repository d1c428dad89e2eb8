"""Errors raised by billing plugins and understood by the core."""

from __future__ import annotations


class BillingError(Exception):
    """Base class for errors a billing plugin raises to the core."""


class InsufficientCredits(BillingError):
    def __init__(self, needed: int, balance: int) -> None:
        self.needed = needed
        self.balance = balance
        self.short = needed - balance
        super().__init__(
            f"Not enough credits: this needs {needed} and the balance is "
            f"{balance}, {self.short} short. Buy more credits or choose fewer "
            "learners."
        )


class IdempotencyConflict(BillingError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"Idempotency key {key!r} was already used for a different request; "
            "send a new key for a new request."
        )
