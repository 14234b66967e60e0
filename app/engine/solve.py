"""Solve one pool: shrink groups to classes, chunk by days, call HiGHS, never raise.

Day chunks (exact, with proof): a pool's cost is the fixed cost of the counts plus, per
day, the cost of serving that day's blocks with those counts. Every day costs at least its
*unconstrained* cost (each block on its cheapest eligible class, or left to own cars). So we
solve the MILP only for the days where capacity can bite and charge the other days their
unconstrained cost: that is a lower bound. If, with the counts found, those other days can
really be served that way (their cheapest choices plus the model's choices never exceed a
count at any moment), the bound is attained and the solution is optimal for the whole
period. Otherwise the offending days join the model and we solve again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pyomo.environ as pyo

from app.engine.decompose import solve_by_days
from app.engine.gcpause import cyclic_gc_paused
from app.engine.highs_direct import DirectHighs, SolveOutcome
from app.engine.model import ModelData, build_model
from app.engine.parameters import Parameters
from app.engine.prepare import (
    Group,
    PoolData,
    clique_membership,
    max_overlap,
    maximal_overlap_points,
    overlap_profile,
)
from app.engine.types import VehicleType

FUEL_NONE = "none"


# --------------------------------------------------------------------------- classes
@dataclass(slots=True)
class Classes:
    """Interchangeable groups merged into solve classes, with costs at one CO2 price."""

    members: list[list[int]]  # class -> group indices (current groups first)
    fixed_dkk: np.ndarray
    per_km_dkk: np.ndarray  # energy + priced CO2e, objective per km
    energy_per_km_dkk: np.ndarray
    co2e_per_km_kg: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    eligible: np.ndarray  # (blocks, classes)
    served_dkk: np.ndarray  # (blocks, classes) objective cost, scaled to a year
    unserved_dkk: np.ndarray  # (blocks,)
    useful: np.ndarray  # (blocks, classes): eligible and worth more than own cars
    km_allowance: np.ndarray | None = None  # (classes,) yearly km per vehicle, inf = none


def per_km_cost(group: Group, params: Parameters, co2_price: float) -> float:
    fuel = group.fuel.value
    price = params.energy_price_dkk_per_unit.get(fuel, 0.0)
    factor = params.emission_kg_per_unit.get(fuel, 0.0)
    return group.unit_per_km * (price + co2_price * factor / 1000.0)


def unserved_cost(pool: PoolData, params: Parameters, co2_price: float, scale: float):
    own = params.own_car.allowance_dkk_per_km + co2_price * params.own_car_co2e_kg_per_km / 1000.0
    return scale * (pool.blocks.km * own + pool.blocks.trips * params.unserved.penalty_dkk_per_trip)


def _dominates(h: Group, c: Group, elig_h: np.ndarray, elig_c: np.ndarray) -> bool:
    if h.km_allowance is not None and (c.km_allowance is None or h.km_allowance < c.km_allowance):
        return False
    if h.type == VehicleType.EV and not (
        c.type == VehicleType.EV
        and h.derated_range_km >= c.derated_range_km
        and h.wh_per_km <= c.wh_per_km
    ):
        return False
    return not np.any(elig_c & ~elig_h)


def make_classes(
    pool: PoolData,
    params: Parameters,
    co2_price: float,
    scale: float,
    fixed_counts: list[int] | None,
    rules_need_all_pairs: bool,
    dominance: bool = True,
    km_price: np.ndarray | None = None,
) -> Classes:
    """`km_price` (per class, DKK per km a year; Lagrangian prices of the km allowances)
    is added to the per-km cost of a class with an allowance and its allowance's worth
    (price x allowance) taken off its fixed cost."""
    groups = pool.groups
    by_key: dict[tuple, list[int]] = {}
    for i, g in enumerate(groups):
        by_key.setdefault(g.energy_key(), []).append(i)
    members = sorted(
        (sorted(ix, key=lambda i: (groups[i].candidate, groups[i].gid)) for ix in by_key.values()),
        key=lambda ix: groups[ix[0]].gid,
    )
    n = len(members)
    rep = [groups[ix[0]] for ix in members]
    eligible = (
        pool.eligible[:, [ix[0] for ix in members]] if n else np.zeros((len(pool.blocks), 0), bool)
    )
    fixed = np.array([g.fixed_dkk for g in rep], dtype=float)
    per_km = np.array([per_km_cost(g, params, co2_price) for g in rep], dtype=float)
    allowance = np.array(
        [np.inf if g.km_allowance is None else float(g.km_allowance) for g in rep], dtype=float
    ).reshape(n)
    if km_price is not None:
        priced = np.isfinite(allowance) & (km_price > 0)
        per_km = per_km + np.where(priced, km_price, 0.0)
        fixed = fixed - np.where(priced, km_price * np.where(priced, allowance, 0.0), 0.0)
    if fixed_counts is not None:
        lower = np.array([sum(fixed_counts[i] for i in ix) for ix in members], dtype=np.int64)
        upper = lower.copy()
    else:
        lower = np.array([sum(groups[i].locked for i in ix) for ix in members], dtype=np.int64)
        need = np.array(
            [max_overlap(pool.blocks.start[e], pool.blocks.end[e]) for e in eligible.T],
            dtype=np.int64,
        ).reshape(n)
        # with a km allowance, more vehicles than ever overlap can spread the km: as many
        # as it takes to drive every eligible block within the allowances
        for c in np.nonzero(np.isfinite(allowance))[0]:
            km_year = scale * float(pool.blocks.km[eligible[:, c]].sum())
            need[c] = max(need[c], int(np.ceil(km_year / allowance[c] - 1e-9)))
        upper = np.empty(n, dtype=np.int64)
        for c, ix in enumerate(members):
            caps = [groups[i].upper for i in ix]
            cap = None if any(x is None for x in caps) else sum(caps)
            # more vehicles than the class could ever use at once never help
            upper[c] = max(lower[c], need[c] if cap is None else min(cap, need[c]))
        # dominance: a class beaten on eligibility, fixed and per-km cost by an unlimited
        # class keeps only its locked vehicles
        unlimited = [all(groups[i].upper is None for i in ix) for ix in members]
        for c in range(n if dominance else 0):
            for h in range(n):
                if h == c or not unlimited[h] or upper[c] == lower[c]:
                    continue
                if (
                    fixed[h] <= fixed[c]
                    and per_km[h] <= per_km[c]
                    and (fixed[h], per_km[h]) != (fixed[c], per_km[c])
                    and _dominates(rep[h], rep[c], eligible[:, h], eligible[:, c])
                ):
                    upper[c] = lower[c]
    served = scale * np.outer(pool.blocks.km, per_km)
    unserved = unserved_cost(pool, params, co2_price, scale)
    useful = eligible & (upper > 0)[None, :]
    if not rules_need_all_pairs:
        # own cars are always available and need no capacity: dearer pairs never help
        useful &= (served < unserved[:, None]) | pool.must_serve[:, None]
    energy = np.array([per_km_cost(g, params, 0.0) for g in rep], dtype=float)
    co2e = np.array(
        [g.unit_per_km * params.emission_kg_per_unit.get(g.fuel.value, 0.0) for g in rep],
        dtype=float,
    )
    return Classes(
        members,
        fixed,
        per_km,
        energy,
        co2e,
        lower,
        upper,
        eligible,
        served,
        unserved,
        useful,
        allowance,
    )


# --------------------------------------------------------------------------- HiGHS
@dataclass(slots=True)
class HighsOutcome:
    status: str  # optimal | time_limit | infeasible | error
    objective: float | None
    bound: float | None
    counts: np.ndarray | None
    assign: np.ndarray | None


@dataclass(slots=True)
class LoadedModel:
    """A Pyomo model loaded into HiGHS, with the columns of its count and assign variables."""

    model: pyo.ConcreteModel
    solver: DirectHighs
    count_cols: np.ndarray
    assign_cols: np.ndarray
    count_lower: np.ndarray
    count_upper: np.ndarray
    overage_cols: np.ndarray | None = None  # priced km over the allowances
    data: ModelData | None = None  # what the model was built from
    km_rows: bool = False  # it holds km allowance rows

    @classmethod
    def build(cls, data: ModelData, threads: int) -> tuple[pyo.ConcreteModel, LoadedModel | None]:
        """The Pyomo model of `data` and, unless it is trivially infeasible or has nothing to
        assign, the model loaded into HiGHS. The cyclic garbage collector pauses meanwhile:
        it would otherwise scan the model's million objects again and again (half the time)."""
        with cyclic_gc_paused():
            m = build_model(data)
            if m.trivially_infeasible or len(data.pair_block) == 0:
                return m, None
            loaded = cls.load(m, threads)
            loaded.data = data
            loaded.km_rows = hasattr(m, "km_allowance") and len(m.KM_CLASSES) > 0
            return m, loaded

    @classmethod
    def load(cls, m: pyo.ConcreteModel, threads: int) -> LoadedModel:
        solver = DirectHighs(m, threads)
        counts = [m.count[c] for c in m.CLASSES]
        overage = list(m.overage.values()) if hasattr(m, "overage") else []
        return cls(
            m,
            solver,
            solver.columns_of(counts),
            solver.columns_of([m.assign[k] for k in m.PAIRS]),
            np.array([v.lb or 0 for v in counts], dtype=float),
            np.array([np.inf if v.ub is None else v.ub for v in counts], dtype=float),
            solver.columns_of(overage) if overage else None,
        )

    def read(self, outcome: SolveOutcome) -> tuple[np.ndarray, np.ndarray]:
        """Counts and assignments of an outcome; a variable HiGHS never saw (it appears in no
        row and costs nothing) stays at its lower bound."""
        counts = self.solver.values_of(outcome, self.count_cols, self.count_lower)
        assign = self.solver.values_of(outcome, self.assign_cols, np.zeros(len(self.assign_cols)))
        return counts, assign

    def reprice(self, data: ModelData) -> bool:
        """Load the objective of `data` (same pairs and classes, other prices) as
        `model.add_costs` would write it; False if a column it needs is not in the model
        (a variable that had no cost and no row when the model was compiled)."""
        saving = data.pair_cost_dkk - data.block_unserved_dkk[data.pair_block]
        constant = float(data.block_unserved_dkk.sum()) + data.constant_dkk
        missing_pairs = (self.assign_cols < 0) & (saving != 0)
        missing_counts = (self.count_cols < 0) & (data.class_fixed_dkk != 0)
        if missing_pairs.any() or missing_counts.any():
            return False
        cost = np.zeros(len(self.solver.columns))
        cost[self.count_cols[self.count_cols >= 0]] = data.class_fixed_dkk[self.count_cols >= 0]
        cost[self.assign_cols[self.assign_cols >= 0]] = saving[self.assign_cols >= 0]
        if self.overage_cols is not None:
            cost[self.overage_cols[self.overage_cols >= 0]] = data.overage_dkk_per_km
        self.solver.set_costs(cost, constant)
        return True

    def solve_with_counts(self, values, **options) -> SolveOutcome:
        """With the counts fixed the days are independent: solved part by part."""
        return self.solver.solve_fixed(self.count_cols, values, **options)


