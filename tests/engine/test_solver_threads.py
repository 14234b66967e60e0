"""HiGHS sizes one thread scheduler per process: runs with different thread counts in one
process (a test session, a long-lived worker) must all solve, not fail at once."""

from __future__ import annotations

from dataclasses import replace

from app.engine import optimise
from app.engine.synthetic import generate


def test_changing_thread_count_within_a_process_still_solves():
    problem = generate("S", seed=3)
    statuses = []
    for threads in (1, 2, 1):
        solver = replace(problem.parameters.solver, threads=threads)
        parameters = replace(problem.parameters, solver=solver)
        result = optimise(replace(problem, parameters=parameters), alternatives=False)
        statuses.append(result.status)
    assert all(status in ("optimal", "feasible") for status in statuses), statuses
