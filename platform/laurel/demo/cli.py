"""``laurel quickstart``: migrate, seed the demo organisation and serve."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("quickstart")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@with_appcontext
def quickstart(host: str, port: int, no_serve: bool) -> None:
    """Set up a demo organisation and start the development server."""
    import flask_migrate

    from laurel.demo.seed import seed_demo

    flask_migrate.upgrade(revision="heads")
    logins = seed_demo(Path(current_app.instance_path))
    url = f"http://{host}:{port}/"
    click.echo(f"\nLaurel is at {url}\n\nDemo logins (email / password):")
    for login in logins:
        click.echo(f"  {login.role:<15} {login.email:<28} {login.password}")
    click.echo(f"\nData lives in {current_app.instance_path}.\n")
    if not no_serve:
        current_app.run(host=host, port=port, debug=False, use_reloader=False)