COUNT_SEARCH_MAX_SOLVES = 40
# the share of the time left that the whole-pool solve with km allowance rows may take
KM_ROWS_TIME_SHARE = 0.5
# from this size on, a model with free counts is solved day by day (Benders, decompose.py)
BY_DAYS_MIN_PAIRS = 20_000


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.abs(values - np.round(values)) <= 1e-6))


def _with_counts_rounded_up(
    loaded: LoadedModel, params: Parameters, lp_counts, lp_objective, time_left_s
):
    """Round the LP's fractional counts up, fix them and solve the LP again: with the counts
    fixed it is very often integral. Then move one count at a time by one (a local search
    over the few count variables, each step an LP re-solve from the previous basis) while
    that lowers the cost. If the best plan found is within `rel_gap` of the first LP's
    objective (a lower bound of the MIP), it is proven good enough; otherwise None."""
    started = time.monotonic()
    lower = [round(v) for v in loaded.count_lower]
    upper = [None if not np.isfinite(v) else round(v) for v in loaded.count_upper]

    single_point = all(hi is not None and lo == hi for lo, hi in zip(lower, upper, strict=True))
    final: list[tuple[str, float]] = []

    def evaluate(values: list[int], milp: bool = False):
        if not milp:
            got = loaded.solve_with_counts(
                values,
                relaxation=True,
                time_limit_s=time_left_s - (time.monotonic() - started),
            )
            if got.status != "optimal" or got.objective is None:
                return None
            _, assign = loaded.read(got)
            return (got.objective, assign > 0.5) if _integral(assign) else None
        # the counts are fixed: the MIP only places blocks, day by day, and only the days
        # whose LP is fractional branch; when the counts may vary, keep time for the full
        # MIP should this not prove enough
        remaining = time_left_s - (time.monotonic() - started)
        got = loaded.solve_with_counts(
            values,
            relaxation=False,
            time_limit_s=remaining if single_point else remaining / 3,
            rel_gap=params.solver.rel_gap / 2,
            presolve=False,
        )
        if got.objective is None:
            return None
        _, assign = loaded.read(got)
        if single_point:
            # no other counts are allowed: this MIP is the whole problem
            bound = got.bound if got.bound is not None else lp_objective
            final.append((got.status, max(float(bound), lp_objective)))
        return got.objective, assign > 0.5

    def gap(objective: float) -> float:
        return (objective - lp_objective) / max(abs(objective), 1e-9)

    current = [
        min(hi if hi is not None else np.inf, max(lo, int(np.ceil(value - 1e-6))))
        for value, lo, hi in zip(lp_counts.tolist(), lower, upper, strict=True)
    ]
    current = [int(v) for v in current]
    best = evaluate(current, milp=True)
    if best is None:
        return None
    if final:
        status, bound = final[0]
        status = status if status in ("optimal", "time_limit") else "time_limit"
        counts = np.array(current, dtype=np.int64)
        return HighsOutcome(status, best[0], min(bound, best[0]), counts, best[1])
    solves = 1
    while gap(best[0]) > params.solver.rel_gap:
        improved = False
        for c in range(len(current)):
            for step in (-1, 1):
                value = current[c] + step
                if value < lower[c] or (upper[c] is not None and value > upper[c]):
                    continue
                if solves >= COUNT_SEARCH_MAX_SOLVES or time.monotonic() - started > (
                    time_left_s / 2
                ):
                    return None
                trial = current.copy()
                trial[c] = value
                got = evaluate(trial)
                solves += 1
                if got is not None and got[0] < best[0] - 1e-6:
                    best, current, improved = got, trial, True
                    break
            if improved:
                break
        if not improved:
            return None
    return HighsOutcome(
        "optimal", best[0], lp_objective, np.array(current, dtype=np.int64), best[1]
    )


