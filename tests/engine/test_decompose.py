"""Solving by days: the split into independent parts, the cuts, and the Benders loop.

The decomposition must give the same optimum as one model solved whole; these tests compare
the two on models that really fall apart into days.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pyomo.environ as pyo
import pytest

import app.engine.decompose as decompose
import app.engine.solve as engine_solve
from app.engine import optimise
from app.engine.highs_direct import DirectHighs
from app.engine.synthetic import generate
from app.engine.validate import assert_valid


def days_model(days: int = 4, per_day: int = 6, seed: int = 0) -> pyo.ConcreteModel:
    """A small fleet-like model: two classes with counts, blocks on several days, each day's
    blocks overlapping so that capacity binds; own cars are the dear alternative."""
    rng = np.random.default_rng(seed)
    m = pyo.ConcreteModel()
    m.CLASSES = pyo.RangeSet(0, 1)  # the names LoadedModel reads, as model.py makes them
    m.count = pyo.Var(m.CLASSES, domain=pyo.NonNegativeIntegers, bounds=(0, per_day))
    pairs = [(d, b, c) for d in range(days) for b in range(per_day) for c in (0, 1)]
    m.PAIRS = pyo.RangeSet(0, len(pairs) - 1)
    m.assign = pyo.Var(m.PAIRS, domain=pyo.Binary)
    m.one = pyo.ConstraintList()
    m.cap = pyo.ConstraintList()
    km = rng.uniform(5, 60, size=(days, per_day))
    for d in range(days):
        for b in range(per_day):
            m.one.add(sum(m.assign[k] for k, p in enumerate(pairs) if p[:2] == (d, b)) <= 1)
        for c in (0, 1):
            # blocks 0..per_day-1 of a day overlap in two waves of three
            for wave in (range(0, per_day // 2), range(per_day // 2, per_day)):
                members = [
                    k for k, p in enumerate(pairs) if p[0] == d and p[1] in wave and p[2] == c
                ]
                m.cap.add(sum(m.assign[k] for k in members) <= m.count[c])
    rate = {0: 0.4, 1: 0.9}
    own = 4.0
    m.cost = pyo.Objective(
        expr=30 * m.count[0]
        + 12 * m.count[1]
        + sum((rate[c] - own) * km[d, b] * m.assign[k] for k, (d, b, c) in enumerate(pairs))
        + own * float(km.sum())
    )
    return m


@pytest.fixture
def small_parts(monkeypatch):
    """Parts as small as the model allows (a wave of a day): tiny models really decompose."""
    import app.engine.highs_direct as highs_direct

    monkeypatch.setattr(highs_direct, "PART_MIN_COLUMNS", 1)


def test_fixed_counts_split_into_days_and_match_the_whole_model(small_parts):
    m = days_model()
    solver = DirectHighs(m, threads=1)
    counts = solver.columns_of([m.count[0], m.count[1]])
    assert solver.part_count(counts) == 4 * 2  # each day's two waves are independent
    for values in ([0, 0], [1, 2], [3, 3]):
        split = solver.solve_fixed(counts, values, relaxation=False, time_limit_s=30, rel_gap=0)
        whole = DirectHighs(m, threads=1)
        whole.set_bounds(counts, np.array(values, float), np.array(values, float))
        one = whole.solve(relaxation=False, time_limit_s=30, rel_gap=0)
        assert split.status == one.status == "optimal"
        assert math.isclose(split.objective, one.objective, rel_tol=1e-9)


def test_part_cuts_never_exceed_the_lp_value_elsewhere(small_parts):
    m = days_model(seed=3)
    solver = DirectHighs(m, threads=1)
    counts = solver.columns_of([m.count[0], m.count[1]])
    at = solver.solve_fixed(counts, [1, 1], relaxation=True, time_limit_s=30)
    cut = at.cuts
    for values in ([0, 0], [0, 3], [2, 1], [3, 3]):
        other = solver.solve_fixed(counts, values, relaxation=True, time_limit_s=30).cuts
        predicted = cut.lp + cut.slopes @ (np.array(values, float) - cut.values)
        assert np.all(predicted <= other.lp + 1e-6), (values, predicted, other.lp)


def test_benders_finds_the_optimum_of_the_whole_model(small_parts):
    for seed in range(4):
        m = days_model(days=5, seed=seed)
        whole = DirectHighs(m, threads=1).solve(relaxation=False, time_limit_s=30, rel_gap=0)
        loaded = engine_solve.LoadedModel.load(m, threads=1)
        got = decompose.solve_by_days(loaded, rel_gap=0.0, time_limit_s=30)
        assert got is not None and got.status == "optimal"
        assert math.isclose(got.objective, whole.objective, rel_tol=1e-9), seed
        assert np.isfinite(got.bound) and got.bound <= got.objective + 1e-9


def test_optimise_by_days_equals_optimise_whole(monkeypatch):
    """A synthetic S fleet (3 months), optimised with the decomposition forced on and off."""
    problem = generate("S", seed=2)
    solver = replace(problem.parameters.solver, rel_gap=0.0, threads=1)
    problem = replace(problem, parameters=replace(problem.parameters, solver=solver))
    calls = []
    real = decompose.solve_by_days

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(engine_solve, "solve_by_days", spy)
    monkeypatch.setattr(engine_solve, "BY_DAYS_MIN_PAIRS", 0)
    by_days = optimise(problem, alternatives=False)
    assert any(calls), "the decomposition was never used"
    monkeypatch.setattr(engine_solve, "BY_DAYS_MIN_PAIRS", 10**12)
    whole = optimise(problem, alternatives=False)
    for result in (by_days, whole):
        assert result.status == "optimal", result.message
        assert_valid(problem, result)
    assert math.isclose(by_days.objective, whole.objective, rel_tol=1e-9)


def test_out_of_time_still_returns_the_start_counts_with_a_bound(small_parts):
    """F10: a run cut short must not return a plan worse than today's counts."""
    m = days_model(days=5, seed=7)
    loaded = engine_solve.LoadedModel.load(m, threads=1)
    today = np.array([2.0, 1.0])
    got = decompose.solve_by_days(loaded, rel_gap=0.0, time_limit_s=0.0, start_counts=today)
    solver = DirectHighs(m, threads=1)
    at_today = solver.solve_fixed(
        solver.columns_of([m.count[0], m.count[1]]),
        today,
        relaxation=False,
        time_limit_s=30,
        rel_gap=0,
    )
    assert got is not None
    assert got.status in ("time_limit", "optimal")
    assert got.objective <= at_today.objective + 1e-9
    assert np.isfinite(got.bound) and got.bound <= got.objective + 1e-9


def test_a_pool_without_any_plan_in_time_keeps_todays_fleet(monkeypatch):
    """Should the solver give nothing before the time limit, the pool keeps today's fleet
    with its trips on the vehicle kinds that drove them: a valid plan with a finite gap."""
    from app.engine import baseline

    problem = generate("S", seed=2)
    monkeypatch.setattr(
        engine_solve,
        "run_highs",
        lambda *args, **kwargs: engine_solve.HighsOutcome("time_limit", None, None, None, None),
    )
    result = optimise(problem, alternatives=False)
    today = baseline(problem)
    # a valid plan whose proof the time limit stopped: "feasible" ("time_limit" means no plan)
    assert result.status == "feasible"
    assert_valid(problem, result)
    assert result.gap is not None and math.isfinite(result.gap)
    assert {(f.pool, f.group): f.count for f in result.fleet if f.count} == {
        (f.pool, f.group): f.count for f in today.fleet if f.count
    }
    assert "dagens flåde" in " ".join([*result.warnings, result.message or ""])
