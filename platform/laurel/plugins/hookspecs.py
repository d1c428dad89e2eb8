"""The hook specifications that Laurel plugins implement.

Every hook name starts with ``laurel_``. Plugins mark their implementations
with ``laurel.plugins.hookimpl`` and are found through the ``laurel``
entry-point group; docs/plugins.md documents each hook with the signature
given here, and a test keeps the two in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint

hookspec = pluggy.HookspecMarker("laurel")


# Suites


@hookspec
def laurel_suites() -> list[dict[str, Any]]:
    """Declare the product suites a plugin provides.

    Returns a list of suite declarations (plain dicts), each validated by
    ``laurel.plugins.schemas.SuiteSchema`` when the plugin loads. A plugin
    whose declaration is invalid is marked failed and its suites are not
    offered. Not firstresult: the core collects the lists of every plugin.
    """


@hookspec(firstresult=True)
def laurel_score_attempt(
    suite: dict[str, Any],
    unit: dict[str, Any],
    questions: list[dict[str, Any]],
    answers: dict[str, int],
) -> dict[str, Any] | None:
    """Score a submitted attempt.

    suite: the validated suite declaration.
    unit: the unit declaration being attempted.
    questions: the questions drawn for this attempt, in the order shown.
    answers: question id to the zero-based index of the chosen option; a
        question left unanswered is missing from the mapping.

    Returns ``{"score": percent 0-100 (int), "correct": int, "total": int}``,
    or None to let the next implementation score it. firstresult: the first
    non-None result wins; the core's default scores against the declared
    answers.
    """


# Billing. The core computes prices from the suite declarations; a billing
# plugin keeps balances. Without one, nothing is charged.


@hookspec(firstresult=True)
def laurel_balance(org_id: int) -> int | None:
    """Return the organisation's credit balance, or None without billing.

    org_id: the organisation's row id. firstresult.
    """


@hookspec(firstresult=True)
def laurel_quote(org_id: int, lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Price a planned charge without recording anything.

    org_id: the organisation's row id.
    lines: one dict per thing to pay for: ``{"kind": "subscription" | "unit" |
        "reassignment", "suite": key, "unit": key or None, "learner_id": int,
        "credits": int}``.

    Returns ``{"total": int, "balance": int, "short": int}`` where short is
    how many credits are missing (0 when the balance covers the total), or
    None without billing. firstresult.
    """


@hookspec(firstresult=True)
def laurel_charge(
    org_id: int,
    lines: list[dict[str, Any]],
    idempotency_key: str,
    actor_id: int | None,
    reason: str,
) -> dict[str, Any] | None:
    """Charge the organisation for ``lines`` in the current transaction.

    The charge joins the caller's database transaction, so an assignment and
    its charge commit or roll back together. A repeated call with the same
    idempotency_key and the same lines returns the first result and charges
    nothing more; the same key with different lines raises
    ``laurel.billing.IdempotencyConflict``. A balance that cannot cover the
    total raises ``laurel.billing.InsufficientCredits``.

    Returns ``{"charged": int, "balance": int, "entry_id": int | None,
    "replayed": bool}``, or None without billing. firstresult.
    """


@hookspec(firstresult=True)
def laurel_refund(
    org_id: int,
    lines: list[dict[str, Any]],
    idempotency_key: str,
    actor_id: int | None,
    reason: str,
) -> dict[str, Any] | None:
    """Give back credits for ``lines`` in the current transaction.

    Same arguments and idempotency rule as ``laurel_charge``. Returns
    ``{"refunded": int, "balance": int, "entry_id": int | None, "replayed":
    bool}``, or None without billing. firstresult.
    """


# Events. Called inside the transaction that made the change, after the
# change is flushed; an exception in an implementation rolls it back.


@hookspec
def laurel_attempt_finished(attempt: Any) -> None:
    """React to a submitted and scored attempt.

    attempt: the ``laurel.assignments.models.Attempt`` row, with score and
    passed set.
    """


@hookspec
def laurel_unit_failed(assignment: Any) -> None:
    """React to a unit assignment whose latest attempt failed.

    assignment: the ``laurel.assignments.models.UnitAssignment`` row.
    """


@hookspec
def laurel_credential_issued(credential: Any) -> None:
    """React to a newly issued credential.

    credential: the ``laurel.credentials.models.Credential`` row.
    """


# Extension points for pages, commands and tables.


@hookspec
def laurel_blueprints() -> list[Blueprint]:
    """Return Flask blueprints to register on the app. Not firstresult."""


@hookspec
def laurel_cli_commands() -> list[click.Command]:
    """Return click commands to add to the ``laurel`` command. Not firstresult."""


@hookspec
def laurel_migration_dirs() -> list[str]:
    """Return absolute paths of Alembic version folders the plugin owns.

    Each folder holds one Alembic branch, labelled with the plugin's name,
    whose first revision depends on the core's ``identity_0001``.
    Not firstresult.
    """