def run_highs(
    loaded: LoadedModel,
    params: Parameters,
    time_limit_s: float,
    start_counts: np.ndarray | None = None,
) -> HighsOutcome:
    """Solve a loaded model; a non-optimal end is a status, not an exception.

    The LP relaxation is solved first: on these interval models it is very often integral,
    and then it is the proven optimum (bound = objective) at a fraction of the MIP's cost.
    HiGHS' MIP presolve is switched off: measured on a 94k-binary pool it spent 67 s before
    the root node, while the whole solve without it took 10 s.
    """
    started = time.monotonic()
    solver = loaded.solver
    if len(loaded.count_cols) + len(loaded.assign_cols) == 0:
        return HighsOutcome("optimal", 0.0, 0.0, None, None)  # nothing to decide
    if np.array_equal(loaded.count_lower, loaded.count_upper):  # a simulation: days apart
        lp = loaded.solve_with_counts(
            loaded.count_lower, relaxation=True, time_limit_s=time_limit_s
        )
    else:
        if len(loaded.assign_cols) >= BY_DAYS_MIN_PAIRS:
            by_days = solve_by_days(
                loaded, params.solver.rel_gap, time_limit_s, start_counts=start_counts
            )
            if by_days is not None:
                return by_days
        lp = solver.solve(
            relaxation=True, time_limit_s=float(time_limit_s) - (time.monotonic() - started)
        )
    if lp.status == "infeasible":
        return HighsOutcome("infeasible", None, None, None, None)
    if lp.status == "optimal" and lp.objective is not None:
        counts, assign = loaded.read(lp)
        if _integral(counts) and _integral(assign):
            counts = np.round(counts).astype(np.int64)
            return HighsOutcome("optimal", lp.objective, lp.objective, counts, assign > 0.5)
        rounded = _with_counts_rounded_up(
            loaded,
            params,
            counts,
            lp.objective,
            float(time_limit_s) - (time.monotonic() - started),
        )
        if rounded is not None:
            return rounded
    got = solver.solve(
        relaxation=False,
        time_limit_s=float(time_limit_s) - (time.monotonic() - started),
        rel_gap=params.solver.rel_gap,
        presolve=False,
    )
    if got.objective is None:
        status = got.status if got.status != "optimal" else "error"
        return HighsOutcome(status, None, got.bound, None, None)
    counts, assign = loaded.read(got)
    return HighsOutcome(
        got.status, got.objective, got.bound, np.round(counts).astype(np.int64), assign > 0.5
    )


# --------------------------------------------------------------------------- EV energy
def energy_conflicts(
    pool: PoolData,
    cl: Classes,
    params: Parameters,
    model_blocks: np.ndarray,
    pair_b: np.ndarray,
    pair_c: np.ndarray,
) -> np.ndarray:
    """Pairs of assignments (k1, k2) to one EV class that no single vehicle can drive.

    Blocks b1 before b2 (not overlapping) conflict when km1 + km2 exceeds the derated range
    plus the most the stop between them can recharge (nothing if it is shorter than the
    minimum charging time). Trips in between only make it worse, so the conflict is valid
    for every plan. One of the two must be longer than half the range, so only long blocks
    are scanned. Multi-trip blocks are left to the plan check (their own stops recharge).
    """
    blocks = pool.blocks
    out: list[tuple[int, int]] = []
    min_stop_s = params.ev.min_charging_minutes * 60.0
    changeover_s = params.changeover_minutes * 60.0
    for c, members in enumerate(cl.members):
        group = pool.groups[members[0]]
        if group.type != VehicleType.EV or cl.upper[c] == 0:
            continue
        capacity = float(group.derated_range_km)
        km_per_s = params.ev.charger_kw * 1000.0 / float(group.wh_per_km) / 3600.0
        mine = np.nonzero(pair_c == c)[0]  # pair indices of this class
        b_of = model_blocks[pair_b[mine]]
        single = blocks.trips[b_of] == 1
        mine, b_of = mine[single], b_of[single]
        if len(mine) < 2:
            continue
        order = np.argsort(blocks.start[b_of], kind="stable")
        mine, b_of = mine[order], b_of[order]
        km = blocks.km[b_of]
        start = blocks.start[b_of]
        trip_end = blocks.end[b_of] - changeover_s  # the trip's own end
        window = min_stop_s + capacity / km_per_s  # farther apart: a full recharge fits
        longest = float((trip_end - start).max())  # a partner may start this long before
        for i in np.nonzero(km > capacity / 2.0)[0]:
            lo = np.searchsorted(start, start[i] - window - longest, "left")
            hi = np.searchsorted(start, trip_end[i] + window, "right")
            for j in range(lo, hi):
                if j == i or (km[j] > capacity / 2.0 and j < i):
                    continue  # each long-long pair once
                first, second = (i, j) if start[i] <= start[j] else (j, i)
                if blocks.end[b_of[first]] > start[second]:
                    continue  # they overlap: the capacity rows already separate them
                stop = start[second] - trip_end[first]
                recharge = stop * km_per_s if stop >= min_stop_s else 0.0
                if km[first] + km[second] > capacity + recharge + 1e-6:
                    out.append((int(mine[first]), int(mine[second])))
    return np.array(sorted(set(out)), dtype=np.int64).reshape(-1, 2)


