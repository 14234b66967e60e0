"""Optimise a big pool by its days: Benders decomposition over the few vehicle counts.

Why: a pool's year is one model of ~100k columns whose LP alone took HiGHS 14 s, yet only the
counts (a dozen integers) tie the days together. With the counts fixed, the days fall apart
into small LPs that solve in well under a second in total, and each day's LP value is a convex
function of the counts whose slope HiGHS returns as the reduced costs of the fixed counts.

The master problem holds the counts, one value θ per part (a batch of days) and the cuts
`θ ≥ LP value at n̄ + slope · (n - n̄)` collected so far. Phase 1 solves the master as an LP
until it meets the parts' LP values: that is the LP bound of the whole model. Phase 2 makes
the counts integer, solves the (tiny) master MIP for a lower bound, evaluates its counts
with the parts' MIPs for a plan, and repeats with new cuts until the plan is within the
relative gap of the bound. Both bounds are proofs over the whole model, so the result
carries the same guarantee as a monolithic solve.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import highspy
import numpy as np

from app.engine.highs_direct import PartCuts, SolveOutcome, use_threads

if TYPE_CHECKING:
    from app.engine.solve import HighsOutcome, LoadedModel

LP_ROUNDS = 60
MIP_ROUNDS = 12
LP_TOLERANCE = 1e-6  # relative: the LP bound is met when the master is this close
ABS_TOLERANCE = 1e-6  # DKK: as HiGHS' own mip_abs_gap, so that rel_gap 0 can be proven


def _within(objective: float, bound: float, rel_gap: float) -> bool:
    return objective - bound <= max(rel_gap * abs(objective), ABS_TOLERANCE)


class _Master:
    """min fixed·n + Σθ + constant, subject to the cuts; n within its bounds."""

    def __init__(self, fixed_cost, lower, upper, n_parts: int, threads: int):
        self.n = len(fixed_cost)
        self.parts = n_parts
        self.h = highspy.Highs()
        h = self.h
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", threads)
        h.setOptionValue("random_seed", 0)
        inf = highspy.kHighsInf
        for j in range(self.n):
            h.addVar(float(lower[j]), float(upper[j]))
            h.changeColCost(j, float(fixed_cost[j]))
        for _ in range(n_parts):
            h.addVar(-inf, inf)
            h.changeColCost(h.getNumCol() - 1, 1.0)
        self.constant = 0.0

    def add_cuts(self, cuts: PartCuts) -> None:
        """θ_k - slope_k · n >= lp_k - slope_k · n̄ for every part k."""
        inf = highspy.kHighsInf
        for k in range(self.parts):
            slope = cuts.slopes[k]
            nz = np.nonzero(np.abs(slope) > 1e-12)[0]
            index = np.concatenate([nz, [self.n + k]]).astype(np.int32)
            value = np.concatenate([-slope[nz], [1.0]])
            rhs = float(cuts.lp[k] - slope @ cuts.values)
            self.h.addRow(rhs, inf, len(index), index, value)
        self.constant = cuts.constant
        self.h.changeObjectiveOffset(self.constant)

    def solve(self, integer: bool, time_limit_s: float):
        h = self.h
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        for j in range(self.n):
            h.changeColIntegrality(j, kind)
        h.setOptionValue("time_limit", max(1.0, float(time_limit_s)))
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        counts = np.asarray(h.getSolution().col_value[: self.n], dtype=float)
        return counts, float(h.getInfo().objective_function_value)


def solve_by_days(
    loaded: LoadedModel,
    rel_gap: float,
    time_limit_s: float,
    start_counts: np.ndarray | None = None,
) -> HighsOutcome | None:
    """The optimal counts and assignment of a loaded model with free counts, or None when the
    model does not fall apart into days (or a day cannot be served at some counts): the
    caller then solves it whole.

    `start_counts` (today's fleet) is evaluated first, so that a run cut short by its time
    limit still returns a plan at least as good as today's counts, with a proven bound."""
    from app.engine.solve import HighsOutcome

    started = time.monotonic()
    solver = loaded.solver
    present = loaded.count_cols >= 0
    cols = loaded.count_cols[present]
    if len(cols) == 0 or solver.part_count(cols) < 2:
        return None
    lower = loaded.count_lower[present]
    upper = loaded.count_upper[present]
    if not np.all(np.isfinite(upper)):
        return None
    use_threads(solver.threads)

    def left() -> float:
        return time_limit_s - (time.monotonic() - started)

    def evaluate(counts: np.ndarray, relaxation: bool) -> SolveOutcome | None:
        got = solver.solve_fixed(
            cols,
            counts,
            relaxation=relaxation,
            time_limit_s=left(),
            rel_gap=rel_gap / 2,
            presolve=False,
        )
        if got.status != "optimal" or got.cuts is None:
            return None
        return got

    # the most vehicles allowed: every part at its cheapest, a valid first cut
    first = evaluate(upper.copy(), relaxation=True)
    if first is None:
        return None
    master = _Master(solver.cost[cols], lower, upper, len(first.cuts.lp), solver.threads)
    master.add_cuts(first.cuts)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    # a first bound: fixed costs are never negative and more vehicles never cost a day more
    bound = first.cuts.constant + float(solver.cost[cols] @ lower) + float(first.cuts.lp.sum())
    if np.any(solver.cost[cols] < 0):
        bound = -np.inf
    tried: set[tuple] = set()

    def consider(counts: np.ndarray) -> None:
        """Evaluate integer counts with the days' MIPs: a plan, and cuts at that point."""
        nonlocal best
        tried.add(tuple(counts.tolist()))
        plan = evaluate(counts, relaxation=False)
        if plan is None:
            return
        if best is None or plan.objective < best[0]:
            best = (plan.objective, counts, plan.values)
        master.add_cuts(plan.cuts)

    if start_counts is not None:
        consider(np.clip(np.round(start_counts[present]), lower, upper))

    # phase 1: the LP bound (at most half the time: phase 2 must find integer counts)
    for _ in range(LP_ROUNDS):
        if left() <= max(1.0, time_limit_s / 2):
            break
        got = master.solve(integer=False, time_limit_s=left())
        if got is None:
            return None
        counts, lp_bound = got
        bound = max(bound, lp_bound)  # the master LP bounds the MIP as well
        at = evaluate(counts, relaxation=True)
        if at is None:
            break
        master.add_cuts(at.cuts)
        if at.objective - lp_bound <= LP_TOLERANCE * max(abs(at.objective), 1.0):
            break

    # phase 2: integer counts, each candidate checked with the days' MIPs
    for _ in range(MIP_ROUNDS):
        if left() <= 1.0 or (best is not None and _within(best[0], bound, rel_gap)):
            break
        got = master.solve(integer=True, time_limit_s=left())
        if got is None:
            break
        counts, mip_bound = got
        bound = max(bound, mip_bound)
        counts = np.round(counts)
        if tuple(counts.tolist()) in tried:
            break  # the cuts cannot move the master on: the gap is the days' own
        consider(counts)
    if best is None:
        return None
    objective, counts, values = best
    gap_ok = _within(objective, bound, rel_gap)
    if not gap_ok and left() > 1.0:
        return None  # the days' own integrality gap: let the whole model prove it
    full_counts = loaded.count_lower.copy()
    full_counts[present] = counts
    outcome = SolveOutcome("optimal", objective, bound, values)
    _, assign = loaded.read(outcome)
    return HighsOutcome(
        "optimal" if gap_ok else "time_limit",
        objective,
        min(bound, objective),
        np.round(full_counts).astype(np.int64),
        assign > 0.5,
    )
