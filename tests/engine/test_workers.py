"""Pools solved side by side in worker processes give the same results as one after the
other, whether the workers are forked (HiGHS has not run in this process) or spawned."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from app.engine import baseline, optimise, simulate
from app.engine import operations as operations_module
from app.engine import workers as workers_module
from app.engine.synthetic import Spec, generate
from app.engine.types import FleetCount
from app.engine.validate import validate

ROOT = Path(__file__).resolve().parents[2]
THREE_LOCATIONS = Spec(locations=3, vehicles=18, months=1, candidates=3)


def _with_threads(problem, threads: int):
    solver = replace(problem.parameters.solver, threads=threads)
    return replace(problem, parameters=replace(problem.parameters, solver=solver))


@pytest.fixture
def started_workers(monkeypatch):
    """Treat every problem as big enough for worker processes; record the workers made."""
    made = []
    original = workers_module.Workers.__init__

    def spy(self, count):
        original(self, count)
        made.append(self)

    monkeypatch.setattr(operations_module, "PARALLEL_MIN_BLOCKS", 0)
    monkeypatch.setattr(workers_module.Workers, "__init__", spy)
    return made


def _comparable(result):
    totals = result.totals
    return (
        result.status,
        round(totals.yearly_cost_dkk, 2),
        round(totals.co2e_t, 6),
        totals.vehicles,
        totals.unserved_trips,
        sorted((line.pool, line.group, line.count) for line in result.fleet),
    )


def test_pools_in_worker_processes_match_pools_one_by_one(started_workers):
    problem = generate(THREE_LOCATIONS, seed=5)
    today = baseline(problem)
    counts = [FleetCount(line.pool, line.group, line.current_count) for line in today.fleet]

    one_by_one = _with_threads(problem, 1)
    expected_simulate = simulate(one_by_one, counts)
    expected_optimise = optimise(one_by_one, alternatives=False)
    assert not started_workers  # one thread: no worker processes

    side_by_side = _with_threads(problem, 2)
    got_simulate = simulate(side_by_side, counts)
    got_optimise = optimise(side_by_side, alternatives=False)
    assert started_workers, "the pools were not solved in worker processes"
    assert all(w.start_method in ("fork", "spawn") for w in started_workers)
    assert "parallel_failed" not in got_simulate.timings_s
    assert "parallel_failed" not in got_optimise.timings_s

    # the workers end with the operation: none is left waiting for work
    deadline = time.monotonic() + 10
    while multiprocessing.active_children():
        assert time.monotonic() < deadline, multiprocessing.active_children()
        time.sleep(0.05)

    assert _comparable(got_simulate) == _comparable(expected_simulate)
    assert _comparable(got_optimise) == _comparable(expected_optimise)
    for result in (got_simulate, got_optimise):
        assert validate(problem, result) == []


def test_a_process_that_has_run_highs_spawns_its_workers(started_workers):
    optimise(_with_threads(generate("S", seed=2), 1), alternatives=False)  # HiGHS runs here
    assert workers_module.start_method() == "spawn"
    problem = _with_threads(generate(THREE_LOCATIONS, seed=6), 2)
    result = optimise(problem, alternatives=False)
    assert [w.start_method for w in started_workers] == ["spawn"]
    assert "parallel_failed" not in result.timings_s
    assert validate(problem, result) == []


FRESH_PROCESS = """
import json
from dataclasses import replace
from app.engine import operations, optimise, workers
from app.engine.synthetic import Spec, generate
from app.engine.validate import validate

made = []
original = workers.Workers.__init__
def spy(self, count):
    original(self, count)
    made.append(self.start_method)
workers.Workers.__init__ = spy
operations.PARALLEL_MIN_BLOCKS = 0

problem = generate(Spec(locations=3, vehicles=18, months=1, candidates=3), seed=5)
solver = replace(problem.parameters.solver, threads=2)
problem = replace(problem, parameters=replace(problem.parameters, solver=solver))
result = optimise(problem, alternatives=False)
totals = result.totals
after_workers = workers.start_method()
optimise(generate("S", seed=2), alternatives=False)  # one pool: HiGHS runs in this process
print(json.dumps({
    "made": made,
    "after_workers": after_workers,
    "after_own_run": workers.start_method(),
    "valid": validate(problem, result) == [],
    "comparable": [
        result.status, round(totals.yearly_cost_dkk, 2), round(totals.co2e_t, 6),
        totals.vehicles, totals.unserved_trips,
        sorted([line.pool, line.group, line.count] for line in result.fleet),
    ],
}))
"""


def test_a_fresh_process_forks_its_workers_with_the_same_results():
    """Forking is what makes a run start fast: the workers begin with everything imported.
    Once HiGHS has run in the process, later workers are spawned."""
    out = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["made"] == ["fork"]
    assert got["after_workers"] == "fork"  # every pool ran in a worker
    assert got["after_own_run"] == "spawn"
    assert got["valid"]
    expected = optimise(_with_threads(generate(THREE_LOCATIONS, seed=5), 1), alternatives=False)
    status, cost, co2e, vehicles, unserved, fleet = _comparable(expected)
    assert got["comparable"] == [status, cost, co2e, vehicles, unserved, [list(f) for f in fleet]]
