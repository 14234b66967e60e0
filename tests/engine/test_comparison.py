"""Like-for-like reference, honest run states and targets that finish (issue "Trust").

- `Result.replanned` is today's fleet planned by the same rules: a no-change simulation has
  a fleet-change effect of exactly 0, on random instances (hypothesis);
- an optimisation never proposes a fleet dearer than today's fleet re-planned;
- a CO2e target or budget priced through the Lagrangian search (large scopes) meets the
  limit, and its stated gap is a true bound: brute force lies between;
- a target no fleet meets is "unreachable" with what can be reached, never a worse plan;
- a run stopped before every pool had a plan is "time_limit" without a plan.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import app.engine as engine
import app.engine.operations as operations
import app.engine.solve as engine_solve
from app.engine.parameters import Parameters
from app.engine.types import FleetCount, Problem
from app.engine.validate import assert_valid
from tests.engine.test_bruteforce import TARGET_SEEDS, enumerate_outcomes, random_problem
from tests.engine.test_properties import EXAMPLES, fleets

REL = 1e-6


def today_counts(problem: Problem) -> list[FleetCount]:
    today = engine.baseline(problem)
    return [FleetCount(line.pool, line.group, line.current_count) for line in today.fleet]


def fleet_change(result) -> dict[str, float]:
    return {
        "yearly_cost_dkk": result.totals.yearly_cost_dkk - result.replanned.yearly_cost_dkk,
        "co2e_t": result.totals.co2e_t - result.replanned.co2e_t,
        "vehicles": result.totals.vehicles - result.replanned.vehicles,
        "unserved_trips": result.totals.unserved_trips - result.replanned.unserved_trips,
    }


@settings(EXAMPLES, max_examples=25)
@given(st.data())
def test_a_no_change_simulation_has_a_fleet_change_effect_of_exactly_zero(data):
    locations = data.draw(st.sampled_from([("Nord",), ("Nord", "Syd")]))
    vehicles, trips = data.draw(fleets(locations))
    problem = Problem(trips, vehicles, [], Parameters.from_dict({"solver": {"threads": 1}}))
    result = engine.simulate(problem, today_counts(problem))
    assert result.status in ("optimal", "feasible"), result.message
    assert_valid(problem, result)
    assert result.replanned is not None
    assert fleet_change(result) == {
        "yearly_cost_dkk": 0,
        "co2e_t": 0,
        "vehicles": 0,
        "unserved_trips": 0,
    }


@pytest.mark.parametrize("seed", range(12))
def test_replanned_is_todays_fleet_simulated_by_the_same_rules(seed):
    problem = random_problem(seed)
    reference = engine.simulate(problem, today_counts(problem))
    assert_valid(problem, reference, check_bounds=False)
    result = engine.optimise(problem, alternatives=False)
    if reference.status == "infeasible":
        # e.g. a must-serve trip today's fleet cannot take: no reference, not zero totals
        assert result.replanned is None
        return
    assert result.replanned is not None
    for name in ("yearly_cost_dkk", "co2e_t", "vehicles", "unserved_trips"):
        assert math.isclose(
            getattr(result.replanned, name), getattr(reference.totals, name), rel_tol=REL
        ), name
    # the optimum is never dearer than keeping today's fleet and sharing it better
    limit = result.replanned.objective_dkk * (1 + problem.parameters.solver.rel_gap)
    assert result.totals.objective_dkk <= limit + 1e-6


@pytest.mark.parametrize("seed", range(8))
def test_a_simulation_of_another_fleet_keeps_todays_fleet_as_reference(seed):
    problem = random_problem(seed)
    counts = [FleetCount(c.pool, c.group, c.count + 1) for c in today_counts(problem)]
    result = engine.simulate(problem, counts)
    reference = engine.simulate(problem, today_counts(problem))
    if reference.status == "infeasible":
        assert result.replanned is None
        return
    assert result.replanned is not None
    assert math.isclose(
        result.replanned.yearly_cost_dkk, reference.totals.yearly_cost_dkk, rel_tol=REL
    )
    assert result.totals.vehicles == result.replanned.vehicles + len(counts)


@pytest.fixture
def priced_targets(monkeypatch):
    """Force the Lagrangian search (the path of large scopes) on tiny instances."""
    monkeypatch.setattr(operations, "EXACT_TARGET_MAX_BLOCKS", -1)


@pytest.mark.parametrize("pct", [10, 30, 60])
@pytest.mark.parametrize("seed", TARGET_SEEDS[:10])
def test_a_priced_co2e_target_is_met_and_its_gap_is_a_true_bound(priced_targets, seed, pct):
    problem = random_problem(seed)
    today = engine.baseline(problem)
    cap = today.totals.co2e_t * (1 - pct / 100)
    outcomes = enumerate_outcomes(problem)
    allowed = outcomes.co2e_t <= cap + 1e-9
    brute = outcomes.best(outcomes.money + outcomes.penalty, allowed)
    result = engine.optimise(problem, co2_target_pct=pct, alternatives=False)
    if math.isinf(brute.objective):
        assert result.status == "unreachable"
        assert all(v is None for v in result.plan.values())
        assert result.target.reachable is not None and result.target.reachable > cap
        return
    assert result.status in ("optimal", "feasible"), result.message
    assert_valid(problem, result)
    assert result.target.met and result.totals.co2e_t <= cap + 1e-9
    money = result.totals.yearly_cost_dkk + result.totals.unserved_penalty_dkk
    assert money >= brute.objective - 1e-6  # nothing beats the true optimum
    if result.gap is not None:  # ... and the stated gap bounds the distance to it
        assert money * (1 - result.gap) <= brute.objective + 1e-6 * max(1.0, money)
    if result.status == "optimal":
        assert math.isclose(money, brute.objective, rel_tol=1e-3)


@pytest.mark.parametrize("seed", TARGET_SEEDS[:10])
def test_a_priced_budget_is_kept_and_its_gap_is_a_true_bound(priced_targets, seed):
    problem = random_problem(seed)
    today = engine.baseline(problem)
    budget = today.totals.yearly_cost_dkk * 0.9
    outcomes = enumerate_outcomes(problem)
    brute = outcomes.best(outcomes.co2e_t, outcomes.money <= budget + 1e-6)
    result = engine.optimise(problem, budget_dkk=budget, alternatives=False)
    if math.isinf(brute.objective):
        assert result.status == "unreachable"
        assert result.target.reachable > budget
        return
    assert result.status in ("optimal", "feasible"), result.message
    assert_valid(problem, result)
    assert result.totals.yearly_cost_dkk <= budget + 1e-6
    assert result.totals.co2e_t >= brute.objective - 1e-9
    if result.gap is not None:
        assert result.totals.co2e_t * (1 - result.gap) <= brute.objective + 1e-6


def test_an_unreachable_target_says_what_can_be_reached_and_gives_no_plan(priced_targets):
    problem = random_problem(TARGET_SEEDS[0])
    result = engine.optimise(problem, co2_target_pct=100, alternatives=True)
    today = engine.baseline(problem)
    if today.totals.co2e_t == 0:
        pytest.skip("no emissions today")
    assert result.status == "unreachable"
    assert "kan ikke nås" in result.message
    assert all(v is None for v in result.plan.values())
    assert result.target.reachable is not None
    # the fleets tried are listed, each marked as missing the target, or a reason is given
    assert result.alternatives or result.alternatives_note
    assert all("når ikke målet" in a.label for a in result.alternatives)


def test_alternatives_appear_or_a_sentence_says_why():
    for seed in range(10):
        problem = random_problem(seed)
        result = engine.optimise(problem, alternatives=True)
        if result.alternatives:
            assert result.alternatives_note == ""
            fleets_seen = {
                tuple((line.pool, line.group, line.count) for line in a.fleet)
                for a in result.alternatives
            }
            assert len(fleets_seen) == len(result.alternatives)  # distinct fleets
        else:
            assert result.alternatives_note.endswith(".")
    assert engine.optimise(random_problem(0), alternatives=False).alternatives_note == ""


def test_a_run_stopped_before_any_plan_is_time_limit_without_a_plan(monkeypatch):
    from app.engine.synthetic import generate

    problem = generate("S", seed=2)
    monkeypatch.setattr(
        engine_solve,
        "run_highs",
        lambda *args, **kwargs: engine_solve.HighsOutcome("time_limit", None, None, None, None),
    )
    monkeypatch.setattr(engine_solve, "_as_driven_today", lambda *args: None)
    result = engine.optimise(problem, alternatives=False)
    assert result.status == "time_limit"
    assert all(v is None for v in result.plan.values())  # not "every trip in an own car"
    assert result.totals.vehicles == 0 and result.totals.unserved_trips == 0
    assert_valid(problem, result)
