"""HiGHS fed from Pyomo's standard-form compiler, the way Pyomo's own `gurobi_direct` works.

Why not the persistent `pyomo.contrib.solver` HiGHS interface: it hands a model over one
constraint at a time in Python (a standard repn and variable bookkeeping per row). On a pool
of 78k columns that hand-off took 8 s while HiGHS solved in 3 s; `LinearStandardFormCompiler`
turns the same Pyomo model into sparse arrays in 1.4 s and the arrays reach HiGHS in one call.
The model then stays loaded: the count search and the CO2 ladder only change column bounds or
costs, and HiGHS restarts from its last basis.

Results follow the conventions of `pyomo.contrib.solver`: a time limit, a relative gap and a
thread count per solve; a non-optimal end is a status, never an exception; the incumbent and
the best bound are read back separately.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "time_limit",
    highspy.HighsModelStatus.kInterrupt: "time_limit",
    highspy.HighsModelStatus.kSolutionLimit: "time_limit",
}


# HiGHS keeps one thread scheduler per process, sized by the first solve; a later solve
# asking for another thread count then fails ("no solution within the time limit" after a
# tenth of a second). Remember the count in use and reset the scheduler when it changes.
_threads_in_use: int | None = None


def highs_has_run() -> bool:
    """Whether this process has run HiGHS (and so holds its thread scheduler)."""
    return _threads_in_use is not None


def use_threads(threads: int) -> None:
    global _threads_in_use
    if _threads_in_use is not None and _threads_in_use != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _threads_in_use = threads


@contextmanager
def _stdout_to_stderr():
    """HiGHS' MIP prints a few debug lines with printf whatever `output_flag` says; they must
    not land in a result the CLI writes to standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(slots=True)
class SolveOutcome:
    status: str  # optimal | time_limit | infeasible | error
    objective: float | None  # of the incumbent, None if there is none
    bound: float | None  # best proven bound (the objective itself for an optimal LP)
    values: np.ndarray | None  # one value per column of the incumbent
    cuts: PartCuts | None = None  # from `solve_fixed`: what each part's LP says about counts


@dataclass(slots=True)
class PartCuts:
    """Per part, its LP value at the fixed values and that value's slope in each fixed column
    (the reduced costs). The LP value of a part is convex in the fixed values, so
    `lp + slopes @ (v - values)` never exceeds the part's LP value at any other `v`."""

    values: np.ndarray  # the fixed values they were taken at
    lp: np.ndarray  # (parts,)
    slopes: np.ndarray  # (parts, fixed columns)
    constant: float  # objective offset and columns in no row: the same for every value


# Independent parts are solved as separate HiGHS models of at least this many columns: each
# call has a fixed cost, and simplex work grows faster than the size of a model.
PART_MIN_COLUMNS = 2000


@dataclass(slots=True)
class _Part:
    """Rows and columns that form a closed subproblem once the fixed columns are fixed."""

    columns: np.ndarray  # global column indices; the fixed ones it touches come last
    fixed_local: np.ndarray  # local indices of the fixed columns (int32)
    fixed_global: np.ndarray  # their global indices
    highs: highspy.Highs


