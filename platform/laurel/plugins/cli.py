"""``laurel plugins``: list installed plugins, enable and disable them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from laurel.extensions import db
from laurel.identity.services import ValidationError
from laurel.plugins import services
from laurel.plugins.services import PluginStatus

COLUMNS = ("NAME", "DISTRIBUTION", "VERSION", "SUITES", "UNITS", "STATUS")


@click.group(
    "plugins",
    invoke_without_command=True,
    help="Installed plugins: without a subcommand, list them.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
@with_appcontext
def plugins_group(context: click.Context, as_json: bool) -> None:
    if context.invoked_subcommand is None:
        print_plugins(as_json)


@plugins_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def plugins_list(as_json: bool) -> None:
    """List every installed plugin with its suites, unit count and status."""
    print_plugins(as_json)


def print_plugins(as_json: bool) -> None:
    from laurel.cli import echo_json

    if not services.settings_table_exists():
        click.echo(
            "Note: the database is not migrated yet (run `laurel db upgrade`), "
            "so every plugin shows its default state, enabled.",
            err=True,
        )
    plugins = services.list_plugins()
    if as_json:
        echo_json([plugin.as_dict() for plugin in plugins])
        return
    rows = [COLUMNS, *(plugin_row(plugin) for plugin in plugins)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))


def plugin_row(plugin: PluginStatus) -> tuple[str, ...]:
    status = plugin.status
    if plugin.error:
        status = f"{status}: {plugin.error}"
    return (
        plugin.name,
        plugin.distribution or "-",
        plugin.version or "-",
        ",".join(suite.key for suite in plugin.suites) or "-",
        str(plugin.unit_count),
        status,
    )


@plugins_group.command("enable")
@click.argument("name")
@with_appcontext
def plugins_enable(name: str) -> None:
    """Put plugin NAME's suites on sale and allow new assignments of them."""
    change_state(name, enabled=True)


@plugins_group.command("disable")
@click.argument("name")
@with_appcontext
def plugins_disable(name: str) -> None:
    """Withdraw plugin NAME's suites; work already assigned stays available."""
    change_state(name, enabled=False)


def change_state(name: str, enabled: bool) -> None:
    from laurel.cli import fail

    word = "enabled" if enabled else "disabled"
    try:
        changed = services.set_enabled(name, enabled, actor_id=None)
    except ValidationError as error:
        fail(error.message)
    db.session.commit()
    plugin = services.find_plugin(name)
    click.echo(
        f"Plugin {name} is {word}." if changed else f"Plugin {name} was already {word}."
    )
    if plugin.error:
        click.echo(
            f"It failed to load ({plugin.error}), so its suites stay unavailable "
            "until the error is fixed.",
            err=True,
        )
