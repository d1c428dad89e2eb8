"""``laurel quickstart``: migrate, seed the demo organisation and serve."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("quickstart")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port", default=5000, show_default=True, type=int, help="Port to listen on."
)
@click.option(
    "--no-serve", is_flag=True, help="Prepare the database and demo data, then exit."
)
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


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Empty or new folder for the demo's database, reports and PDFs.",
)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Class list to import. Default: examples/roster.csv of this repository.",
)
@click.option(
    "--seed", default=2026, show_default=True, help="Seed for the learners' answers."
)
@click.option("--verbose", is_flag=True, help="Show every log line, not only warnings.")
def demo(out_dir: Path, roster: Path | None, seed: int, verbose: bool) -> None:
    """Run the credential journey headless, on its own SQLite database in OUT."""
    import flask_migrate

    from laurel.app import create_app
    from laurel.demo.journey import run_journey, write_summary

    roster = roster or default_roster()
    if out_dir.exists() and any(out_dir.iterdir()):
        raise click.UsageError(f"{out_dir} is not empty; choose a new or empty folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "INSTANCE_PATH": str(out_dir.resolve() / "instance"),
            "DATABASE_URL": f"sqlite:///{out_dir.resolve() / 'demo.sqlite3'}",
            "STORAGE_PATH": str(out_dir.resolve() / "storage"),
            "REDIS_URL": None,
            "PUBLIC_URL": "http://127.0.0.1:5000",
            "LOG_LEVEL": "INFO" if verbose else "WARNING",
        }
    )
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
    report = run_journey(app, roster, out_dir, seed)
    write_summary(report)
    for line in report.lines:
        click.echo(line)
    click.echo(f"\nFiles in {out_dir}:")
    for path in report.files:
        click.echo(f"  {path.relative_to(out_dir)}")


def default_roster() -> Path:
    """Return the repository's example roster, for editable installs."""
    path = Path(__file__).resolve().parents[3] / "examples" / "roster.csv"
    if not path.exists():
        raise click.UsageError(
            f"no roster given and {path} does not exist; pass --roster FILE."
        )
    return path
