"""Building the Pyomo model: flat linear sums, and no cyclic garbage collection meanwhile."""

from __future__ import annotations

import gc

import numpy as np
import pyomo.environ as pyo

import app.engine.solve as engine_solve
from app.engine.model import ModelData, linear_sum


def test_linear_sum_is_the_weighted_sum_plus_constant():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), initialize={0: 1.0, 1: 2.0, 2: 4.0})
    xs = list(m.x.values())
    assert pyo.value(linear_sum(xs)) == 7.0
    assert pyo.value(linear_sum(xs, constant=0.5)) == 7.5
    assert pyo.value(linear_sum(xs, [1.0, -2.0, 0.25], 3.0)) == 1.0 - 4.0 + 1.0 + 3.0


def tiny_data() -> ModelData:
    """Two overlapping blocks, one class with room for one: one block goes to an own car."""
    return ModelData(
        class_fixed_dkk=np.array([100.0]),
        class_lower=np.array([0]),
        class_upper=np.array([1]),
        block_start=np.array([0, 60]),
        block_end=np.array([120, 180]),
        block_unserved_dkk=np.array([500.0, 400.0]),
        block_trips=np.array([1, 1]),
        block_must_serve=np.array([False, False]),
        pair_block=np.array([0, 1]),
        pair_class=np.array([0, 0]),
        pair_cost_dkk=np.array([10.0, 10.0]),
    )


def test_the_model_is_built_with_the_collector_paused_and_solves(monkeypatch):
    seen = []
    real_build = engine_solve.build_model

    def spy(data):
        seen.append(gc.isenabled())
        return real_build(data)

    monkeypatch.setattr(engine_solve, "build_model", spy)
    gc.enable()
    _, loaded = engine_solve.LoadedModel.build(tiny_data(), threads=1)
    assert seen == [False] and gc.isenabled()
    outcome = loaded.solver.solve(relaxation=False, time_limit_s=10)
    counts, assign = loaded.read(outcome)
    # one vehicle (100) serves the block dearer to leave (500): 100 + 10 + 400 for the other
    assert outcome.status == "optimal" and outcome.objective == 510.0
    assert counts.tolist() == [1.0] and assign.tolist() == [1.0, 0.0]
