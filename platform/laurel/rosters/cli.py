"""``laurel users`` and ``laurel groups``: rosters from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from laurel.extensions import db
from laurel.identity.models import User
from laurel.rosters import services
from laurel.rosters.import_cli import users_import


@click.group("users", help="The accounts of an organisation.")
def users_group() -> None:
    pass


@users_group.command("list")
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def users_list(org_slug: str, as_json: bool) -> None:
    """List every account of the organisation, staff included."""
    from laurel.cli import echo_json, organisation_or_fail

    org = organisation_or_fail(org_slug)
    users = list(
        db.session.scalars(
            select(User).where(User.org_id == org.id).order_by(User.last_name, User.first_name, User.id)
        )
    )
    groups = services.groups_of(user.id for user in users)
    rows = [
        {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role.value,
            "groups": groups.get(user.id, []),
            "external_id": user.external_id,
            "active": user.active,
        }
        for user in users
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(
            "\t".join(
                [row["email"], row["first_name"], row["last_name"], row["role"],
                 ",".join(row["groups"]), row["external_id"] or ""]
            )
        )


users_group.add_command(users_import)


@click.group("groups", help="Groups of learners.")
def groups_group() -> None:
    pass


@groups_group.command("list")
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@with_appcontext
def groups_list(org_slug: str) -> None:
    """List the organisation's groups with their member counts."""
    from laurel.cli import organisation_or_fail

    org = organisation_or_fail(org_slug)
    for group, count in services.groups_with_counts(org.id):
        click.echo(f"{group.name}\t{count}")
