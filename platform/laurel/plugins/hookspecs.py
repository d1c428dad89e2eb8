"""The hook specifications that Laurel plugins implement.

Every hook name starts with ``laurel_``. Plugins mark their implementations
with ``laurel.plugins.hookimpl`` and are found through the ``laurel``
entry-point group. docs/plugins.md repeats each signature given here, and
tests/plugins/test_docs.py fails when the two differ.

Call a hook with keyword arguments only, as pluggy requires:
``registry.hooks().laurel_balance(org_id=org.id)``. A hook that is not
firstresult returns the list of every non-None result, one per plugin; a
firstresult hook returns the first non-None result, or None.

Every loaded plugin's hooks run whether a platform admin has enabled or
disabled it: disabling withdraws the plugin's suites from sale and from new
assignments, and nothing else (see docs/plugins.md, "Enabling and
disabling").
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

    Returns a list of suite declarations (plain dicts of strings, numbers,
    lists and dicts). ``laurel.plugins.schemas.SuiteSchema`` validates each
    one when the plugin loads; docs/plugins.md lists every field. A plugin
    with an invalid declaration is marked failed and none of its hooks run.

    Not firstresult: the core collects the declarations of every plugin.
    A suite key may be declared by one plugin only.

    Example::

        @hookimpl
        def laurel_suites():
            return [{"key": "food_safety", "title": "Food Safety", ...}]
    """


@hookspec(firstresult=True)
def laurel_score_attempt(
    suite: dict[str, Any],
    unit: dict[str, Any],
    questions: list[dict[str, Any]],
    answers: dict[str, int],
) -> dict[str, Any] | None:
    """Score a submitted attempt.

    suite: the validated suite declaration (``Suite.declaration``). An
        implementation compares its ``key`` to find its own suites.
    unit: the validated declaration of the unit attempted, one of
        ``suite["units"]``.
    questions: the questions drawn for this attempt, in the order shown,
        each ``{"id", "prompt", "options", "answer", "explanation"}``.
    answers: question id to the zero-based index of the chosen option. A
        question left unanswered is missing from the mapping.

    Returns ``{"score": int, "correct": int, "total": int}``, where score is
    a whole percentage from 0 to 100, or None to leave the attempt to the
    next implementation.

    firstresult: the first non-None result wins. The core's default
    (``laurel.plugins.defaults``) runs last and scores each drawn question
    against its declared answer, rounding to the nearest whole percent.
    """


# Billing. The core computes prices from the suite declarations; a billing
# plugin keeps balances. Without one, every hook returns None and nothing is
# charged.


@hookspec(firstresult=True)
def laurel_balance(org_id: int) -> int | None:
    """Return the organisation's credit balance.

    org_id: the organisation's row id.

    Returns the balance in whole credits, or None when no billing plugin is
    installed. firstresult.
    """


@hookspec(firstresult=True)
def laurel_quote(org_id: int, lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Price a planned charge without recording anything.

    org_id: the organisation's row id.
    lines: one dict per thing to pay for: ``{"kind": "subscription" | "unit" |
        "reassignment", "suite": suite key, "unit": unit key or None,
        "learner_id": int, "credits": int}``. The core fills ``credits`` from
        the suite's pricing.

    Returns ``{"total": int, "balance": int, "short": int}``, where short is
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

    org_id: the organisation's row id.
    lines: what is paid for, in the shape ``laurel_quote`` takes.
    idempotency_key: the caller's key for this request. A repeated call with
        the same key and the same lines returns the first result and charges
        nothing more; the same key with different lines raises
        ``laurel.billing.IdempotencyConflict``.
    actor_id: the user who caused the charge, or None for the system.
    reason: a short text for the ledger, such as "assign food_safety to 3
        learners".

    The charge joins the caller's database transaction, so an assignment and
    its charge commit or roll back together. A balance that cannot cover the
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

    org_id: the organisation's row id.
    lines: what is refunded, in the shape ``laurel_quote`` takes.
    idempotency_key: the caller's key for this refund. A repeated key with
        the same lines refunds nothing more; with different lines it raises
        ``laurel.billing.IdempotencyConflict``.
    actor_id: the user who caused the refund, or None for the system.
    reason: a short text for the ledger, such as "unassigned a unit".

    Returns ``{"refunded": int, "balance": int, "entry_id": int | None,
    "replayed": bool}``, or None without billing. firstresult.
    """


# Events. Called inside the transaction that made the change, after the
# change is flushed; an exception in an implementation rolls it back.


@hookspec
def laurel_attempt_finished(attempt: Any) -> None:
    """React to a submitted and scored attempt.

    attempt: the ``laurel.assignments.models.Attempt`` row, with its score,
        passed flag, suite version and question ids set.

    Not firstresult; return values are ignored.
    """


@hookspec
def laurel_unit_failed(assignment: Any) -> None:
    """React to a unit assignment whose latest attempt failed.

    assignment: the ``laurel.assignments.models.UnitAssignment`` row.

    Not firstresult; return values are ignored.
    """


@hookspec
def laurel_credential_issued(credential: Any) -> None:
    """React to a newly issued credential.

    credential: the ``laurel.credentials.models.Credential`` row.

    Not firstresult; return values are ignored.
    """


# Extension points for pages, commands and tables. The core calls each of
# them once per plugin while the app is created, and marks a plugin failed
# when its implementation raises or returns the wrong type.


@hookspec
def laurel_blueprints() -> list[Blueprint]:
    """Return Flask blueprints to register on the app.

    Returns a list of ``flask.Blueprint`` objects; each blueprint's name must
    be unique across the core and every plugin. Not firstresult: every
    plugin's blueprints are registered.
    """


@hookspec
def laurel_cli_commands() -> list[click.Command]:
    """Return click commands to add to the ``laurel`` command.

    Returns a list of ``click.Command`` (or ``click.Group``) objects; each
    name must be unique across the core and every plugin. Not firstresult.
    """


@hookspec
def laurel_migration_dirs() -> list[str]:
    """Return absolute paths of Alembic version folders the plugin owns.

    Returns a list of existing directory paths. Each folder contains one
    Alembic branch labelled with the plugin's name, whose first revision has
    ``down_revision = "identity_0001"``. Not firstresult: every plugin's
    folders join the core's ``version_locations``.
    """