class DirectHighs:
    """One Pyomo model as HiGHS arrays: solved whole, or split into independent parts once
    some columns (the vehicle counts) are fixed."""

    def __init__(self, model: pyo.ConcreteModel, threads: int):
        repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
        self.columns = repn.columns
        self._column_of = {id(var): j for j, var in enumerate(repn.columns)}
        self.lower = np.array([-np.inf if v.lb is None else v.lb for v in repn.columns], float)
        self.upper = np.array([np.inf if v.ub is None else v.ub for v in repn.columns], float)
        self.integrality = np.array([0 if v.is_continuous() else 1 for v in repn.columns], np.int32)
        sense = np.array([s for _, s in repn.rows], dtype=np.int64)
        rhs = np.asarray(repn.rhs, dtype=float)
        self.row_lower = np.where(sense == 1, -np.inf, rhs)  # 1: <=, -1: >=, 0: ==
        self.row_upper = np.where(sense == -1, np.inf, rhs)
        if len(repn.objectives) > 1:
            raise ValueError("DirectHighs takes at most one objective")
        if repn.objectives:
            self.cost = np.asarray(repn.c.toarray()[0], dtype=float)
            self.offset = float(repn.c_offset[0])
            self.minimise = repn.objectives[0].sense == pyo.minimize
        else:
            self.cost, self.offset, self.minimise = np.zeros(len(self.columns)), 0.0, True
        self.A = repn.A.tocsc()
        self.threads = int(threads)
        self._whole: highspy.Highs | None = None
        self._parts: dict[tuple[int, ...], list[_Part]] = {}
        self._fixed_only: dict[tuple[int, ...], np.ndarray] = {}

    def _new_highs(self, A, cost, offset, lower, upper, row_lower, row_upper, integrality):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(
            A.shape[1],
            A.shape[0],
            int(A.nnz),
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMinimize if self.minimise else highspy.ObjSense.kMaximize),
            float(offset),
            np.ascontiguousarray(cost, dtype=float),
            np.ascontiguousarray(lower, dtype=float),
            np.ascontiguousarray(upper, dtype=float),
            np.ascontiguousarray(row_lower, dtype=float),
            np.ascontiguousarray(row_upper, dtype=float),
            A.indptr.astype(np.int32),
            A.indices.astype(np.int32),
            A.data.astype(float),
            np.ascontiguousarray(integrality, dtype=np.int32),
        )
        return h

    @property
    def highs(self) -> highspy.Highs:
        """The whole model in one HiGHS instance, made on first use."""
        if self._whole is None:
            self._whole = self._new_highs(
                self.A,
                self.cost,
                self.offset,
                self.lower,
                self.upper,
                self.row_lower,
                self.row_upper,
                self.integrality,
            )
        return self._whole

    def columns_of(self, variables) -> np.ndarray:
        """Column index per variable, -1 for one that appears nowhere (it keeps its bound)."""
        return np.array([self._column_of.get(id(v), -1) for v in variables], dtype=np.int64)

    def values_of(self, outcome: SolveOutcome, columns: np.ndarray, missing: np.ndarray):
        """Values of the given columns; `missing` (same shape) stands in for absent ones."""
        if outcome.values is None:
            return None
        safe = np.where(columns >= 0, columns, 0)
        return np.where(columns >= 0, outcome.values[safe], missing)

    def set_bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        keep = columns >= 0
        cols = columns[keep].astype(np.int32)
        if len(cols):
            lo, hi = np.asarray(lower, float)[keep], np.asarray(upper, float)[keep]
            self.lower[cols], self.upper[cols] = lo, hi
            if self._whole is not None:
                self._whole.changeColsBounds(len(cols), cols, lo, hi)

    def set_costs(self, cost: np.ndarray, offset: float) -> None:
        """New objective coefficients for every column (a re-priced model): the loaded
        instances keep their bases, so the next solves start from the last solution."""
        self.cost, self.offset = np.asarray(cost, dtype=float).copy(), float(offset)
        if self._whole is not None:
            cols = np.arange(len(self.cost), dtype=np.int32)
            self._whole.changeColsCost(len(cols), cols, self.cost)
            self._whole.changeObjectiveOffset(self.offset)
        for parts in self._parts.values():
            for part in parts:
                local = self.cost[part.columns].copy()
                local[part.fixed_local] = 0.0  # counted once, outside the parts
                cols = np.arange(len(local), dtype=np.int32)
                part.highs.changeColsCost(len(cols), cols, local)

    def _set_options(self, h: highspy.Highs, relaxation, time_limit_s, rel_gap, presolve):
        h.setOptionValue("threads", self.threads)
        h.setOptionValue("time_limit", max(1.0, float(time_limit_s)))
        h.setOptionValue("solve_relaxation", bool(relaxation))
        h.setOptionValue("mip_rel_gap", float(rel_gap))
        h.setOptionValue("presolve", "on" if presolve else "off")
        h.setOptionValue("random_seed", 0)

    def _run(self, h: highspy.Highs, integer: bool, relaxation: bool) -> SolveOutcome:
        with _stdout_to_stderr():
            h.run()
        model_status = h.getModelStatus()
        if model_status == highspy.HighsModelStatus.kModelEmpty:
            return SolveOutcome("optimal", h.getInfo().objective_function_value, None, None)
        status = _STATUS.get(model_status, "error")
        info = h.getInfo()
        mip = integer and not relaxation
        dual_bound = float(info.mip_dual_bound) if mip else np.nan
        bound = dual_bound if np.isfinite(dual_bound) else None
        if status == "infeasible" or info.primal_solution_status != 2:  # 2: feasible
            return SolveOutcome(status if status != "optimal" else "error", None, bound, None)
        objective = float(info.objective_function_value)
        if not mip:
            bound = objective if status == "optimal" else None
        values = np.asarray(h.getSolution().col_value, dtype=float)
        return SolveOutcome(status, objective, bound, values)

    def solve(
        self,
        *,
        relaxation: bool,
        time_limit_s: float,
        rel_gap: float = 1e-4,
        presolve: bool = True,
    ) -> SolveOutcome:
        """The whole model in one HiGHS run."""
        use_threads(self.threads)
        h = self.highs
        self._set_options(h, relaxation, time_limit_s, rel_gap, presolve)
        out = self._run(h, bool(self.integrality.any()), relaxation)
        if out.values is None and out.status == "optimal":  # no columns at all
            out = SolveOutcome("optimal", self.offset, self.offset, np.zeros(0))
        return out

    # ---------------------------------------------------------------- fixed columns
    def _split(self, fixed: np.ndarray) -> list[_Part]:
        """The model without the fixed columns falls apart into independent blocks (here: the
        days, once the vehicle counts are fixed). Blocks are batched into parts."""
        n_rows, n_cols = self.A.shape
        is_fixed = np.zeros(n_cols, dtype=bool)
        is_fixed[fixed] = True
        free = np.nonzero(~is_fixed)[0]
        A_free = self.A[:, free].tocoo()
        graph = coo_matrix(
            (np.ones(A_free.nnz), (A_free.row, n_rows + A_free.col)),
            shape=(n_rows + len(free), n_rows + len(free)),
        )
        n_labels, labels = connected_components(graph, directed=False)
        col_label = labels[n_rows:]
        # batch whole components in order of their first column (neighbouring days together)
        first_col = np.full(n_labels, np.iinfo(np.int64).max)
        np.minimum.at(first_col, col_label, np.arange(len(free)))
        order = np.argsort(first_col, kind="stable")
        order = order[first_col[order] < np.iinfo(np.int64).max]  # row-only labels: no columns
        sizes = np.bincount(col_label, minlength=n_labels)
        batch_of = np.empty(n_labels, dtype=np.int64)
        batch, filled = 0, 0
        for label in order:
            batch_of[label] = batch
            filled += sizes[label]
            if filled >= PART_MIN_COLUMNS:
                batch, filled = batch + 1, 0
        n_batches = batch + (1 if filled else 0)
        col_batch = batch_of[col_label]
        A_csr = self.A.tocsr()
        row_of_col = A_free.row  # a row of each nonzero, to give rows to batches
        row_batch = np.full(n_rows, -1, dtype=np.int64)
        row_batch[row_of_col] = col_batch[A_free.col]
        self._fixed_only_rows = np.nonzero(row_batch < 0)[0]  # to check against the values
        parts = []
        cols_by_batch = np.argsort(col_batch, kind="stable")
        cuts = np.searchsorted(col_batch[cols_by_batch], np.arange(n_batches + 1))
        rows_by_batch = np.argsort(row_batch, kind="stable")
        row_cuts = np.searchsorted(row_batch[rows_by_batch], np.arange(n_batches + 1))
        for b in range(n_batches):
            mine = free[cols_by_batch[cuts[b] : cuts[b + 1]]]
            rows = rows_by_batch[row_cuts[b] : row_cuts[b + 1]]
            touched = np.unique(A_csr[rows][:, fixed].tocoo().col)
            fixed_here = np.asarray(fixed)[touched]
            columns = np.concatenate([mine, fixed_here])
            sub = A_csr[rows][:, columns].tocsc()
            cost = self.cost[columns].copy()
            cost[len(mine) :] = 0.0  # counted once, outside the parts
            h = self._new_highs(
                sub,
                cost,
                0.0,
                self.lower[columns],
                self.upper[columns],
                self.row_lower[rows],
                self.row_upper[rows],
                self.integrality[columns],
            )
            local = np.arange(len(mine), len(columns), dtype=np.int32)
            parts.append(_Part(columns, local, fixed_here, h))
        return parts

    def solve_fixed(
        self,
        fixed: np.ndarray,
        values,
        *,
        relaxation: bool,
        time_limit_s: float,
        rel_gap: float = 1e-4,
        presolve: bool = True,
    ) -> SolveOutcome:
        """Fix the given columns to the given values and solve the rest part by part.

        The result is that of the whole model with those columns fixed: part objectives and
        bounds add up (with a per-part gap of `rel_gap`, so does the total's)."""
        started = time.monotonic()
        use_threads(self.threads)
        fixed = np.asarray(fixed, dtype=np.int64)
        keep = fixed >= 0
        fixed, values = fixed[keep], np.asarray(values, dtype=float)[keep]
        key = tuple(fixed.tolist())
        if key not in self._parts:
            self._parts[key] = self._split(fixed)
            self._fixed_only[key] = self._fixed_only_rows
        x = np.where(self.cost >= 0, self.lower, self.upper)  # columns in no row
        x = np.where(np.isfinite(x), x, 0.0)
        x[fixed] = values
        rows = self._fixed_only[key]
        if len(rows):
            activity = self.A[rows][:, fixed] @ values
            lo, hi = self.row_lower[rows], self.row_upper[rows]
            if np.any(activity < lo - 1e-9) or np.any(activity > hi + 1e-9):
                return SolveOutcome("infeasible", None, None, None)
        objective = self.offset + float(self.cost[fixed] @ values)
        bound = objective
        in_parts = np.zeros(len(x), dtype=bool)
        statuses = []
        integer = bool(self.integrality.any())
        parts = self._parts[key]
        position = {c: i for i, c in enumerate(fixed.tolist())}
        part_lp, lp_ok = np.zeros(len(parts)), True
        slopes = np.zeros((len(parts), len(fixed)))
        for index, part in enumerate(parts):
            h = part.highs
            where = np.array([position[c] for c in part.fixed_global.tolist()], dtype=np.int64)
            part_values = values[where]
            if len(part.fixed_local):
                h.changeColsBounds(
                    len(part.fixed_local), part.fixed_local, part_values, part_values
                )
            left = time_limit_s - (time.monotonic() - started)
            self._set_options(h, True, left, rel_gap, presolve)
            got = self._run(h, integer, True)
            if got.status == "optimal" and got.values is not None:
                part_lp[index] = got.objective
                duals = np.asarray(h.getSolution().col_dual, dtype=float)
                slopes[index, where] = duals[part.fixed_local]
            else:
                lp_ok = False
            if not relaxation and integer and got.values is not None:
                # an integral LP optimum is the part's MIP optimum; else branch on this part
                frac = np.abs(got.values - np.round(got.values)) > 1e-6
                if np.any(frac & (self.integrality[part.columns] == 1)):
                    left = time_limit_s - (time.monotonic() - started)
                    self._set_options(h, False, left, rel_gap, presolve)
                    got = self._run(h, integer, False)
            statuses.append(got.status)
            if got.values is None:
                return SolveOutcome(
                    got.status if got.status != "optimal" else "error", None, None, None
                )
            x[part.columns] = got.values
            in_parts[part.columns] = True
            objective += got.objective
            bound = None if bound is None or got.bound is None else bound + got.bound
        # free columns in no row sit at their cheaper bound
        loose = ~in_parts
        loose[fixed] = False
        loose_cost = float(self.cost[loose] @ x[loose])
        objective += loose_cost
        if bound is not None:
            bound += loose_cost
        cuts = None
        if lp_ok:
            cuts = PartCuts(values.copy(), part_lp, slopes, self.offset + loose_cost)
        status = "optimal"
        for worst in ("infeasible", "error", "time_limit"):
            if worst in statuses:
                status = worst
                break
        return SolveOutcome(status, objective, bound, x, cuts)

    def part_count(self, fixed: np.ndarray) -> int:
        """How many independent parts the model has once `fixed` columns are fixed."""
        fixed = np.asarray(fixed, dtype=np.int64)
        fixed = fixed[fixed >= 0]
        key = tuple(fixed.tolist())
        if key not in self._parts:
            self._parts[key] = self._split(fixed)
            self._fixed_only[key] = self._fixed_only_rows
        return len(self._parts[key])
