"""Hook implementations of the credits plugin.

The billing hooks join the caller's database transaction and never commit;
see ``laurel_credits.services`` for how a charge locks and moves the balance.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from laurel.plugins import hookimpl

from laurel_credits import services

if TYPE_CHECKING:
    import click
    from flask import Blueprint

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def laurel_balance(org_id: int) -> int:
    return services.balance(org_id)


@hookimpl
def laurel_quote(org_id: int, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return services.quote(org_id, lines)


@hookimpl
def laurel_charge(
    org_id: int,
    lines: list[dict[str, Any]],
    idempotency_key: str,
    actor_id: int | None,
    reason: str,
) -> dict[str, Any]:
    return services.charge(org_id, lines, idempotency_key, actor_id, reason)


@hookimpl
def laurel_refund(
    org_id: int,
    lines: list[dict[str, Any]],
    idempotency_key: str,
    actor_id: int | None,
    reason: str,
) -> dict[str, Any]:
    return services.refund(org_id, lines, idempotency_key, actor_id, reason)


@hookimpl
def laurel_blueprints() -> list[Blueprint]:
    from laurel_credits.views import bp

    return [bp]


@hookimpl
def laurel_cli_commands() -> list[click.Command]:
    from laurel_credits.cli import credits_group

    return [credits_group]


@hookimpl
def laurel_migration_dirs() -> list[str]:
    return [str(VERSIONS_DIR)]