# --------------------------------------------------------------------------- presolve
REDUCE_ROUNDS = 20


def _energy_sensitive(pool: PoolData, cl: Classes) -> np.ndarray:
    """EV classes whose battery rows or chain cuts may bind (fewer than two vehicles sure)."""
    return np.array(
        [
            pool.groups[members[0]].type == VehicleType.EV and cl.lower[c] < 2
            for c, members in enumerate(cl.members)
        ],
        dtype=bool,
    ).reshape(len(cl.members))


def _free_pairs(
    start: np.ndarray,
    end: np.ndarray,
    pair_b: np.ndarray,
    pair_c: np.ndarray,
    committed: np.ndarray,
    lower: np.ndarray,
) -> np.ndarray:
    """Pairs in no capacity row that can bind: at every maximal overlap point they touch,
    the class's candidate blocks (plus the blocks already committed to it) number at most
    its guaranteed count, so the pair can be used whatever else the class does."""
    free = np.zeros(len(pair_b), dtype=bool)
    for c in range(len(lower)):
        mine = np.nonzero(pair_c == c)[0]
        if len(mine) == 0:
            continue
        held = np.nonzero(committed == c)[0]
        blocks = np.concatenate([pair_b[mine], held])
        s, e = start[blocks], end[blocks]
        points = maximal_overlap_points(s, e)
        lo, hi = clique_membership(s, e, points)
        delta = np.zeros(len(points) + 1, dtype=np.int64)
        np.add.at(delta, lo, 1)
        np.add.at(delta, hi, -1)
        binding = np.cumsum(delta)[: len(points)] > lower[c]
        prefix = np.concatenate([[0], np.cumsum(binding)])
        n = len(mine)
        free[mine] = prefix[hi[:n]] == prefix[lo[:n]]
    return free


