"""The Pyomo model of one pool (or one set of day chunks of a pool), one function per feature.

Decision: the integer count of each vehicle class and binary assignments block -> class.
A class's count must cover the largest overlap of its blocks; for an interval graph it is
enough to require this at the maximal overlap points (see prepare.maximal_overlap_points).
All inputs arrive as prepared numpy arrays; the functions only index into them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from app.engine.prepare import clique_membership, maximal_overlap_points


def linear_sum(variables: list, coefs: list[float] | None = None, constant: float = 0.0):
    """sum(coef * var) + constant as one flat Pyomo LinearExpression. Made directly rather
    than through quicksum, building and loading the model of the M benchmark's biggest pool
    takes 0.9-1.2 s instead of 1.2-1.5 s."""
    if coefs is None:
        if constant:
            return LinearExpression([constant, *variables])
        return LinearExpression(variables)
    return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=variables)


@dataclass(slots=True)
class ModelData:
    """Arrays for one MILP. Pairs k are the (block, class) assignments worth considering."""

    class_fixed_dkk: np.ndarray  # (classes,) yearly fixed cost per vehicle
    class_lower: np.ndarray  # (classes,) int
    class_upper: np.ndarray  # (classes,) int
    block_start: np.ndarray  # (blocks,) epoch s
    block_end: np.ndarray  # (blocks,) epoch s, changeover included
    block_unserved_dkk: np.ndarray  # (blocks,) objective cost if left to own cars
    block_trips: np.ndarray  # (blocks,) int
    block_must_serve: np.ndarray  # (blocks,) bool
    pair_block: np.ndarray  # (pairs,) int
    pair_class: np.ndarray  # (pairs,) int
    pair_cost_dkk: np.ndarray  # (pairs,) objective cost if served by that class
    max_unserved_trips: int | None = None
    constant_dkk: float = 0.0  # cost of blocks outside this model (their lower bound)
    # EV battery cuts: sets S of pair indices (one class) that one vehicle cannot drive
    energy_cuts: list[np.ndarray] | None = None
    # optional caps for a CO2e target or a budget within one pool (yearly figures)
    co2e_cap_t: float | None = None
    pair_co2e_t: np.ndarray | None = None
    block_unserved_co2e_t: np.ndarray | None = None
    money_cap_dkk: float | None = None
    pair_money_dkk: np.ndarray | None = None
    block_unserved_money_dkk: np.ndarray | None = None
    # lease km allowances: yearly km per vehicle of each class (inf = none), the yearly km
    # each pair drives, and the price per km over (None: the allowance is a hard rule).
    # Only for a model that holds every block of the pool: the rows couple all its days.
    class_km_allowance: np.ndarray | None = None
    pair_km_year: np.ndarray | None = None
    overage_dkk_per_km: float | None = None


def add_fleet_counts(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Integer count per class between its locked/fixed lower and its upper bound."""
    n_classes = len(d.class_fixed_dkk)
    m.CLASSES = pyo.RangeSet(0, n_classes - 1) if n_classes else pyo.Set(initialize=[])

    def bounds(_m, c):
        return int(d.class_lower[c]), int(d.class_upper[c])

    m.count = pyo.Var(m.CLASSES, domain=pyo.NonNegativeIntegers, bounds=bounds)


