"""``laurel credits``: grant credits and read an organisation's ledger."""

from __future__ import annotations

import uuid

import click
from flask.cli import with_appcontext
from laurel.billing import BillingError
from laurel.extensions import db
from laurel.identity.emails import normalise_email
from laurel.identity.models import Role, User
from sqlalchemy import select

from laurel_credits import services
from laurel_credits.models import LedgerEntry


@click.group("credits", help="Credit balances and ledgers of organisations.")
def credits_group() -> None:
    pass


# ignore_unknown_options lets a negative AMOUNT such as -5 reach the amount
# check, which names it, instead of failing as an unknown option.
@credits_group.command("grant", context_settings={"ignore_unknown_options": True})
@click.argument("org_slug", metavar="ORG")
@click.argument("amount", type=int)
@click.option(
    "--note", required=True, help="Invoice number or other reference for the entry."
)
@click.option(
    "--by", "actor_email", help="Email of the platform admin recording the purchase."
)
@click.option(
    "--key",
    "idempotency_key",
    help="Idempotency key; running the command again with the same key records "
    "nothing more. Default: a new random key.",
)
@with_appcontext
def grant(
    org_slug: str,
    amount: int,
    note: str,
    actor_email: str | None,
    idempotency_key: str | None,
) -> None:
    """Record a purchase of AMOUNT credits by the organisation ORG (its slug)."""
    from laurel.cli import fail, organisation_or_fail

    org = organisation_or_fail(org_slug)
    if amount <= 0:
        fail(f"amount {amount} is invalid; grant a positive whole number of credits.")
    actor = platform_admin_or_fail(actor_email) if actor_email else None
    key = idempotency_key or f"cli:{uuid.uuid4()}"
    try:
        outcome = services.purchase(
            org.id, amount, note, actor.id if actor else None, key
        )
    except BillingError as error:
        fail(str(error))
    db.session.commit()
    if outcome.replayed:
        click.echo(f"Already granted as entry {outcome.entry.id}; nothing added.")
    click.echo(
        f"Granted {outcome.entry.amount} credits to {org.slug}; "
        f"balance {outcome.entry.balance_after}."
    )


def platform_admin_or_fail(email: str) -> User:
    from laurel.cli import fail

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or user.role is not Role.PLATFORM_ADMIN:
        fail(f"no platform admin with email {email!r}; `--by` names one.")
    return user


@credits_group.command("balance")
@click.argument("org_slug", metavar="ORG")
@with_appcontext
def balance(org_slug: str) -> None:
    """Print the credit balance of the organisation ORG (its slug)."""
    from laurel.cli import organisation_or_fail

    org = organisation_or_fail(org_slug)
    click.echo(str(services.balance(org.id)))


def entry_as_dict(entry: LedgerEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "created_at": entry.created_at.isoformat(),
        "kind": entry.kind.value,
        "amount": entry.amount,
        "balance_after": entry.balance_after,
        "paid_for": entry.paid_for.value,
        "suite": entry.suite,
        "unit": entry.unit,
        "learner": entry.learner.email if entry.learner else None,
        "actor": entry.actor.email if entry.actor else None,
        "reason": entry.reason,
        "note": entry.note,
        "idempotency_key": entry.idempotency_key,
        "lines": [
            {
                "kind": line.kind.value,
                "suite": line.suite,
                "unit": line.unit,
                "learner": line.learner.email if line.learner else None,
                "credits": line.credits,
            }
            for line in entry.lines
        ],
    }


@credits_group.command("history")
@click.argument("org_slug", metavar="ORG")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of entries.")
@with_appcontext
def history(org_slug: str, as_json: bool) -> None:
    """Print the ledger of the organisation ORG (its slug), oldest entry first."""
    from laurel.cli import echo_json, organisation_or_fail

    org = organisation_or_fail(org_slug)
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.org_id == org.id).order_by(LedgerEntry.id)
    )
    rows = [entry_as_dict(entry) for entry in entries]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        fields = [
            row["created_at"],
            row["kind"],
            f"{row['amount']:+d}",
            str(row["balance_after"]),
            row["actor"] or "system",
            row["reason"],
            row["note"] or "",
        ]
        click.echo("\t".join(str(field) for field in fields))
