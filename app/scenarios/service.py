"""Creating, duplicating, running and deleting scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.audit import record
from app.engine import EngineError, Parameters, baseline
from app.extensions import db
from app.jobs.service import enqueue, job_timeout
from app.models import Location, Role
from app.models.scenarios import Scenario, ScenarioRun, pack
from app.parameters.service import default_parameter_set
from app.scenarios.inputs import build_snapshot, engine_parameters, problem_from_snapshot
from app.scenarios.results import result_to_dict

KINDS = {"simulate": "Simulering", "optimise": "Optimering"}
# HiGHS cannot be interrupted by RQ's timeout: give the solver a limit well below it.
SOLVER_MARGIN_S = 120


class ScenarioError(ValueError):
    """A setup that cannot be run; the message is Danish and names the problem."""


@dataclass
class ScenarioSetup:
    name: str
    kind: str
    period_start: date
    period_end: date
    location_ids: list[int]
    pooled: bool = True
    notes: str = ""
    candidates: dict[int, int | None] = field(default_factory=dict)  # VehicleModel id -> max
    overrides: dict = field(default_factory=dict)  # dotted parameter keys -> value
    counts: list[dict] = field(default_factory=list)  # simulate: pool, group, count
    co2_target_pct: float | None = None
    budget_dkk: float | None = None
    alternatives: bool = True


def validate_setup(setup: ScenarioSetup) -> list[str]:
    """Every problem with a setup, in Danish (empty when it can be run)."""
    problems = []
    if not setup.name.strip():
        problems.append("Giv scenariet et navn.")
    if setup.kind not in KINDS:
        problems.append("Vælg simulering eller optimering.")
    if setup.period_end < setup.period_start:
        problems.append("Periodens slutdato ligger før startdatoen.")
    if (setup.period_end - setup.period_start).days > 800:
        problems.append("Perioden må højst være to år.")
    if not setup.location_ids:
        problems.append("Vælg mindst én lokation.")
    else:
        found = db.session.scalar(
            select(db.func.count(Location.id)).where(Location.id.in_(setup.location_ids))
        )
        if found != len(set(setup.location_ids)):
            problems.append("En valgt lokation findes ikke.")
    if setup.co2_target_pct is not None and not 0 < setup.co2_target_pct <= 100:
        problems.append("CO2e-målet skal være mellem 0 og 100 %.")
    if setup.budget_dkk is not None and setup.budget_dkk < 0:
        problems.append("Budgetloftet kan ikke være negativt.")
    if setup.co2_target_pct is not None and setup.budget_dkk is not None:
        problems.append("Angiv enten et CO2e-mål eller et budgetloft, ikke begge.")
    if setup.kind == "simulate" and (setup.co2_target_pct is not None or setup.budget_dkk):
        problems.append("Et CO2e-mål eller et budgetloft gælder kun en optimering.")
    for model_id, max_count in setup.candidates.items():
        if max_count is not None and max_count < 0:
            problems.append(f"Højeste antal for testkøretøj {model_id} kan ikke være negativt.")
    if not problems:
        names = db.session.scalars(
            select(Location.name).where(Location.id.in_(setup.location_ids))
        ).all()
        try:
            Parameters.from_dict(
                engine_parameters(
                    setup.overrides, setup.period_start, setup.period_end, list(names), True
                )
            )
        except EngineError as error:
            problems.append(f"Parametrene kan ikke bruges: {error}")
    return problems


def create_scenario(setup: ScenarioSetup, user, duplicated_from: Scenario | None = None):
    """Validate, snapshot the inputs and store the scenario (not yet run)."""
    if problems := validate_setup(setup):
        raise ScenarioError(" ".join(problems))
    snapshot = build_snapshot(
        setup.period_start,
        setup.period_end,
        setup.location_ids,
        setup.pooled,
        setup.candidates,
        setup.overrides,
    )
    if not snapshot["trips"]["rows"]:
        raise ScenarioError(
            "Der er ingen rundture i den valgte periode og de valgte lokationer "
            "(eller kun ture fra køretøjer med manglende data)."
        )
    try:
        today = result_to_dict(baseline(problem_from_snapshot(snapshot)))
    except EngineError as error:
        raise ScenarioError(f"Data kan ikke bruges: {error}") from error
    parameter_set = default_parameter_set()
    scenario = Scenario(
        name=setup.name.strip()[:200],
        kind=setup.kind,
        notes=setup.notes.strip(),
        owner_id=getattr(user, "id", None),
        period_start=setup.period_start,
        period_end=setup.period_end,
        location_ids=sorted(set(setup.location_ids)),
        location_names=snapshot["locations"],
        pooled=setup.pooled,
        setup={
            "candidates": {str(k): v for k, v in setup.candidates.items()},
            "overrides": setup.overrides,
            "counts": setup.counts,
            "alternatives": setup.alternatives,
        },
        co2_target_pct=setup.co2_target_pct,
        budget_dkk=setup.budget_dkk,
        parameter_set_id=parameter_set.id if parameter_set else None,
        snapshot_blob=pack(snapshot),
        snapshot_summary={
            "trips": len(snapshot["trips"]["rows"]),
            "vehicles": len(snapshot["vehicles"]),
            "candidates": len(snapshot["candidates"]),
            "excluded_vehicles": snapshot["excluded_vehicles"],
            "excluded_trips": snapshot["excluded_trips"],
            "km": sum(row[5] for row in snapshot["trips"]["rows"]),
            # Today's groups per pool: the steppers of a simulation start from these.
            "fleet": today["fleet"],
            "baseline": today["totals"],
        },
        duplicated_from_id=duplicated_from.id if duplicated_from else None,
    )
    db.session.add(scenario)
    db.session.flush()
    record("scenario_created", scenario, {"navn": scenario.name, "type": scenario.kind}, user=user)
    db.session.commit()
    return scenario


def setup_of(scenario: Scenario) -> ScenarioSetup:
    """The setup a scenario was made from (to duplicate and edit it)."""
    return ScenarioSetup(
        name=scenario.name,
        kind=scenario.kind,
        period_start=scenario.period_start,
        period_end=scenario.period_end,
        location_ids=list(scenario.location_ids),
        pooled=scenario.pooled,
        notes=scenario.notes,
        candidates={int(k): v for k, v in scenario.setup.get("candidates", {}).items()},
        overrides=dict(scenario.setup.get("overrides", {})),
        counts=list(scenario.setup.get("counts", [])),
        co2_target_pct=scenario.co2_target_pct,
        budget_dkk=scenario.budget_dkk,
        alternatives=scenario.setup.get("alternatives", True),
    )


def solver_time_limit(parameters: dict) -> float:
    wanted = float(parameters.get("solver", {}).get("time_limit_s", 300))
    return max(10.0, min(wanted, job_timeout("scenario") - SOLVER_MARGIN_S))


def start_run(scenario: Scenario, user) -> ScenarioRun:
    run = ScenarioRun(scenario=scenario, status="queued")
    db.session.add(run)
    db.session.flush()
    job = enqueue(
        "scenario",
        {"run_id": run.id},
        user=user,
        title=f"{scenario.kind_label}: {scenario.name}"[:200],
    )
    run.job_id = job.id
    record(
        "scenario_run_started",
        scenario,
        {"kørsel": run.id, "job": job.id, **owner_details(scenario, user)},
        user=user,
    )
    db.session.commit()
    return run


def can_delete(scenario: Scenario, user) -> bool:
    return user.has_role(Role.ADMIN) or scenario.owner_id == user.id


def may_change(scenario: Scenario, user) -> bool:
    """Its owner or an administrator may change a scenario and run it in place."""
    return can_delete(scenario, user)


def owner_details(scenario: Scenario, user) -> dict:
    """Audit details naming the owner when an administrator changes someone else's work."""
    if scenario.owner_id == getattr(user, "id", None):
        return {}
    return {"ejer": scenario.owner_id, "administrator_på_andens_vegne": True}