def add_assignment(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Each block is served by at most one class (exactly one if it must be served)."""
    n_pairs = len(d.pair_block)
    m.PAIRS = pyo.RangeSet(0, n_pairs - 1) if n_pairs else pyo.Set(initialize=[])
    m.assign = pyo.Var(m.PAIRS, domain=pyo.Binary)
    assign = list(m.assign.values())
    order = np.argsort(d.pair_block, kind="stable")
    blocks_sorted = d.pair_block[order]
    multi, first = np.unique(blocks_sorted, return_index=True)
    bounds = np.append(first, len(order))
    rows = []
    for i, b in enumerate(multi):
        members = order[bounds[i] : bounds[i + 1]]
        if len(members) > 1 or d.block_must_serve[b]:
            rows.append((int(b), members.tolist()))
    m.ASSIGN_ROWS = pyo.RangeSet(0, len(rows) - 1) if rows else pyo.Set(initialize=[])

    def one_class(_m, r):
        b, members = rows[r]
        served = linear_sum([assign[k] for k in members])
        return served == 1 if d.block_must_serve[b] else served <= 1

    m.one_class = pyo.Constraint(m.ASSIGN_ROWS, rule=one_class)


def add_overlap_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    """At every maximal overlap point of a class's candidate blocks: assigned <= count."""
    assign = list(m.assign.values())
    rows: list[tuple[int, list[int]]] = []
    for c in range(len(d.class_fixed_dkk)):
        pairs = np.nonzero(d.pair_class == c)[0]
        if len(pairs) == 0:
            continue
        blocks = d.pair_block[pairs]
        start, end = d.block_start[blocks], d.block_end[blocks]
        points = maximal_overlap_points(start, end)
        lo, hi = clique_membership(start, end, points)
        sizes = hi - lo
        # (point, pair) memberships without a Python loop over blocks
        point_of = np.repeat(lo, sizes) + (
            np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        )
        pair_of = np.repeat(pairs, sizes)
        by_point = np.argsort(point_of, kind="stable")
        point_of, pair_of = point_of[by_point], pair_of[by_point]
        cuts = np.searchsorted(point_of, np.arange(len(points) + 1))
        members_per_point = np.diff(cuts)
        # a point with no more blocks than the class's guaranteed count can never bind
        binding = np.nonzero(members_per_point > d.class_lower[c])[0]
        members = pair_of.tolist()
        bounds = cuts.tolist()
        rows.extend((c, members[bounds[p] : bounds[p + 1]]) for p in binding.tolist())
    m.CAPACITY_ROWS = pyo.RangeSet(0, len(rows) - 1) if rows else pyo.Set(initialize=[])

    counts = list(m.count.values())

    def capacity(_m, r):
        c, members = rows[r]
        return linear_sum([assign[k] for k in members]) <= counts[c]

    m.capacity = pyo.Constraint(m.CAPACITY_ROWS, rule=capacity)


def add_ev_energy_conflicts(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A set S of EV blocks that no single vehicle can drive in a row (the battery runs out
    even with every possible recharge) needs two vehicles if all of S goes to the class:
    sum(S) <= |S| - 2 + count. Valid for every plan (so the bound stays a bound) and binding
    only when the class has one vehicle; overlaps are already covered by the capacity rows.
    """
    if not d.energy_cuts:
        return
    cuts = d.energy_cuts
    m.ENERGY_ROWS = pyo.RangeSet(0, len(cuts) - 1)

    def energy(_m, r):
        members = cuts[r]
        c = int(d.pair_class[members[0]])
        return linear_sum([m.assign[int(k)] for k in members]) <= len(members) - 2 + m.count[c]

    m.ev_energy = pyo.Constraint(m.ENERGY_ROWS, rule=energy)


def add_unserved_rules(m: pyo.ConcreteModel, d: ModelData) -> None:
    """At most `max_unserved_trips` trips of the pool left to own cars (must-serve is above)."""
    if d.max_unserved_trips is None:
        return
    total_trips = int(d.block_trips.sum())
    if total_trips <= d.max_unserved_trips:
        return  # always met; Pyomo would reject a constraint without variables
    if len(d.pair_block) == 0:
        m.trivially_infeasible = True
        return
    served_trips = linear_sum(list(m.assign.values()), d.block_trips[d.pair_block].tolist())
    m.max_unserved = pyo.Constraint(expr=served_trips >= total_trips - d.max_unserved_trips)


def _cap(m: pyo.ConcreteModel, name: str, terms, constant: float, cap: float) -> None:
    """`constant + terms <= cap`, or a flag when no variable is involved."""
    if all(coef == 0 for coef, _ in terms):
        if constant > cap + 1e-9:
            m.trivially_infeasible = True
        return
    used = [(coef, var) for coef, var in terms if coef != 0]
    expr = linear_sum([var for _, var in used], [coef for coef, _ in used])
    setattr(m, name, pyo.Constraint(expr=expr <= cap - constant))


def add_targets(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A CO2e cap (target at least cost) or a money cap (budget at least CO2e) for the pool.

    Only used within one pool: one constraint coupling several pools made HiGHS stall.
    """
    if d.co2e_cap_t is not None:
        change = d.pair_co2e_t - d.block_unserved_co2e_t[d.pair_block]
        terms = [(float(change[k]), m.assign[k]) for k in range(len(change))]
        _cap(m, "co2e_cap", terms, float(d.block_unserved_co2e_t.sum()), d.co2e_cap_t)
    if d.money_cap_dkk is not None:
        change = d.pair_money_dkk - d.block_unserved_money_dkk[d.pair_block]
        terms = [(float(change[k]), m.assign[k]) for k in range(len(change))]
        terms += [(float(d.class_fixed_dkk[c]), m.count[c]) for c in m.CLASSES]
        terms += [(float(d.overage_dkk_per_km), m.overage[c]) for c in m.OVERAGE_CLASSES]
        _cap(m, "money_cap", terms, float(d.block_unserved_money_dkk.sum()), d.money_cap_dkk)


def km_allowance_classes(d: ModelData) -> list[int]:
    """Classes whose km allowance gets a row: a finite allowance and a block to drive."""
    if d.class_km_allowance is None or d.pair_km_year is None:
        return []
    has_pairs = np.zeros(len(d.class_fixed_dkk), dtype=bool)
    has_pairs[d.pair_class] = True
    return np.nonzero(np.isfinite(d.class_km_allowance) & has_pairs)[0].tolist()


def add_km_allowance(m: pyo.ConcreteModel, d: ModelData) -> None:
    """A class's vehicles drive at most their allowances together: yearly km of its blocks
    <= allowance x count (hard), or <= allowance x count + overage with the overage priced
    in the objective. Per vehicle this is a relaxation (the plan balances the km across the
    class's vehicles; the validator checks each vehicle)."""
    classes = km_allowance_classes(d)
    m.KM_CLASSES = pyo.Set(initialize=classes)
    priced = d.overage_dkk_per_km is not None
    m.OVERAGE_CLASSES = pyo.Set(initialize=classes if priced else [])
    m.overage = pyo.Var(m.OVERAGE_CLASSES, domain=pyo.NonNegativeReals)
    if not classes:
        return
    assign = list(m.assign.values())
    counts = list(m.count.values())
    pairs_of = {c: np.nonzero(d.pair_class == c)[0] for c in classes}

    def km_row(_m, c):
        pairs = pairs_of[c]
        variables = [*(assign[k] for k in pairs.tolist()), counts[c]]
        coefs = [*d.pair_km_year[pairs].tolist(), -float(d.class_km_allowance[c])]
        if priced:
            variables.append(m.overage[c])
            coefs.append(-1.0)
        return linear_sum(variables, coefs) <= 0

    m.km_allowance = pyo.Constraint(m.KM_CLASSES, rule=km_row)


def add_costs(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Yearly fixed costs + variable cost of each block, served or left to own cars.

    Written as 'all unserved' plus the saving of each assignment, so the constant is exact.
    """
    saving = (d.pair_cost_dkk - d.block_unserved_dkk[d.pair_block]).tolist()
    constant = float(d.block_unserved_dkk.sum()) + d.constant_dkk
    fixed = d.class_fixed_dkk.tolist()
    variables = list(m.count.values()) + list(m.assign.values())
    coefs = fixed + saving
    overage = list(m.overage.values())
    if overage:
        variables += overage
        coefs += [float(d.overage_dkk_per_km)] * len(overage)
    m.cost = pyo.Objective(expr=linear_sum(variables, coefs, constant), sense=pyo.minimize)


def build_model(d: ModelData) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name="fleet")
    m.trivially_infeasible = False
    add_fleet_counts(m, d)
    add_assignment(m, d)
    add_overlap_capacity(m, d)
    add_ev_energy_conflicts(m, d)
    add_unserved_rules(m, d)
    add_km_allowance(m, d)
    add_targets(m, d)
    add_costs(m, d)
    return m
