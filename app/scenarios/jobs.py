"""The scenario job: snapshot -> engine -> stored result."""

from __future__ import annotations

import copy

from app.engine import Cancelled, EngineError, optimise, simulate
from app.engine.types import FleetCount
from app.engine.validate import validate
from app.extensions import db
from app.jobs.registry import job_handler, on_job_ended
from app.jobs.runner import JobCancelled, JobFailed
from app.models import utcnow
from app.models.scenarios import ScenarioRun, pack
from app.scenarios.inputs import problem_from_snapshot
from app.scenarios.results import (
    RUN_STATUS_OF_STATE,
    STATE_LABELS,
    USABLE_STATES,
    chart_data,
    result_to_dict,
    run_state,
    summarise,
)
from app.scenarios.service import solver_time_limit


@job_handler("scenario", "Kørsel af scenarie")
def scenario_job(job, ctx) -> dict:
    run_id = job.params["run_id"]
    run = db.session.get(ScenarioRun, run_id)
    if run is None:
        raise JobFailed("Scenariet er slettet.")
    scenario = run.scenario
    ctx.progress(1, "Forbereder data")
    # Everything the solve needs, read now as plain values: then the transaction ends, so
    # no transaction or connection is held while the engine works (minutes, maybe).
    snapshot = copy.deepcopy(scenario.snapshot)
    kind = scenario.kind
    setup = copy.deepcopy(scenario.setup or {})
    fleet_today = copy.deepcopy((scenario.snapshot_summary or {}).get("fleet", []))
    co2_target_pct, budget_dkk = scenario.co2_target_pct, scenario.budget_dkk
    snapshot["parameters"].setdefault("solver", {})
    snapshot["parameters"]["solver"]["time_limit_s"] = solver_time_limit(snapshot["parameters"])
    ctx.release_db()
    try:
        problem = problem_from_snapshot(snapshot)
        if kind == "simulate":
            # Until the planner changes a stepper, a simulation runs today's fleet.
            chosen = setup.get("counts") or [
                {"pool": line["pool"], "group": line["group"], "count": line["current_count"]}
                for line in fleet_today
            ]
            counts = [FleetCount(str(c["pool"]), str(c["group"]), int(c["count"])) for c in chosen]
            result = simulate(
                problem, counts, progress=ctx.progress, should_cancel=ctx.should_cancel
            )
        else:
            result = optimise(
                problem,
                co2_target_pct=co2_target_pct,
                budget_dkk=budget_dkk,
                alternatives=setup.get("alternatives", True),
                progress=ctx.progress,
                should_cancel=ctx.should_cancel,
            )
    except Cancelled as cancelled:
        raise JobCancelled() from cancelled
    except EngineError as error:
        raise JobFailed(f"Scenariet kunne ikke beregnes: {error}") from error
    ctx.progress(96, "Kontrollerer planen")
    problems = []
    if result.status in ("optimal", "feasible"):
        # the independent validator checks every plan before anyone may act on it
        problems = validate(problem, result, check_bounds=kind == "optimise")
    state, state_message = run_state(result, problems)
    ctx.progress(98, "Gemmer resultatet")
    result_dict = result_to_dict(result)
    blob = pack(result_dict)
    summary = summarise(result, state, state_message)
    if state in USABLE_STATES:
        summary["charts"] = chart_data(snapshot, result_dict)

    def store() -> None:
        # one short transaction, only if the job is still this work-horse's (ctx.save)
        run = db.session.get(ScenarioRun, run_id)
        if run is None:
            raise JobFailed("Scenariet er slettet.")
        run.result_blob = blob
        run.summary = summary
        run.status = RUN_STATUS_OF_STATE[state]
        run.finished_at = utcnow()

    ctx.save(store)
    if state == "failed":
        raise JobFailed(state_message)
    totals = summary["totals"]
    outcome = {"udfald": STATE_LABELS[state]}
    if state in USABLE_STATES:
        outcome["køretøjer"] = totals["vehicles"]
        outcome["årlig omkostning (kr.)"] = round(totals["yearly_cost_dkk"])
    return outcome


@on_job_ended("scenario")
def scenario_job_ended(params: dict, status: str, message: str | None) -> None:
    """A scenario job that failed or was cancelled (or never got queued) leaves its run
    failed, never "queued" or "running"."""
    run = db.session.get(ScenarioRun, params.get("run_id")) if params.get("run_id") else None
    if run is not None and run.status in ("queued", "running"):
        run.status = "failed"
        run.finished_at = utcnow()
