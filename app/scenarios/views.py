"""View models for the scenario page: setup summary, run state and results."""

from __future__ import annotations

from flask_login import current_user

from app.models.scenarios import Scenario
from app.parameters.catalogue import BY_KEY
from app.scenarios.results import (
    comparison_rows,
    fleet_by_pool,
    fleet_changes,
    kpis,
    timing_rows,
)
from app.scenarios.service import can_delete


def stepper_lines(scenario: Scenario) -> list[dict]:
    """Groups per pool for the simulation steppers, starting from the chosen or today's counts."""
    chosen = {(c["pool"], c["group"]): c["count"] for c in scenario.setup.get("counts", [])}
    lines = []
    for line in scenario.snapshot_summary.get("fleet", []):
        key = (line["pool"], line["group"])
        lines.append({**line, "value": chosen.get(key, line["current_count"])})
    return lines


def overrides_table(scenario: Scenario) -> list[dict]:
    rows = []
    for key, value in scenario.setup.get("overrides", {}).items():
        if key.startswith("_"):
            label = {"_decision_date": "Beslutningsdato for leasing", "_shifts": "Vagter"}[key]
            rows.append({"label": label, "value": value, "unit": "", "default": "–"})
        else:
            spec = BY_KEY.get(key)
            rows.append(
                {
                    "label": spec.label if spec else key,
                    "value": value,
                    "unit": spec.unit if spec else "",
                    "default": spec.value if spec else "",
                }
            )
    return rows


def scenario_page_context(scenario: Scenario) -> dict:
    run = scenario.latest_run
    finished = run is not None and run.status == "finished"
    job = run.job if run is not None else None
    context = {
        "scenario": scenario,
        "run": run,
        "job": job,
        "running": job is not None and not job.done,
        "finished": finished,
        "may_delete": can_delete(scenario, current_user),
        "steppers": stepper_lines(scenario) if scenario.kind == "simulate" else [],
        "overrides": overrides_table(scenario),
    }
    if finished:
        summary = run.summary
        context.update(
            summary=summary,
            kpis=kpis(summary),
            comparison=summary.get("comparison"),
            comparison_rows=comparison_rows(summary),
            timings=timing_rows(summary),
            fleet_rows=fleet_changes(summary),
            pools=fleet_by_pool(summary),
        )
    return context
