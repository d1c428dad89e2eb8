"""The ``laurel`` command: a Flask CLI group with Laurel's own commands."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from laurel.app import create_app
from laurel.extensions import db
from laurel.identity import services
from laurel.identity.models import Role, User


def main() -> None:
    cli = FlaskGroup(
        name="laurel",
        create_app=lambda: create_app(),
        help="Laurel: enrol learners, assign suites, issue credentials.",
    )
    cli.main(prog_name="laurel")


def core_commands() -> list[click.Command]:
    from laurel.demo.cli import demo, quickstart
    from laurel.plugins.cli import plugins_group
    from laurel.printing.cli import print_jobs_group
    from laurel.rosters.cli import groups_group, users_group

    return [
        db_group,
        org_group,
        user_group,
        users_group,
        groups_group,
        quickstart,
        demo,
        plugins_group,
        print_jobs_group,
    ]


def fail(message: str) -> None:
    """Print ``message`` to stderr and exit with status 1."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def organisation_or_fail(slug: str):  # noqa: ANN201 - returns Organisation
    org = services.organisation_by_slug(slug)
    if org is None:
        fail(f"no organisation with slug {slug!r}; `laurel org list` shows them.")
    return org


# laurel db


@click.group("db", help="Database schema, managed by Alembic migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every branch's head)."""
    import flask_migrate

    flask_migrate.upgrade(revision=revision)


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (such as "base" or "identity@-1")."""
    import flask_migrate

    flask_migrate.downgrade(revision=revision)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the revisions the database is at."""
    import flask_migrate

    flask_migrate.current()


# laurel org


@click.group("org", help="Organisations.")
def org_group() -> None:
    pass


@org_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, such as 'Riverside College'.")
@with_appcontext
def org_create(slug: str, name: str) -> None:
    """Create an organisation with the URL-safe SLUG."""
    from laurel.identity.models import Organisation

    try:
        org: Organisation = services.create_organisation(slug, name)
    except services.ValidationError as error:
        fail(error.message)
    db.session.commit()
    click.echo(f"Created organisation {org.slug} ({org.name}).")


@org_group.command("list")
@with_appcontext
def org_list() -> None:
    """List organisations."""
    from laurel.identity.models import Organisation

    for org in db.session.scalars(select(Organisation).order_by(Organisation.slug)):
        click.echo(f"{org.slug}\t{org.name}")


# laurel user


@click.group("user", help="One account.")
def user_group() -> None:
    pass


ROLE_CHOICE = click.Choice([role.value for role in Role])


@user_group.command("create")
@click.argument("email")
@click.option("--org", "org_slug", help="Organisation slug; not for platform admins.")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--external-id", default=None, help="The learner's id in the school's records.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input; "
    "without it a password is generated and printed once.",
)
@with_appcontext
def user_create(
    email: str,
    org_slug: str | None,
    role: str,
    first_name: str,
    last_name: str,
    external_id: str | None,
    password_stdin: bool,
) -> None:
    """Create an account whose login name is EMAIL."""
    org = organisation_or_fail(org_slug) if org_slug else None
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        account = services.create_user(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=Role(role),
            org=org,
            password=password,
            external_id=external_id,
        )
    except services.ValidationError as error:
        fail(error.message)
    db.session.commit()
    click.echo(f"Created {account.user.role.label} {account.user.email}.")
    if account.generated_password:
        click.echo(f"Password (shown once): {account.generated_password}")


@user_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@with_appcontext
def user_set_password(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL, printing a generated one if none is given."""
    from laurel.identity import passwords
    from laurel.identity.emails import normalise_email

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        fail(f"no account with email {email!r}.")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else passwords.generate_password()
    try:
        services.set_password(user, password, actor_id=None)
    except services.ValidationError as error:
        fail(error.message)
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
