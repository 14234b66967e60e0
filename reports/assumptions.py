"""The "Forudsætninger" table: every parameter the engine used, with value, unit, source, year.

The rows come from the parameters JSON stored with the run (what the engine actually used),
not from today's settings, which may have changed since. Labels, units, sources and years
come from the scenario's parameter set, falling back to the catalogue.
"""

from __future__ import annotations

from app.extensions import db
from app.models import ParameterSet
from app.models.scenarios import Scenario
from app.parameters.catalogue import BY_KEY, FLEET
from app.scenarios.results import flatten_parameters
from reports.facts import ParameterRow
from reports.texts import join, plain_number

SETUP = "Scenariets opsætning"

# Engine keys that are not prices or factors but choices made in the scenario's setup.
SETUP_KEYS = {
    "period.start": ("Analyseperiode, første dag", "dato"),
    "period.end": ("Analyseperiode, sidste dag", "dato"),
    "decision_date": ("Beslutningsdato (leasing der udløber senere, er låst)", "dato"),
    "shifts": ("Vagter pr. lokation", "tidsrum"),
    "pools": ("Lokationer med fælles flåde", "lokationer"),
    "solver.time_limit_s": ("Beregning: tidsgrænse", "sekunder"),
    "solver.rel_gap": ("Beregning: tilladt afstand til bevist bedste løsning", "andel"),
    "solver.threads": ("Beregning: antal tråde", "tråde"),
}


def format_value(key: str, value) -> str:
    """A parameter's value the Danish way, also for lists, time windows and "no limit"."""
    if value is None:
        return "ingen grænse"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float):
        return plain_number(value)
    if key.endswith("windows") and isinstance(value, list):
        return join([f"{a}–{b}" for a, b in value]) or "ingen"
    if key == "shifts" and isinstance(value, dict):
        if not value:
            return "ingen (døgnet rundt)"
        return "; ".join(
            f"{loc}: {join([f'{a}–{b}' for a, b in windows])}" for loc, windows in value.items()
        )
    if key == "pools" and isinstance(value, list):
        return "; ".join(join(pool) for pool in value) if value else "hver lokation for sig"
    if key in ("period.start", "period.end", "decision_date"):
        from datetime import date

        from app.formatting import date_long

        try:
            return date_long(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if isinstance(value, list | dict):
        return str(value) if value else "ingen"
    return str(value)


def parameter_rows(scenario: Scenario, parameters: dict) -> list[ParameterRow]:
    stored = {}
    if scenario.parameter_set_id:
        parameter_set = db.session.get(ParameterSet, scenario.parameter_set_id)
        stored = parameter_set.values if parameter_set else {}
    overrides = scenario.setup.get("overrides", {})
    rows = []
    for key, value in flatten_parameters(parameters).items():
        entry = stored.get(key) or {}
        spec = BY_KEY.get(key)
        if key in SETUP_KEYS:
            label, unit = SETUP_KEYS[key]
            source, year = (FLEET if key.startswith("solver") else SETUP), scenario.created_at.year
        elif spec is not None:
            label = spec.label
            unit = entry.get("unit") or spec.unit
            source = entry.get("source") or spec.source
            year = entry.get("year") or spec.year
        else:
            label, unit, source, year = key, "", FLEET, None
        changed = key in overrides
        if changed:
            source = (
                f"Sat for dette scenarie (standard: {format_value(key, spec.value)})"
                if (spec)
                else SETUP
            )
        rows.append(
            ParameterRow(
                key=key,
                label=label,
                value=format_value(key, value),
                unit=unit,
                source=source,
                year=str(year) if year else "–",
                changed=changed,
            )
        )
    return rows
