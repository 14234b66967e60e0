"""Command-line tools: `flask users ...`, `flask demo-data`, `flask bootstrap`."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.extensions import db
from app.models import Role

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.VIEWER.value)
@click.option("--name", default="")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given (keeps it out of the shell history).",
)
def create_user_command(email: str, role: str, name: str, password: str) -> None:
    """Create a user, e.g. `flask users create --email a@b.dk --role admin`."""
    from app.auth.service import create_user

    try:
        user = create_user(email, password, Role(role), name)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Oprettet: {user.email} ({user.role_label})")


@users_cli.command("list")
def list_users_command() -> None:
    from app.models import User

    for user in db.session.scalars(db.select(User).order_by(User.email)):
        state = "aktiv" if user.active else "deaktiveret"
        click.echo(f"{user.email}\t{user.role.value}\t{state}")


@click.command("demo-data")
@with_appcontext
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day of data (yesterday).")
def demo_data_command(seed: int, end) -> None:
    """Generate the demo municipality (only into an empty database)."""
    from app.demo.service import DemoDataExists, load_demo_data

    def show(percent: float, phase: str) -> None:
        click.echo(f"\r{int(percent):3d} %  {phase:<40}", nl=False)

    try:
        summary = load_demo_data(seed=seed, end=end.date() if end else None, progress=show)
    except DemoDataExists as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"\nDemodata: {summary['locations']} lokationer, {summary['vehicles']} køretøjer, "
        f"{summary['trips']} rundture ({summary['start']} til {summary['end']})."
    )


@click.command("bootstrap")
@with_appcontext
@click.option("--demo/--no-demo", default=None, help="Load demo data into an empty database.")
def bootstrap_command(demo: bool | None) -> None:
    """First-start setup: default parameters, first admin, demo data job if empty."""
    from flask import current_app

    from app.auth.service import ensure_first_admin
    from app.demo.service import database_is_empty
    from app.jobs.service import enqueue
    from app.parameters.service import ensure_default_parameter_set

    ensure_default_parameter_set()
    created = ensure_first_admin()
    if created:
        user, generated = created
        click.echo(f"Første administrator oprettet: {user.email}")
        if generated:
            click.echo("=" * 64)
            click.echo(f"  Adgangskode (vises kun denne ene gang): {generated}")
            click.echo("=" * 64)
    if demo is None:
        demo = current_app.config["FLEET_DEMO_DATA"]
    if demo and database_is_empty():
        yesterday = date.today() - timedelta(days=1)
        job = enqueue("demo_data", {"seed": 2026, "end": yesterday.isoformat()}, title="Demodata")
        click.echo(f"Demodata indlæses i baggrunden (job {job.id}).")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(bootstrap_command)
    from app.data.cli import import_cli, retention_command

    app.cli.add_command(import_cli)
    app.cli.add_command(retention_command)
    from app.scenarios.cli import scenario_cli

    app.cli.add_command(scenario_cli)
    from app.reports.cli import report_cli

    app.cli.add_command(report_cli)