def reduce_model(
    start: np.ndarray,
    end: np.ndarray,
    own_cost: np.ndarray,
    pair_b: np.ndarray,
    pair_c: np.ndarray,
    pair_cost: np.ndarray,
    lower: np.ndarray,
    sensitive: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact shrinking before the model is built. A block whose cheapest option is free (own
    car, or a pair in no binding capacity row) is committed to it: any plan can move it there
    without cost or conflict. Pairs dearer than a block's best free option are dropped. This
    repeats, since each round removes candidates from the rows.

    Returns (committed class per block: -2 still open, -1 own car, else the class; kept pairs
    mask). Committed blocks never touch a binding row, so the remaining model needs no
    offsets: at any moment a committed block is active the class's rows cannot bind.
    """
    n_blocks = len(start)
    committed = np.full(n_blocks, -2, dtype=np.int64)
    keep = np.ones(len(pair_b), dtype=bool)
    for _ in range(REDUCE_ROUNDS):
        idx = np.nonzero(keep)[0]
        pb, pc, cost = pair_b[idx], pair_c[idx], pair_cost[idx]
        free = _free_pairs(start, end, pb, pc, committed, lower) & ~sensitive[pc]
        best = own_cost.copy()
        np.minimum.at(best, pb, cost)
        free_cost = np.where(free, cost, np.inf)
        best_free = own_cost.copy()
        np.minimum.at(best_free, pb, free_cost)
        has_pairs = np.zeros(n_blocks, dtype=bool)
        has_pairs[pb] = True
        open_ = committed == -2
        # the chosen free pair of each block (the first among equals), if not the own car
        is_best_free = free & (free_cost <= best_free[pb]) & (free_cost < own_cost[pb])
        first_free = np.full(n_blocks, -1, dtype=np.int64)
        cand = np.nonzero(is_best_free)[0][::-1]
        first_free[pb[cand]] = cand
        commit = open_ & has_pairs & (best_free <= best)
        # own car wins ties (it needs no capacity at all)
        use_pair = commit & (best_free < own_cost) & (first_free >= 0)
        committed[commit] = -1
        committed[use_pair] = pc[first_free[use_pair]]
        drop = commit[pb] | ((cost >= best_free[pb]) & (np.arange(len(pb)) != first_free[pb]))
        if not drop.any():
            break
        keep[idx[drop]] = False
    # blocks left without any pair go to their only option: the own car
    has_pairs = np.zeros(n_blocks, dtype=bool)
    has_pairs[pair_b[keep]] = True
    committed[(committed == -2) & ~has_pairs] = -1
    return committed, keep


# --------------------------------------------------------------------------- one pool
@dataclass(slots=True)
class PoolCaps:
    co2e_cap_t: float | None = None  # yearly
    money_cap_dkk: float | None = None  # yearly: fixed + energy + allowance


def _add_cap_data(data, pool, cl, params, scale, model_blocks, pair_b, pair_c, caps) -> None:
    km = pool.blocks.km[model_blocks]
    own_kg = params.own_car_co2e_kg_per_km
    data.co2e_cap_t = caps.co2e_cap_t
    data.money_cap_dkk = caps.money_cap_dkk
    data.pair_co2e_t = scale * km[pair_b] * cl.co2e_per_km_kg[pair_c] / 1000.0
    data.block_unserved_co2e_t = scale * km * own_kg / 1000.0
    data.pair_money_dkk = scale * km[pair_b] * cl.energy_per_km_dkk[pair_c]
    data.block_unserved_money_dkk = scale * km * params.own_car.allowance_dkk_per_km


@dataclass(slots=True)
class PoolOutcome:
    status: str
    objective: float | None = None  # model objective (before plan repair)
    bound: float | None = None
    counts: np.ndarray | None = None  # per class
    block_class: np.ndarray | None = None  # per block, -1 = own car
    message: str = ""
    solves: int = 0
    days_in_model: int = 0
    km_rows: bool = False  # solved again whole with the km allowance rows
    timings: dict[str, float] = field(default_factory=dict)


def cheapest_choice(cl: Classes, must_serve: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block: the cheapest useful class (-1 = own car) and that cost (no capacity)."""
    costs = np.where(cl.useful, cl.served_dkk, np.inf)
    if costs.shape[1]:
        best = np.argmin(costs, axis=1)
        best_cost = costs[np.arange(len(best)), best]
    else:
        best = np.full(len(must_serve), -1)
        best_cost = np.full(len(must_serve), np.inf)
    own = np.where(must_serve, np.inf, cl.unserved_dkk)
    take_own = own <= best_cost
    return np.where(take_own, -1, best), np.where(take_own, own, best_cost)


def _over_capacity_days(
    pool: PoolData, block_class: np.ndarray, counts: np.ndarray, in_model: np.ndarray
) -> np.ndarray:
    """Days (outside the model) of blocks active where a class's count is exceeded."""
    days: list[np.ndarray] = []
    blocks = pool.blocks
    for c in range(len(counts)):
        mine = np.nonzero(block_class == c)[0]
        if len(mine) == 0:
            continue
        times, active = overlap_profile(blocks.start[mine], blocks.end[mine])
        over = active > counts[c]
        if not over.any():
            continue
        points = np.unique(times[over])
        outside = mine[~in_model[mine]]
        lo = np.searchsorted(points, blocks.start[outside], "left")
        hi = np.searchsorted(points, blocks.end[outside], "left")
        days.append(blocks.day[outside[hi > lo]])
    return np.unique(np.concatenate(days)) if days else np.zeros(0, dtype=np.int64)


def daily_peaks(pool: PoolData, mine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(days, largest overlap of the blocks `mine` starting on that day)."""
    blocks = pool.blocks
    times = np.concatenate([blocks.start[mine], blocks.end[mine]])
    delta = np.concatenate([np.ones(len(mine), np.int64), -np.ones(len(mine), np.int64)])
    owner_day = np.concatenate([blocks.day[mine], blocks.day[mine]])
    order = np.lexsort((delta, times))  # ends before starts at equal times
    active = np.cumsum(delta[order])
    is_start = delta[order] > 0  # the overlap peaks right after a start
    days, inverse = np.unique(owner_day[order][is_start], return_inverse=True)
    peak = np.zeros(len(days), dtype=np.int64)
    np.maximum.at(peak, inverse, active[is_start])
    return days, peak


def _initial_days(pool: PoolData, greedy: np.ndarray, cl: Classes, fixed: bool) -> np.ndarray:
    """Days where capacity is likely to bite: each class's busiest days under greedy."""
    chosen: list[np.ndarray] = []
    for c in range(len(cl.members)):
        mine = np.nonzero(greedy == c)[0]
        if len(mine) == 0:
            continue
        days, peak = daily_peaks(pool, mine)
        if fixed:
            chosen.append(days[peak > cl.upper[c]])
        else:
            chosen.append(days[np.argsort(-peak, kind="stable")[:2]])
    return np.unique(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


ENERGY_ROW_ROUNDS = 10
ENERGY_CUT_MAX_PAIRS = 20_000


def _violated_conflicts(conflicts: np.ndarray, data: ModelData, result) -> list[np.ndarray]:
    if len(conflicts) == 0 or result.assign is None or result.counts is None:
        return []
    both = result.assign[conflicts[:, 0]] & result.assign[conflicts[:, 1]]
    few = result.counts[data.pair_class[conflicts[:, 0]]] < 2
    return list(conflicts[both & few])


def _chain_cuts(
    pool: PoolData,
    cl: Classes,
    params: Parameters,
    trips,
    model_blocks: np.ndarray,
    pair_b: np.ndarray,
    pair_c: np.ndarray,
    result,
) -> list[np.ndarray]:
    """For EV classes with one vehicle: if the blocks the model gave it cannot be driven in
    a row, a minimal such run of blocks (found by dropping blocks while it still fails)."""
    from app.engine.plan import EvRule, ev_drive

    if result.assign is None or result.counts is None or trips is None:
        return []
    n_classes = len(cl.members)
    pairs = zip(pair_b.tolist(), pair_c.tolist(), strict=True)
    pair_of = {(int(model_blocks[b]), c): k for k, (b, c) in enumerate(pairs)}
    cuts = []
    blocks = pool.blocks
    for c in range(n_classes):
        rule = EvRule.of(pool.groups[cl.members[c][0]], params)
        if rule is None or result.counts[c] != 1:
            continue
        chosen = sorted(
            int(model_blocks[pair_b[k]]) for k in np.nonzero(result.assign & (pair_c == c))[0]
        )

        def runs(sequence: list[int], rule=rule) -> bool:
            members = [blocks.trip_order[blocks.ptr[b] : blocks.ptr[b + 1]] for b in sequence]
            flat = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
            return ev_drive(trips, flat, rule, rule.capacity_km, None) is not None

        if runs(chosen):
            continue
        # the shortest failing prefix, then drop blocks that are not needed for the failure
        lo, hi = 1, len(chosen)
        while lo < hi:
            mid = (lo + hi) // 2
            if runs(chosen[:mid]):
                lo = mid + 1
            else:
                hi = mid
        failing = chosen[:lo]
        for b in list(failing[:-1]):
            trial = [x for x in failing if x != b]
            if not runs(trial):
                failing = trial
        if len(failing) >= 2:
            cuts.append(np.array([pair_of[(b, c)] for b in failing], dtype=np.int64))
    return cuts


def _long_ev_blocks(pool: PoolData, cl: Classes, choice: np.ndarray) -> np.ndarray:
    """Blocks given to an EV class that are longer than half its derated range (only such
    blocks can take part in an energy conflict)."""
    out = np.zeros(len(pool.blocks), dtype=bool)
    for c, members in enumerate(cl.members):
        group = pool.groups[members[0]]
        if group.type == VehicleType.EV:
            out |= (choice == c) & (pool.blocks.km > group.derated_range_km / 2.0)
    return out


def solve_pool(
    pool: PoolData,
    params: Parameters,
    co2_price: float,
    scale: float,
    fixed_counts: list[int] | None,
    deadline: float,
    check_cancel: Callable[[], None],
    on_solve: Callable[[float | None], None] | None = None,
    caps: PoolCaps | None = None,
    forbidden: np.ndarray | None = None,
    trips=None,
) -> tuple[PoolOutcome, Classes]:
    """The cheapest counts and assignment for one pool at one CO2 price.

    `caps` adds a CO2e or money cap (then all days are in one model); `forbidden` marks
    (block, class) pairs the plan found impossible (EV energy) so a re-solve avoids them.
    Km allowances: checked on the solution without them; if they bind, a pool of up to
    KM_WHOLE_MAX_BLOCKS blocks is solved again whole with the km rows (exact), a bigger one
    by pricing km per class (`_km_prices`, the days stay apart).
    """
    args = (pool, params, co2_price, scale, fixed_counts, deadline, check_cancel, on_solve)
    whole = len(pool.blocks) <= KM_WHOLE_MAX_BLOCKS
    outcome, cl = _solve_pool(*args, caps, forbidden, trips, km_whole=whole)
    if whole or outcome.objective is None or outcome.counts is None:
        return outcome, cl
    if not km_over_allowance(pool, cl, outcome.block_class, outcome.counts, scale).any():
        return outcome, cl
    return _km_prices(args, caps, forbidden, trips, outcome, cl)


# pools up to this many blocks solve binding km allowances whole (exact); bigger ones price
KM_WHOLE_MAX_BLOCKS = 3000
KM_PRICE_ROUNDS = 8


def _km_prices(args, caps, forbidden, trips, first: PoolOutcome, base: Classes):
    """Binding km allowances of a big pool by a Lagrangian price per km and class: at
    prices λ ≥ 0 (at most the overage price when priced) the pool is solved as without
    allowances, with λ per km a year on the class's km and λ x allowance off its fixed
    cost. Each solve's bound is a lower bound of the pool with its allowances; the price of
    a class whose km exceed allowance x count goes up (doubling, then bisecting), of one
    with room down. The best solution keeping every class within (or, priced, the cheapest
    with its overage) is returned with the best bound; the plan then keeps each vehicle."""
    pool, params, co2_price, scale, fixed_counts, deadline, check_cancel, on_solve = args
    allowance = base.km_allowance
    limited = np.isfinite(allowance)
    cap = params.allowance.overage_dkk_per_km
    ceiling = np.inf if cap is None else float(cap)
    own = params.own_car.allowance_dkk_per_km
    rel_gap = params.solver.rel_gap
    lam = np.zeros(len(allowance))
    low, high = np.zeros(len(allowance)), np.full(len(allowance), np.inf)
    timings = dict(first.timings)
    best: tuple[float, PoolOutcome] | None = None
    bound = first.bound
    outcome = first

    def excess(out: PoolOutcome) -> np.ndarray:
        on = out.block_class >= 0
        km = np.zeros(len(allowance))
        np.add.at(km, out.block_class[on], pool.blocks.km[on])
        room = np.where(limited, allowance, 0.0) * out.counts
        return np.where(limited, scale * km - room, 0.0)  # 0 for classes without one

    for _ in range(KM_PRICE_ROUNDS + 1):
        over = excess(outcome)
        # the objective without the prices, with the priced overage if any
        original = float(outcome.objective) - float(lam @ over)
        if cap is not None:
            original += cap * float(np.maximum(over, 0.0).sum())
        ok = cap is not None or not np.any(over > 1e-6 * np.maximum(1.0, scale))
        if ok and (best is None or original < best[0]):
            best = (original, outcome)
        if bound is not None and outcome.bound is not None and np.isfinite(outcome.bound):
            bound = max(bound, float(outcome.bound))
        if best is not None and bound is not None and best[0] - bound <= rel_gap * abs(best[0]):
            break
        if time.monotonic() > deadline - 2.0:
            break
        # next prices: up where the km exceed the allowances, down where there is room
        for c in np.nonzero(limited)[0]:
            if over[c] > 1e-6:
                low[c] = lam[c]
                lam[c] = 2 * lam[c] if np.isinf(high[c]) else (low[c] + high[c]) / 2
                lam[c] = min(max(lam[c], own / 16), ceiling)
            elif lam[c] > 0:
                high[c] = lam[c]
                lam[c] = (low[c] + high[c]) / 2
        check_cancel()
        outcome, _ = _solve_pool(
            pool, params, co2_price, scale, fixed_counts, deadline, check_cancel, on_solve,
            caps, forbidden, trips, km_whole=False, km_price=lam.copy(),
        )  # fmt: skip
        for key, value in outcome.timings.items():
            timings[key] = timings.get(key, 0.0) + value
        if outcome.objective is None or outcome.counts is None:
            break
    chosen = first if best is None else best[1]
    value = None if best is None else best[0]
    result = replace(chosen, km_rows=True, timings=timings, solves=chosen.solves)
    result.objective = value if value is not None else first.objective
    result.bound = None if bound is None else min(bound, result.objective)
    proven = best is not None and bound is not None
    proven = proven and best[0] - bound <= params.solver.rel_gap * abs(best[0]) + 1e-6
    if not proven:
        result.status = "time_limit"  # a valid plan, not proven: 'feasible' with its gap
        result.message = (
            f"Pulje {pool.pool}: km-tilladelserne er regnet ind med en pris pr. km;"
            " planen holder dem, men er ikke bevist optimal."
        )
    return result, base


def _solve_pool(
    pool: PoolData,
    params: Parameters,
    co2_price: float,
    scale: float,
    fixed_counts: list[int] | None,
    deadline: float,
    check_cancel: Callable[[], None],
    on_solve: Callable[[float | None], None] | None = None,
    caps: PoolCaps | None = None,
    forbidden: np.ndarray | None = None,
    trips=None,
    km_whole: bool = True,
    km_price: np.ndarray | None = None,
) -> tuple[PoolOutcome, Classes]:
    timings = {"model_build": 0.0, "solve": 0.0}
    rules = params.unserved
    capped = caps is not None and (caps.co2e_cap_t is not None or caps.money_cap_dkk is not None)
    need_all = rules.max_trips_per_pool is not None or capped
    cl = make_classes(pool, params, co2_price, scale, fixed_counts, need_all, km_price=km_price)
    if forbidden is not None:
        cl.useful &= ~forbidden
    n_blocks = len(pool.blocks)
    no_option = pool.must_serve & ~cl.useful.any(axis=1)
    if no_option.any():
        n_trips = int(pool.blocks.trips[no_option].sum())
        return PoolOutcome(
            "infeasible",
            message=(
                f"Pulje {pool.pool}: {n_trips} ture over "
                f"{rules.must_serve_above_km:g} km skal køres i en flådebil, men ingen af "
                "bilerne må køre dem (rækkevidde, cykelregler eller antal)."
            ),
        ), cl
    greedy, greedy_cost = cheapest_choice(cl, pool.must_serve)
    # today's vehicles per class: a plan no worse than today's fleet, should time run out
    today = None
    if fixed_counts is None:
        today = np.array(
            [sum(pool.groups[i].current for i in ix) for ix in cl.members], dtype=float
        )
    if need_all:
        in_model = np.ones(n_blocks, dtype=bool)
    else:
        days = _initial_days(pool, greedy, cl, fixed_counts is not None)
        # days where the cheapest choice puts a long trip on an EV: the battery may bite
        days = np.union1d(days, pool.blocks.day[_long_ev_blocks(pool, cl, greedy)])
        in_model = np.isin(pool.blocks.day, days)
    outcome = PoolOutcome("optimal")
    # km allowances are left out first: if the plan without them keeps every class within
    # its allowances it is optimal with them too; otherwise the pool is solved again whole
    # with the km rows (they couple its days)
    km_rows = False
    unrestricted: PoolOutcome | None = None
    while True:
        check_cancel()
        model_blocks = np.nonzero(in_model)[0]
        pair_b, pair_c = np.nonzero(cl.useful[model_blocks])
        committed_blocks = np.zeros(0, dtype=np.int64)
        committed_class = np.zeros(0, dtype=np.int64)
        committed_dkk = 0.0
        if not need_all and len(pair_b):
            own = np.where(pool.must_serve[model_blocks], np.inf, cl.unserved_dkk[model_blocks])
            committed, keep = reduce_model(
                pool.blocks.start[model_blocks],
                pool.blocks.end[model_blocks],
                own,
                pair_b,
                pair_c,
                cl.served_dkk[model_blocks[pair_b], pair_c],
                cl.lower,
                # with the km rows no pair of a class with an allowance is free: it uses km
                _energy_sensitive(pool, cl) | (km_rows & np.isfinite(cl.km_allowance)),
            )
            done = committed > -2
            committed_blocks = model_blocks[done]
            committed_class = committed[done]
            on_class = committed_class >= 0
            committed_dkk = float(
                own[done][~on_class].sum()
                + cl.served_dkk[committed_blocks[on_class], committed_class[on_class]].sum()
            )
            still_open = np.nonzero(~done)[0]
            local = np.full(len(model_blocks), -1, dtype=np.int64)
            local[still_open] = np.arange(len(still_open))
            pair_b, pair_c = local[pair_b[keep]], pair_c[keep]
            model_blocks = model_blocks[still_open]
        data = ModelData(
            class_fixed_dkk=cl.fixed_dkk,
            class_lower=cl.lower,
            class_upper=cl.upper,
            block_start=pool.blocks.start[model_blocks],
            block_end=pool.blocks.end[model_blocks],
            block_unserved_dkk=np.where(
                pool.must_serve[model_blocks], 0.0, cl.unserved_dkk[model_blocks]
            ),
            block_trips=pool.blocks.trips[model_blocks],
            block_must_serve=pool.must_serve[model_blocks],
            pair_block=pair_b,
            pair_class=pair_c,
            pair_cost_dkk=cl.served_dkk[model_blocks[pair_b], pair_c],
            max_unserved_trips=rules.max_trips_per_pool,
            constant_dkk=float(greedy_cost[~in_model].sum()) + committed_dkk,
        )
        conflicts = energy_conflicts(pool, cl, params, model_blocks, pair_b, pair_c)
        data.energy_cuts = []
        if km_rows:
            data.class_km_allowance = cl.km_allowance
            data.pair_km_year = scale * pool.blocks.km[model_blocks[pair_b]]
            data.overage_dkk_per_km = params.allowance.overage_dkk_per_km
        if capped:
            _add_cap_data(data, pool, cl, params, scale, model_blocks, pair_b, pair_c, caps)
        t0 = time.perf_counter()
        m, loaded = LoadedModel.build(data, params.solver.threads)
        t1 = time.perf_counter()
        timings["model_build"] += t1 - t0
        if m.trivially_infeasible:
            result = HighsOutcome("infeasible", None, None, None, None)
        elif len(pair_b) == 0:
            # nothing to assign: every block goes to own cars, counts at their minimum
            objective = float(cl.fixed_dkk @ cl.lower + data.block_unserved_dkk.sum())
            objective += data.constant_dkk
            result = HighsOutcome("optimal", objective, objective, cl.lower.copy(), None)
        else:
            time_left = deadline - time.monotonic()
            if km_rows:
                # keep time to fall back on the plan without the rows (repaired per vehicle)
                time_left *= KM_ROWS_TIME_SHARE
            result = run_highs(loaded, params, time_left, today)
            # energy rows only bind when a class has fewer than two vehicles, and they spoil
            # the LP's integrality: add just the violated ones and solve again
            # (rebuilding a big model for a cut costs more than the plan's repair)
            rounds = ENERGY_ROW_ROUNDS if len(pair_b) <= ENERGY_CUT_MAX_PAIRS else 0
            for _ in range(rounds):
                new_cuts = _violated_conflicts(conflicts, data, result)
                new_cuts += _chain_cuts(
                    pool, cl, params, trips, model_blocks, pair_b, pair_c, result
                )
                if not new_cuts:
                    break
                data.energy_cuts += new_cuts
                t2 = time.perf_counter()
                _, loaded = LoadedModel.build(data, params.solver.threads)
                timings["model_build"] += time.perf_counter() - t2
                result = run_highs(loaded, params, deadline - time.monotonic(), today)
        timings["solve"] += time.perf_counter() - t1
        outcome.solves += 1
        if on_solve is not None:
            on_solve(
                None
                if result.bound is None or not result.objective
                else abs(result.objective - result.bound) / max(abs(result.objective), 1e-9)
            )
        if (
            result.objective is None
            and result.status == "time_limit"
            and fixed_counts is None
            and not need_all
            and not km_rows
        ):
            fallback = _as_driven_today(pool, cl, greedy_cost)
            if fallback is not None:
                fallback.solves, fallback.timings = outcome.solves, timings
                return fallback, cl
        if result.objective is None and km_rows and unrestricted is not None:
            # the whole model with the km rows found no plan in its time: the plan without
            # them, whose bound still holds; the vehicle plan keeps every allowance
            unrestricted.status = "time_limit"
            unrestricted.message = (
                f"Pulje {pool.pool}: km-tilladelserne kunne ikke regnes helt ind i tide;"
                " planen holder dem, men er ikke bevist optimal."
            )
            unrestricted.timings = timings
            return unrestricted, cl
        if result.objective is None:
            outcome.status = result.status
            outcome.bound = result.bound
            outcome.message = (
                f"Pulje {pool.pool}: reglerne for ikke-kørte ture kan ikke overholdes med de"
                " tilladte antal køretøjer."
                if result.status == "infeasible"
                else f"Pulje {pool.pool}: løseren fandt ingen løsning inden for tidsgrænsen."
            )
            outcome.timings = timings
            return outcome, cl
        counts = result.counts if result.counts is not None else cl.lower.copy()
        block_class = greedy.copy()
        block_class[model_blocks] = -1
        block_class[committed_blocks] = committed_class
        if result.assign is not None and len(pair_b):
            chosen = result.assign
            block_class[model_blocks[pair_b[chosen]]] = pair_c[chosen]
        outcome.status = result.status
        outcome.objective = result.objective
        outcome.bound = result.bound
        outcome.counts = counts
        outcome.block_class = block_class
        outcome.days_in_model = int(np.unique(pool.blocks.day[in_model]).size)
        extra = np.zeros(0, dtype=np.int64)
        if not (need_all or km_rows):
            extra = _over_capacity_days(pool, block_class, counts, in_model)
        if len(extra) == 0:
            if km_rows or not km_whole:
                break
            if not km_over_allowance(pool, cl, block_class, counts, scale).any():
                break
            km_rows = True
            unrestricted = replace(outcome)
            outcome = PoolOutcome("optimal", km_rows=True, solves=outcome.solves)
            in_model[:] = True
            continue
        if time.monotonic() >= deadline - 1.0:
            outcome.status = "time_limit"
            outcome.message = (
                f"Pulje {pool.pool}: tidsgrænsen nåedes før alle dage var med i modellen;"
                " planen er rettet til, men er ikke bevist optimal."
            )
            break
        in_model |= np.isin(pool.blocks.day, extra)
    outcome.timings = timings
    return outcome, cl


def km_over_allowance(
    pool: PoolData, cl: Classes, block_class: np.ndarray, counts: np.ndarray, scale: float
) -> np.ndarray:
    """Per class: do its blocks drive more km a year than its vehicles' allowances allow?"""
    if cl.km_allowance is None or not np.isfinite(cl.km_allowance).any():
        return np.zeros(len(cl.members), dtype=bool)
    on = block_class >= 0
    km = np.zeros(len(cl.members))
    np.add.at(km, block_class[on], pool.blocks.km[on])
    finite = np.isfinite(cl.km_allowance)
    limit = np.where(finite, np.where(finite, cl.km_allowance, 0.0) * counts, np.inf)
    return scale * km > limit + 1e-6 * np.maximum(1.0, limit)


def _as_driven_today(pool: PoolData, cl: Classes, greedy_cost: np.ndarray) -> PoolOutcome | None:
    """When time ran out before a pool had any plan: today's fleet, each block on the kind of
    vehicle that drove it (or in an own car if that vehicle cannot take it), with the
    unconstrained bound (fewest vehicles, every block at its cheapest). Never worse than
    today's fleet, and the gap says how far from proven it is."""
    if pool.today_group is None or pool.must_serve.any():
        return None
    class_of_group = np.full(len(pool.groups), -1, dtype=np.int64)
    for c, members in enumerate(cl.members):
        class_of_group[members] = c
    block_class = np.where(pool.today_group >= 0, class_of_group[pool.today_group], -1)
    rows = np.nonzero(block_class >= 0)[0]
    block_class[rows[~cl.eligible[rows, block_class[rows]]]] = -1
    counts = np.array(
        [sum(pool.groups[i].current for i in members) for members in cl.members], dtype=np.int64
    ).reshape(len(cl.members))
    on = np.nonzero(block_class >= 0)[0]
    off = np.nonzero(block_class < 0)[0]
    objective = float(
        cl.fixed_dkk @ counts
        + cl.served_dkk[on, block_class[on]].sum()
        + cl.unserved_dkk[off].sum()
    )
    bound = float(cl.fixed_dkk @ cl.lower + greedy_cost.sum())
    out = PoolOutcome("time_limit", objective, min(bound, objective), counts, block_class)
    out.message = (
        f"Pulje {pool.pool}: tidsgrænsen nåedes, før puljen fik en plan; den beholder dagens"
        " flåde med turene på de biltyper, der kørte dem."
    )
    return out


# --------------------------------------------------------------------------- ladder
def solve_pool_ladder(
    pool: PoolData,
    params: Parameters,
    co2_prices: list[float],
    scale: float,
    deadline: float,
    km_rows: bool = True,
) -> list[tuple[PoolOutcome, Classes] | None]:
    """One pool at several CO2 prices (the alternatives): the model is built and handed to
    HiGHS once; between prices only the costs change, and the LP restarts from the
    previous basis. The km allowance rows are in only with `km_rows` (the main solve found
    them binding: elsewhere they would only slow the ladder). All days and all
    eligible pairs are in the model, so it is the same
    for every price; no dominance shrinking (it depends on the price)."""
    out: list[tuple[PoolOutcome, Classes] | None] = []
    # alternatives are a guide along the trade-off: a 1 % gap is proof enough for them
    params = replace(
        params, solver=replace(params.solver, rel_gap=max(params.solver.rel_gap, 0.01))
    )
    loaded = None
    previous_counts = None
    for index, price in enumerate(co2_prices):
        if time.monotonic() > deadline - 1.0:
            out.append(None)
            continue
        # each remaining price gets an equal share of the time left
        share_s = (deadline - time.monotonic()) / (len(co2_prices) - index)
        cl = make_classes(pool, params, price, scale, None, True, dominance=False)
        if pool.must_serve.any() and (pool.must_serve & ~cl.useful.any(axis=1)).any():
            out.append((PoolOutcome("infeasible"), cl))
            continue
        pair_b, pair_c = np.nonzero(cl.useful)
        data = ModelData(
            class_fixed_dkk=cl.fixed_dkk,
            class_lower=cl.lower,
            class_upper=cl.upper,
            block_start=pool.blocks.start,
            block_end=pool.blocks.end,
            block_unserved_dkk=np.where(pool.must_serve, 0.0, cl.unserved_dkk),
            block_trips=pool.blocks.trips,
            block_must_serve=pool.must_serve,
            pair_block=pair_b,
            pair_class=pair_c,
            pair_cost_dkk=cl.served_dkk[pair_b, pair_c],
            max_unserved_trips=params.unserved.max_trips_per_pool,
            class_km_allowance=cl.km_allowance if km_rows else None,
            pair_km_year=scale * pool.blocks.km[pair_b] if km_rows else None,
            overage_dkk_per_km=params.allowance.overage_dkk_per_km,
        )
        t0 = time.perf_counter()
        if len(pair_b) == 0:
            objective = float(cl.fixed_dkk @ cl.lower + data.block_unserved_dkk.sum())
            result = HighsOutcome("optimal", objective, objective, cl.lower.copy(), None)
            build_s = 0.0
        else:
            # the Pyomo model is built for the first price; later prices only re-price the
            # loaded columns (the model's own objective then still shows the first price)
            if loaded is None or not loaded.reprice(data):
                _, loaded = LoadedModel.build(data, params.solver.threads)
            build_s = time.perf_counter() - t0
            if loaded is None:
                result = HighsOutcome("infeasible", None, None, None, None)
            else:
                # the neighbouring price's fleet is a good first incumbent
                result = run_highs(loaded, params, share_s, previous_counts)
                if result.counts is not None:
                    previous_counts = result.counts.astype(float)
        outcome = PoolOutcome(result.status, result.objective, result.bound, result.counts, None)
        outcome.timings = {"model_build": build_s, "solve": time.perf_counter() - t0 - build_s}
        if result.objective is not None:
            block_class = np.full(len(pool.blocks), -1, dtype=np.int64)
            if result.assign is not None and len(pair_b):
                block_class[pair_b[result.assign]] = pair_c[result.assign]
            outcome.block_class = block_class
            if outcome.counts is None:
                outcome.counts = cl.lower.copy()
        out.append((outcome, cl))
    return out
