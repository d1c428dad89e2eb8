"""Email addresses as login names: normalised, checked for shape only."""

from __future__ import annotations

import re

# An address needs a local part, an "@" and a domain with a dot. The address
# is a login name and need not be a real mailbox, so nothing is looked up.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def normalise_email(value: str) -> str:
    """Return the stored form of an email address: trimmed and case-folded."""
    return value.strip().casefold()


def email_problem(value: str) -> str | None:
    """Return why ``value`` is not a usable email address, or None."""
    email = normalise_email(value)
    if not email:
        return "Email is missing."
    if len(email) > 254:
        return "Email is longer than 254 characters."
    if not EMAIL_PATTERN.match(email):
        return (
            f"{value.strip()!r} is not an email address; use the form name@example.org."
        )
    return None
