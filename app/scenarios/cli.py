"""`flask scenario run|show`: scenarios from the command line (e.g. scheduled runs)."""

from __future__ import annotations

import json
import time
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import Job, Location, Role, User
from app.models.scenarios import Scenario

scenario_cli = AppGroup("scenario", help="Create, run and show scenarios.")


def _system_user() -> User | None:
    return db.session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active).order_by(User.id)
    )


@scenario_cli.command("run")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["simulate", "optimise"]), required=True)
@click.option("--locations", required=True, help="Location names, comma-separated.")
@click.option("--pooled/--separate", default=False, help="Chosen locations share one fleet.")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--parameters", type=click.File("r"), help="JSON of dotted parameter keys.")
@click.option("--co2-target", type=float, help="CO2e at least this %% below today.")
@click.option("--wait/--no-wait", default=False, help="Wait for the run and print figures.")
def run_command(name, kind, locations, pooled, start, end, parameters, co2_target, wait):
    """Create a scenario and run it through the same service and queue as the web."""
    from app.scenarios.inputs import default_period
    from app.scenarios.service import ScenarioError, ScenarioSetup, create_scenario, start_run

    wanted = [n.strip() for n in locations.split(",") if n.strip()]
    found = {
        loc.name: loc.id
        for loc in db.session.scalars(select(Location).where(Location.name.in_(wanted)))
    }
    if missing := [n for n in wanted if n not in found]:
        raise click.ClickException(f"Ukendte lokationer: {', '.join(missing)}")
    default_start, default_end = default_period()
    overrides = json.load(parameters) if parameters else {}
    setup = ScenarioSetup(
        name=name,
        kind=kind,
        period_start=start.date() if start else default_start,
        period_end=end.date() if end else default_end,
        location_ids=list(found.values()),
        pooled=pooled,
        overrides=overrides,
        co2_target_pct=co2_target,
    )
    user = _system_user()
    try:
        scenario = create_scenario(setup, user)
    except ScenarioError as error:
        raise click.ClickException(str(error)) from error
    run = start_run(scenario, user)
    click.echo(f"Scenarie {scenario.id} oprettet; kørsel startet (job {run.job_id}).")
    if not wait:
        return
    while True:
        db.session.expire_all()
        job = db.session.get(Job, run.job_id)
        if job.done:
            break
        time.sleep(1)
    if job.status != "finished":
        raise click.ClickException(f"Kørslen endte som {job.status_label}: {job.error or ''}")
    _print_figures(db.session.get(Scenario, scenario.id))


def _print_figures(scenario: Scenario) -> None:
    from app.formatting import dkk, number, percent
    from app.scenarios.results import kpis

    run = scenario.latest_run
    click.echo(f"Scenarie {scenario.id}: {scenario.name} ({run.summary['status']})")
    for k in kpis(run.summary):
        change = f" ({percent(k.change_pct, 1, signed=True)})" if k.change_pct is not None else ""
        today = dkk(k.today) if k.unit == "kr." else f"{number(k.today, k.decimals)} {k.unit}"
        new = dkk(k.scenario) if k.unit == "kr." else f"{number(k.scenario, k.decimals)} {k.unit}"
        click.echo(f"  {k.label}: {today} -> {new}{change}")


@scenario_cli.command("show")
@click.argument("scenario_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
def show_command(scenario_id: int, as_json: bool):
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise click.ClickException(f"Scenarie {scenario_id} findes ikke.")
    run = scenario.latest_run
    if run is None or run.status != "finished":
        raise click.ClickException("Scenariet har intet færdigt resultat.")
    if as_json:
        payload = {
            "scenario": {
                "id": scenario.id,
                "name": scenario.name,
                "kind": scenario.kind,
                "period": [scenario.period_start.isoformat(), scenario.period_end.isoformat()],
                "locations": scenario.location_names,
                "pooled": scenario.pooled,
            },
            **run.result,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, default=_default))
    else:
        _print_figures(scenario)


def _default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))