def set_counts(scenario: Scenario, counts: list[dict], user) -> None:
    """A simulation's chosen counts (owner or admin; audited with before and after)."""
    before = scenario.setup.get("counts", [])
    if counts == before:
        return
    scenario.setup = {**scenario.setup, "counts": counts}
    record(
        "scenario_counts_changed",
        scenario,
        {"før": before, "efter": counts, **owner_details(scenario, user)},
        user=user,
    )


def copy_for(scenario: Scenario, user) -> Scenario:
    """A copy owned by `user` on the very same snapshot: what a planner's run of someone
    else's scenario becomes, so the owner's counts and results stay as they left them."""
    copy = Scenario(
        name=f"Kopi af {scenario.name}"[:200],
        kind=scenario.kind,
        notes=scenario.notes,
        owner_id=getattr(user, "id", None),
        period_start=scenario.period_start,
        period_end=scenario.period_end,
        location_ids=list(scenario.location_ids),
        location_names=list(scenario.location_names),
        pooled=scenario.pooled,
        setup=dict(scenario.setup),
        co2_target_pct=scenario.co2_target_pct,
        budget_dkk=scenario.budget_dkk,
        parameter_set_id=scenario.parameter_set_id,
        snapshot_blob=scenario.snapshot_blob,
        snapshot_summary=dict(scenario.snapshot_summary),
        duplicated_from_id=scenario.id,
    )
    db.session.add(copy)
    db.session.flush()
    record(
        "scenario_created",
        copy,
        {
            "navn": copy.name,
            "type": copy.kind,
            "kopi_af": scenario.id,
            "ejer_af_kilden": scenario.owner_id,
        },
        user=user,
    )
    return copy


def delete_scenario(scenario: Scenario, user) -> None:
    record("scenario_deleted", scenario, {"navn": scenario.name}, user=user)
    db.session.delete(scenario)
    db.session.commit()


def simulate_alternative(scenario: Scenario, number: int, user) -> Scenario:
    """Alternative `number` (1-based) of a scenario's latest run as a simulation of its own,
    on the very same snapshot, so it gets a full driving plan, downloads and a report."""
    run = scenario.latest_run
    alternatives = (run.summary or {}).get("alternatives") or [] if run else []
    if not 1 <= number <= len(alternatives):
        raise ScenarioError("Alternativet findes ikke (kør scenariet igen).")
    alternative = alternatives[number - 1]
    counts = [
        {"pool": line["pool"], "group": line["group"], "count": line["count"]}
        for line in alternative["fleet"]
    ]
    copy = copy_for(scenario, user)
    copy.name = f"{scenario.name}: alternativ {number}"[:200]
    copy.kind = "simulate"
    copy.notes = f"Alternativ {number} ({alternative['label']}) fra scenariet '{scenario.name}'."
    copy.setup = {**scenario.setup, "counts": counts, "alternatives": False}
    copy.co2_target_pct = copy.budget_dkk = None
    record(
        "scenario_alternative_opened", copy, {"alternativ": number, "fra": scenario.id}, user=user
    )
    db.session.commit()
    start_run(copy, user)
    return copy
