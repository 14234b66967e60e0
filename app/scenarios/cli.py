"""`flask scenario run|show`: scenarios from the command line (e.g. scheduled runs)."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

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
@click.option("--notes", default="", help="Notes stored with the scenario.")
@click.option(
    "--candidate",
    "candidates",
    multiple=True,
    metavar="MODEL[=MAX]",
    help="A catalogue model that may be added (its id or 'make model'), optionally with a"
    " highest count; repeatable.",
)
@click.option("--parameters", type=click.File("r"), help="JSON of dotted parameter keys.")
@click.option(
    "--decision-date", type=click.DateTime(["%Y-%m-%d"]), help="Leases ending later are kept."
)
@click.option(
    "--shifts",
    multiple=True,
    metavar="LOCATION=SHIFTS",
    help="Shifts of one location, e.g. 'Nord=07:00-15:00, 15:00-23:00, 23:00-07:00'; repeatable.",
)
@click.option(
    "--bike-share-pct",
    help="Share (%%) of bike-eligible trips staff will ride (default: the parameter set's).",
)
@click.option(
    "--keep-type",
    "keep_type",
    multiple=True,
    metavar="LOCATION",
    help="Trips at this location keep today's vehicle type; repeatable.",
)
@click.option("--co2-target", type=float, help="Optimise: CO2e at least this %% below today.")
@click.option("--budget-dkk", type=float, help="Optimise: least CO2e within this yearly cost.")
@click.option(
    "--alternatives/--no-alternatives",
    default=None,
    help="Optimise: fleets along the cost/CO2e trade-off (default: on, as on the page).",
)
@click.option(
    "--counts",
    "counts_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Simulate these counts: CSV (pool,group,count) or JSON (a list of such rows, or"
    " {'counts': [...]} or a result's {'fleet': [...]}); groups not listed get 0."
    " Default: today's counts.",
)
@click.option("--wait/--no-wait", default=False, help="Wait for the run and print figures.")
def run_command(
    name,
    kind,
    locations,
    pooled,
    start,
    end,
    notes,
    candidates,
    parameters,
    decision_date,
    shifts,
    bike_share_pct,
    keep_type,
    co2_target,
    budget_dkk,
    alternatives,
    counts_file,
    wait,
):
    """Create a scenario and run it through the same service and queue as the web.

    Every setting of the setup page has an option here; values are read and checked as on
    the page (the same parsers and the service's validate_setup)."""
    from app.parameters.catalogue import BIKE_SHARE_KEY, KEEP_TYPE_KEY
    from app.parameters.forms import parse_value
    from app.scenarios.inputs import default_period
    from app.scenarios.service import (
        ScenarioError,
        ScenarioSetup,
        create_scenario,
        delete_scenario,
        start_run,
    )

    if kind == "simulate":
        given = [
            option
            for option, value in (
                ("--co2-target", co2_target),
                ("--budget-dkk", budget_dkk),
                ("--alternatives/--no-alternatives", alternatives),
            )
            if value is not None
        ]
        if given:
            raise click.ClickException(f"{', '.join(given)} gælder kun optimering.")
    elif counts_file:
        raise click.ClickException("--counts gælder kun simulering.")
    if co2_target is not None and budget_dkk is not None:
        raise click.ClickException(
            "Angiv enten et CO2e-mål (--co2-target) eller et budgetloft (--budget-dkk), ikke begge."
        )

    wanted = [n.strip() for n in locations.split(",") if n.strip()]
    found = {
        loc.name: loc.id
        for loc in db.session.scalars(select(Location).where(Location.name.in_(wanted)))
    }
    if missing := [n for n in wanted if n not in found]:
        raise click.ClickException(f"Ukendte lokationer: {', '.join(missing)}")
    default_start, default_end = default_period()
    overrides = _read_overrides(parameters) if parameters else {}
    if decision_date:
        overrides["_decision_date"] = decision_date.date().isoformat()
    if shifts:
        overrides["_shifts"] = {
            **overrides.get("_shifts", {}),
            **_parse_shifts(shifts, found),
        }
    if bike_share_pct is not None:
        try:
            overrides[BIKE_SHARE_KEY] = parse_value(BIKE_SHARE_KEY, bike_share_pct)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    if keep_type:
        overrides[KEEP_TYPE_KEY] = sorted({n.strip() for n in keep_type})
    counts = _read_counts(Path(counts_file)) if counts_file else []
    setup = ScenarioSetup(
        name=name,
        kind=kind,
        period_start=start.date() if start else default_start,
        period_end=end.date() if end else default_end,
        location_ids=list(found.values()),
        pooled=pooled,
        notes=notes,
        candidates=_candidates(candidates),
        overrides=overrides,
        counts=[{"pool": pool, "group": group, "count": n} for _, pool, group, n in counts],
        co2_target_pct=co2_target,
        budget_dkk=budget_dkk,
        alternatives=True if alternatives is None else alternatives,
    )
    user = _system_user()
    try:
        scenario = create_scenario(setup, user)
    except ScenarioError as error:
        raise click.ClickException(str(error)) from error
    if counts and (problems := _unknown_groups(counts, scenario.snapshot_summary["fleet"])):
        # The pools and groups are known only once the scenario's data is read.
        delete_scenario(scenario, user)
        raise click.ClickException(" ".join(problems))
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


def _read_overrides(handle) -> dict:
    try:
        overrides = json.load(handle)
    except json.JSONDecodeError as error:
        raise click.ClickException(
            f"{handle.name}, linje {error.lineno}: ugyldig JSON ({error.msg})"
        ) from None
    if not isinstance(overrides, dict):
        raise click.ClickException(f"{handle.name}: forventede et JSON-objekt med parameternøgler.")
    return overrides


def _parse_shifts(given, locations: dict[str, int]) -> dict:
    """'Nord=07:00-15:00, 15:00-23:00, 23:00-07:00' per option, read as on the page."""
    from app.scenarios.forms import parse_shifts

    shifts, errors = {}, []
    for text in given:
        location, sep, windows = text.partition("=")
        location = location.strip()
        if not sep:
            errors.append(f"--shifts '{text}': skriv LOKATION=07:00-15:00, 15:00-23:00, ...")
        elif location not in locations:
            errors.append(f"--shifts: lokationen '{location}' er ikke blandt --locations.")
        elif parsed := parse_shifts(windows, location, errors):
            shifts[location] = parsed
    if errors:
        raise click.ClickException(" ".join(errors))
    return shifts


def _candidates(given) -> dict[int, int | None]:
    """'12', '12=3', 'Renault Zoe=2' -> {model id: highest count or None}."""
    from app.models.data import VehicleModel

    models = db.session.scalars(select(VehicleModel)).all()
    chosen: dict[int, int | None] = {}
    for text in given:
        ident, sep, maximum = text.rpartition("=") if "=" in text else (text, "", "")
        ident = ident.strip()
        matches = [
            m
            for m in models
            if ident == str(m.id) or ident.casefold() == f"{m.make} {m.model}".strip().casefold()
        ]
        if len(matches) != 1:
            problem = "findes ikke i modelkataloget" if not matches else "er ikke entydig (brug id)"
            raise click.ClickException(f"--candidate '{ident}': modellen {problem}.")
        try:
            chosen[matches[0].id] = int(maximum) if sep and maximum.strip() else None
        except ValueError:
            raise click.ClickException(
                f"--candidate '{text}': højeste antal '{maximum}' er ikke et helt tal."
            ) from None
    return chosen


def _read_counts(path: Path) -> list[tuple[str, str, str, int]]:
    """(where, pool, group, count) per row; errors name the file and row."""
    from app.engine import EngineError
    from app.engine.io import read_counts

    if path.suffix.lower() != ".json":
        try:
            rows = read_counts(path)
        except EngineError as error:
            raise click.ClickException(str(error)) from error
        entries = [
            (f"{path.name}, række {i}", r.pool, r.group, r.count) for i, r in enumerate(rows, 2)
        ]
    else:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise click.ClickException(f"{path.name}: ugyldig JSON ({error})") from None
        if isinstance(data, dict):
            data = data.get("counts", data.get("fleet"))
        if not isinstance(data, list):
            raise click.ClickException(
                f"{path.name}: forventede en liste af {{pool, group, count}}, {{'counts': [...]}}"
                " eller et resultat med 'fleet'."
            )
        entries = []
        for i, row in enumerate(data, 1):
            where = f"{path.name}, række {i}"
            if not isinstance(row, dict) or not all(k in row for k in ("pool", "group", "count")):
                raise click.ClickException(f"{where}: forventede pool, group og count.")
            count = row["count"]
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise click.ClickException(f"{where}: count {count!r} skal være et helt tal >= 0.")
            entries.append((where, str(row["pool"]), str(row["group"]), count))
    seen: dict[tuple[str, str], str] = {}
    for where, pool, group, _ in entries:
        if (pool, group) in seen:
            raise click.ClickException(
                f"{where}: gruppen '{group}' i puljen '{pool}' står også i {seen[pool, group]}."
            )
        seen[pool, group] = where.rsplit(", ", 1)[-1]
    return entries


def _unknown_groups(counts, fleet: list[dict]) -> list[str]:
    """Rows naming a pool or group the scenario does not have (as `baseline` reports them)."""
    groups = {(line["pool"], line["group"]) for line in fleet}
    pools = sorted({pool for pool, _ in groups})
    problems = []
    for where, pool, group, _ in counts:
        if pool not in pools:
            problems.append(f"{where}: ukendt pulje '{pool}' (kendte: {', '.join(pools)}).")
        elif (pool, group) not in groups:
            problems.append(f"{where}: ukendt gruppe '{group}' i puljen '{pool}'.")
    return problems


def _print_figures(scenario: Scenario) -> None:
    from app.formatting import dkk, number, percent
    from app.scenarios.results import kpis

    run = scenario.latest_run
    click.echo(f"Scenarie {scenario.id}: {scenario.name} ({run.state_label})")
    if run.state == "feasible":
        click.echo(f"  BEMÆRK: {run.summary.get('state_message', '')}")

    def shown(value, k) -> str:
        return dkk(value) if k.unit == "kr." else f"{number(value, k.decimals)} {k.unit}"

    for k in kpis(run.summary):
        if k.replanned is None:  # stored before the like-for-like comparison
            click.echo(f"  {k.label}: i dag {shown(k.today, k)} -> {shown(k.scenario, k)}")
            continue
        pct = f" ({percent(k.change_pct, 1, signed=True)})" if k.change_pct is not None else ""
        click.echo(
            f"  {k.label}: som kørt {shown(k.today, k)}, omplanlagt {shown(k.replanned, k)},"
            f" forslag {shown(k.scenario, k)}; flådeændringen"
            f" {number(k.change, k.decimals, signed=True)}{pct}, planlægning alene"
            f" {number(k.planning, k.decimals, signed=True)}"
        )


@scenario_cli.command("show")
@click.argument("scenario_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the stored result as JSON.")
def show_command(scenario_id: int, as_json: bool):
    """A scenario's latest result; --json adds the like-for-like comparison and effects."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise click.ClickException(f"Scenarie {scenario_id} findes ikke.")
    run = scenario.latest_run
    if run is None or run.state is None:
        raise click.ClickException("Scenariet har intet færdigt resultat.")
    if run.state == "failed":
        raise click.ClickException(f"Kørslen fejlede: {run.summary.get('state_message', '')}")
    if run.state == "unreachable" and not as_json:
        click.echo(f"Scenarie {scenario.id}: {scenario.name} ({run.state_label})")
        click.echo(f"  {run.summary.get('state_message', '')}")
        return
    if as_json:
        summary = run.summary
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
            "state": run.state,
            "state_label": run.state_label,
            "state_message": summary.get("state_message", ""),
            "comparison": summary.get("comparison"),
            "effects": {
                key: {k: v for k, v in deltas.items() if k in EFFECT_JSON_KEYS}
                for key, deltas in (summary.get("effects") or {}).items()
                if key in ("planning", "fleet_change")
            }
            or None,
            "target": summary.get("target"),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, default=_default))
    else:
        _print_figures(scenario)


# The contract for `effects` in the JSON: these deltas.
EFFECT_JSON_KEYS = ("yearly_cost_dkk", "co2e_t", "vehicles", "unserved_trips")


def _default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))
