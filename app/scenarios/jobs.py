"""The scenario job: snapshot -> engine -> stored result."""

from __future__ import annotations

from app.engine import Cancelled, EngineError, optimise, simulate
from app.engine.types import FleetCount
from app.engine.validate import validate
from app.extensions import db
from app.jobs.registry import job_handler
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
    run = db.session.get(ScenarioRun, job.params["run_id"])
    if run is None:
        raise JobFailed("Scenariet er slettet.")
    scenario = run.scenario
    ctx.progress(1, "Forbereder data")
    snapshot = scenario.snapshot
    snapshot["parameters"].setdefault("solver", {})
    snapshot["parameters"]["solver"]["time_limit_s"] = solver_time_limit(snapshot["parameters"])
    try:
        problem = problem_from_snapshot(snapshot)
        if scenario.kind == "simulate":
            # Until the planner changes a stepper, a simulation runs today's fleet.
            chosen = scenario.setup.get("counts") or [
                {"pool": line["pool"], "group": line["group"], "count": line["current_count"]}
                for line in scenario.snapshot_summary.get("fleet", [])
            ]
            counts = [FleetCount(str(c["pool"]), str(c["group"]), int(c["count"])) for c in chosen]
            result = simulate(
                problem, counts, progress=ctx.progress, should_cancel=ctx.should_cancel
            )
        else:
            result = optimise(
                problem,
                co2_target_pct=scenario.co2_target_pct,
                budget_dkk=scenario.budget_dkk,
                alternatives=scenario.setup.get("alternatives", True),
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
        problems = validate(problem, result, check_bounds=scenario.kind == "optimise")
    state, state_message = run_state(result, problems)
    ctx.progress(98, "Gemmer resultatet")
    result_dict = result_to_dict(result)
    run.result_blob = pack(result_dict)
    run.summary = summarise(result, state, state_message)
    if state in USABLE_STATES:
        run.summary["charts"] = chart_data(snapshot, result_dict)
    run.status = RUN_STATUS_OF_STATE[state]
    run.finished_at = utcnow()
    db.session.commit()
    if state == "failed":
        raise JobFailed(state_message)
    totals = run.summary["totals"]
    outcome = {"udfald": STATE_LABELS[state]}
    if state in USABLE_STATES:
        outcome["køretøjer"] = totals["vehicles"]
        outcome["årlig omkostning (kr.)"] = round(totals["yearly_cost_dkk"])
    return outcome
