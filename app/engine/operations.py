"""The three operations: baseline, simulate and optimise (with alternatives and targets)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace

import numpy as np

from app.engine.errors import Cancelled, EngineError
from app.engine.plan import EvRule, VehicleSlot, balance_km, first_fit, try_insert
from app.engine.prepare import PoolData, Prepared, TripTimes, prepare
from app.engine.report import (
    NewVehicleNames,
    fleet_lines,
    fuel_figures,
    peak_use,
    pool_vehicle_names,
    totals_from_trips,
    vehicle_usage,
)
from app.engine.solve import Classes, PoolCaps, PoolOutcome, solve_pool, solve_pool_ladder
from app.engine.types import (
    Alternative,
    FleetCount,
    FleetLine,
    Problem,
    Result,
    TargetOutcome,
    Totals,
    VehicleType,
)
from app.engine.workers import Workers, wanted

# CO2 prices (DKK/t) for the alternatives along the cost/CO2e trade-off.
ALTERNATIVE_CO2_PRICES = (0.0, 750.0, 1500.0, 3000.0, 6000.0, 12000.0)
# Highest CO2 price tried when pricing a CO2e target or a budget.
MAX_TARGET_CO2_PRICE = 1e8
TARGET_BISECTION_STEPS = 10
# One pool up to this many blocks: a CO2e cap or budget is a constraint of the MILP, solved
# exactly in seconds. Larger scopes price CO2e instead (see `_TargetSearch`).
EXACT_TARGET_MAX_BLOCKS = 3000
# The CO2 price of the exact budget model: CO2e dominates, money breaks ties.
LEAST_CO2E_PRICE = 1e8
# Re-solves of a pool after the EV energy check rejected blocks of the plan.
ENERGY_RESOLVE_ROUNDS = 3
# Larger pools go straight to the repair (re-plan on other vehicles or add one): a re-solve
# of a big pool costs more than the few trips the battery check moves.
ENERGY_RESOLVE_MAX_BLOCKS = 3000
# Below this many blocks in all pools together, worker processes cost more than they save.
PARALLEL_MIN_BLOCKS = 5000


def _danish_pct(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",")


def _dkk(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _t(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


class _Run:
    """Progress reporting, cancellation and the phase clock of one operation."""

    def __init__(self, progress, should_cancel, time_limit_s: float):
        self.progress = progress
        self.should_cancel = should_cancel
        self.timings: dict[str, float] = {}
        self.started = time.monotonic()
        self.deadline = self.started + time_limit_s
        self._phase_start = time.perf_counter()
        self.workers: Workers | None = None

    def report(self, pct: int, phase: str) -> None:
        self.check_cancel()
        if self.progress is not None:
            self.progress(int(max(0, min(100, pct))), phase)

    def check_cancel(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise Cancelled("Kørslen blev afbrudt")

    def add(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds

    def workers_for(self, count: int) -> Workers:
        """The operation's worker processes (started early by `start_workers`, or now)."""
        if self.workers is None or self.workers.broken or self.workers.count < count:
            if self.workers is not None:
                self.workers.close()
            self.workers = Workers(count)
        return self.workers

    def start_workers(self, problem: Problem) -> None:
        params = problem.parameters
        threads = params.solver.threads if params is not None else 1
        locations = len({trip.location for trip in problem.trips})
        count = wanted(threads, locations, len(problem.trips), PARALLEL_MIN_BLOCKS)
        if count:
            self.workers = Workers(count)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None


# --------------------------------------------------------------------------- baseline
def _group_of_vehicle(prepared: Prepared) -> dict[str, tuple[PoolData, int]]:
    out = {}
    for pool in prepared.pools:
        for gi, g in enumerate(pool.groups):
            for vid in g.vehicle_ids:
                out[vid] = (pool, gi)
    return out


def _baseline(prepared: Prepared) -> Result:
    trips, params = prepared.trips, prepared.params
    n = len(trips)
    unit, price, factor = np.zeros(n), np.zeros(n), np.zeros(n)
    served = trips.vehicle >= 0
    owner = _group_of_vehicle(prepared)
    plan: dict[str, str | None] = {}
    trip_type: list[VehicleType | None] = [None] * n
    by_vehicle: dict[int, list[int]] = {}
    for t in range(n):
        v = int(trips.vehicle[t])
        if v < 0:
            plan[trips.ids[t]] = None
            continue
        by_vehicle.setdefault(v, []).append(t)
    usages = []
    for v, vehicle in enumerate(prepared.vehicles):
        pool, gi = owner[vehicle.vehicle_id]
        group = pool.groups[gi]
        mine = np.array(by_vehicle.get(v, []), dtype=np.int64)
        p, f = fuel_figures(params, group.fuel)
        unit[mine], price[mine], factor[mine] = group.unit_per_km, p, f
        for t in mine:
            plan[trips.ids[t]] = vehicle.vehicle_id
            trip_type[t] = group.type
        usages.append(
            vehicle_usage(
                prepared, vehicle.vehicle_id, pool.pool, group, mine, vehicle.yearly_km_allowance
            )
        )
    fixed = float(sum(v.yearly_cost_dkk for v in prepared.vehicles))
    overage = sum(u.overage_dkk for u in usages)
    totals = totals_from_trips(
        prepared, unit, price, factor, served, fixed, len(prepared.vehicles), overage
    )
    fleet = []
    for pool in prepared.pools:
        fleet += fleet_lines(pool, [g.current for g in pool.groups])
    over = [u for u in usages if u.km_over_allowance > 0]
    warnings = list(prepared.warnings)
    if over:
        warnings.append(
            f"{len(over)} køretøjer kører i dag over deres årlige km-tilladelse:"
            f" {', '.join(u.vehicle for u in over[:10])}{' m.fl.' if len(over) > 10 else ''}."
        )
    return Result(
        operation="baseline",
        status="optimal",
        objective=totals.objective_dkk,
        best_bound=totals.objective_dkk,
        gap=0.0,
        parameters=params.to_dict(),
        totals=totals,
        fleet=fleet,
        plan=plan,
        vehicles=usages,
        peak_use=peak_use(prepared, trip_type),
        warnings=warnings,
    )


def baseline(problem: Problem) -> Result:
    t0 = time.perf_counter()
    prepared = prepare(problem)
    t1 = time.perf_counter()
    result = _baseline(prepared)
    result.timings_s = {"data_prep": t1 - t0, "report": time.perf_counter() - t1}
    result.baseline = result.totals
    return result


# --------------------------------------------------------------------------- solving
@dataclass(slots=True)
class FleetSolution:
    """All pools solved at one CO2 price."""

    co2_price: float
    status: str
    messages: list[str]
    pools: list[tuple[PoolData, Classes, PoolOutcome]]
    bound: float | None
    max_gap: float | None
    group_counts: list[list[int]] = field(default_factory=list)
    fixed_counts: list[list[int]] | None = None
    caps: list = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        """Every pool has an assignment (a pool cut short before any leaves its trips
        nowhere: that is no plan, not a plan with every trip in an own car)."""
        return all(outcome.objective is not None for _, _, outcome in self.pools)


def _split_counts(
    pool: PoolData, cl: Classes, class_counts: np.ndarray | None, fixed: list[int] | None
) -> list[int]:
    """Class counts back to groups: locked vehicles first, then current ones, then new."""
    if fixed is not None:
        return list(fixed)
    counts = [g.locked for g in pool.groups]
    if class_counts is None:
        return counts
    for c, members in enumerate(cl.members):
        extra = int(class_counts[c]) - sum(counts[i] for i in members)
        for i in members:
            if extra <= 0:
                break
            upper = pool.groups[i].upper
            room = extra if upper is None else max(0, min(extra, upper - counts[i]))
            counts[i] += room
            extra -= room
    return counts


def _pool_job(args: tuple) -> tuple[PoolOutcome, Classes]:
    """Runs in a worker process: one pool, no callbacks (the parent checks cancel)."""
    pool, params, co2_price, scale, fixed, deadline, caps, trips = args
    return solve_pool(
        pool, params, co2_price, scale, fixed, deadline, lambda: None, None, caps=caps, trips=trips
    )


def _solve_pools_in_processes(
    prepared: Prepared,
    co2_price: float,
    fixed: list,
    run: _Run,
    pct_range: tuple[int, int],
    caps: list,
    workers: int,
    deadline: float,
) -> list[tuple[PoolOutcome, Classes]]:
    """One worker process per pool at a time, one HiGHS thread each."""
    params = prepared.params
    lo, hi = pct_range
    n_pools = len(prepared.pools)
    one_thread = replace(params, solver=replace(params.solver, threads=1))
    trips = prepared.trips
    times = TripTimes(trips.start, trips.end, trips.km)  # what the battery check needs
    jobs = [
        (pool, one_thread, co2_price, prepared.scale, fixed[i], deadline, caps[i], times)
        for i, pool in enumerate(prepared.pools)
    ]
    out: list = [None] * n_pools
    pool_workers = run.workers_for(workers)
    try:
        # biggest pools first: the last pool to start should be a short one
        by_size = sorted(range(n_pools), key=lambda i: -len(prepared.pools[i].blocks))
        pending = {pool_workers.submit(_pool_job, jobs[i]): i for i in by_size}
        while pending:
            # poll so that a cancel request is seen within half a second
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                out[pending.pop(future)] = future.result()
            run.report(int(lo + (hi - lo) * (n_pools - len(pending)) / n_pools), "Løser")
    except BaseException:
        pool_workers.kill()
        raise
    return out


def _solve_pools(
    prepared: Prepared,
    co2_price: float,
    fixed_counts: list[list[int]] | None,
    run: _Run,
    pct_range: tuple[int, int],
    caps: list[PoolCaps | None],
) -> list[tuple[PoolOutcome, Classes]]:
    """Pools are independent: with two or more pools and threads, solve them side by side in
    worker processes (one HiGHS thread each); otherwise one after the other."""
    params = prepared.params
    lo, hi = pct_range
    n_pools = len(prepared.pools)
    deadline = run.deadline
    fixed = [None if fixed_counts is None else fixed_counts[i] for i in range(n_pools)]
    workers = min(params.solver.threads, n_pools)
    big = sum(len(p.blocks) for p in prepared.pools) >= PARALLEL_MIN_BLOCKS
    daemon = multiprocessing.current_process().daemon  # daemons may not have children
    if workers >= 2 and big and not daemon:
        try:
            return _solve_pools_in_processes(
                prepared, co2_price, fixed, run, pct_range, caps, workers, deadline
            )
        except BrokenProcessPool:
            # e.g. a caller's main module without `if __name__ == "__main__":` under spawn
            run.add("parallel_failed", 1.0)
    out = []

    for i, pool in enumerate(prepared.pools):
        share = lo + (hi - lo) * i / max(1, n_pools)
        run.report(int(share), "Bygger model")

        def on_solve(gap, share=share):
            text = "Løser" if gap is None else f"Løser (gap {_danish_pct(gap)} %)"
            run.report(int(share), text)

        out.append(
            solve_pool(
                pool,
                params,
                co2_price,
                prepared.scale,
                fixed[i],
                deadline,
                run.check_cancel,
                on_solve,
                caps=caps[i],
                trips=prepared.trips,
            )
        )
    return out


def _overall_status(statuses: list[str]) -> str:
    for status in ("infeasible", "error", "time_limit", "feasible"):
        if status in statuses:
            return status
    return "optimal"


def _solve_all(
    prepared: Prepared,
    co2_price: float,
    fixed_counts: list[list[int]] | None,
    run: _Run,
    pct_range: tuple[int, int],
    caps: list[PoolCaps | None] | None = None,
) -> FleetSolution:
    caps = caps or [None] * len(prepared.pools)
    pools = []
    messages = []
    bound_sum: float | None = 0.0
    gaps = []
    started = time.perf_counter()
    solved = _solve_pools(prepared, co2_price, fixed_counts, run, pct_range, caps)
    run.add("solve_wall", time.perf_counter() - started)
    for pool, (outcome, cl) in zip(prepared.pools, solved, strict=True):
        run.add("model_build", outcome.timings.get("model_build", 0.0))
        run.add("solve", outcome.timings.get("solve", 0.0))
        pools.append((pool, cl, outcome))
        if outcome.message:
            messages.append(outcome.message)
        if outcome.bound is None or bound_sum is None:
            bound_sum = None
        else:
            bound_sum += outcome.bound
        if outcome.objective is not None and outcome.bound is not None:
            gaps.append(
                max(0.0, outcome.objective - outcome.bound) / max(abs(outcome.objective), 1e-9)
            )
    solution = FleetSolution(
        co2_price,
        _overall_status([p[2].status for p in pools]),
        messages,
        pools,
        bound_sum,
        max(gaps) if gaps else None,
    )
    solution.fixed_counts = fixed_counts
    solution.caps = caps
    solution.group_counts = [
        _split_counts(p, cl, out.counts, None if fixed_counts is None else fixed_counts[i])
        for i, (p, cl, out) in enumerate(pools)
    ]
    return solution


def _assignment_totals(prepared: Prepared, sol: FleetSolution) -> Totals:
    """Totals straight from the model's assignment (for alternatives; no vehicle plan)."""
    params, trips = prepared.params, prepared.trips
    n = len(trips)
    unit, price, factor = np.zeros(n), np.zeros(n), np.zeros(n)
    served = np.zeros(n, dtype=bool)
    fixed, vehicles, overage = 0.0, 0, 0.0
    price_over = params.allowance.overage_dkk_per_km or 0.0
    for (pool, cl, out), counts in zip(sol.pools, sol.group_counts, strict=True):
        fixed += sum(c * g.fixed_dkk for c, g in zip(counts, pool.groups, strict=True))
        vehicles += sum(counts)
        if out.block_class is None:
            continue
        blocks = pool.blocks
        if price_over and cl.km_allowance is not None and out.counts is not None:
            on = out.block_class >= 0
            km = np.zeros(len(cl.members))
            np.add.at(km, out.block_class[on], blocks.km[on])
            finite = np.isfinite(cl.km_allowance)
            over = prepared.scale * km[finite] - cl.km_allowance[finite] * out.counts[finite]
            overage += price_over * float(np.maximum(over, 0.0).sum())
        per_trip_class = np.repeat(out.block_class, blocks.trips)
        t_idx = blocks.trip_order
        for c, members in enumerate(cl.members):
            mine = t_idx[per_trip_class == c]
            g = pool.groups[members[0]]
            p, f = fuel_figures(params, g.fuel)
            unit[mine], price[mine], factor[mine], served[mine] = g.unit_per_km, p, f, True
    return totals_from_trips(prepared, unit, price, factor, served, fixed, vehicles, overage)


# --------------------------------------------------------------------------- plan
@dataclass(slots=True)
class PoolPlan:
    slots_of: list[list[VehicleSlot]]
    counts: list[int]
    left_over: list[int]  # blocks first-fit could not place (EV energy, hard km allowance)
    km_left: list[int]  # of those, blocks that only lacked km room (no re-solve for them)
    names: list[list[str]]  # per group: its vehicles (kept ids, then new labels)
    namer: NewVehicleNames


def _slot(prepared: Prepared, pool: PoolData, i: int, name: str) -> VehicleSlot:
    """A vehicle of group i; a km allowance becomes period km (target, and cap if hard)."""
    slot = VehicleSlot(name, i)
    allowance = pool.groups[i].km_allowance
    if allowance is not None:
        slot.km_target = allowance / prepared.scale
        if prepared.params.allowance.overage_dkk_per_km is None:
            slot.km_cap = slot.km_target
    return slot


def _first_fit_pool(
    prepared: Prepared, pool: PoolData, cl: Classes, out: PoolOutcome, counts: list[int]
) -> PoolPlan:
    names, namer = pool_vehicle_names(pool, counts)
    slots_of = [
        [_slot(prepared, pool, i, name) for i in m for name in names[i]] for m in cl.members
    ]
    left_over: list[int] = []
    km_left: list[int] = []
    if out.block_class is not None:
        for c, members in enumerate(cl.members):
            order = np.nonzero(out.block_class == c)[0]
            rule = EvRule.of(pool.groups[members[0]], prepared.params)
            left_over += first_fit(pool.blocks, prepared.trips, order, slots_of[c], rule, km_left)
            balance_km(pool.blocks, prepared.trips, slots_of[c], rule)
    return PoolPlan(slots_of, list(counts), sorted(left_over), sorted(km_left), names, namer)


def _repair(
    prepared: Prepared, pool: PoolData, cl: Classes, plan: PoolPlan, can_add: bool
) -> list[int]:
    """Blocks first-fit could not place: another vehicle with time, charge and km room
    (the fewest km first), else (when allowed and cheaper than own cars, or the trip must
    be served) one more vehicle."""
    rules = [EvRule.of(pool.groups[m[0]], prepared.params) for m in cl.members]
    not_placed = []
    for b in plan.left_over:
        worth = cl.eligible[b] & (
            (cl.served_dkk[b] < cl.unserved_dkk[b]) | bool(pool.must_serve[b])
        )
        options = sorted(np.nonzero(worth)[0], key=lambda c: (cl.served_dkk[b, c], c))
        placed = any(
            try_insert(pool.blocks, prepared.trips, b, slot, rules[c])
            for c in options
            for slot in sorted(plan.slots_of[c], key=lambda x: x.km)
        )
        if not placed and can_add:
            by_total = sorted(options, key=lambda c: (cl.fixed_dkk[c] + cl.served_dkk[b, c], c))
            for c in by_total:
                if not (
                    pool.must_serve[b] or cl.fixed_dkk[c] + cl.served_dkk[b, c] < cl.unserved_dkk[b]
                ):
                    break
                room = [
                    i
                    for i in cl.members[c]
                    if pool.groups[i].upper is None or plan.counts[i] < pool.groups[i].upper
                ]
                if not room:
                    continue
                i = room[0]
                slot = _slot(prepared, pool, i, "")
                if try_insert(pool.blocks, prepared.trips, b, slot, rules[c]):
                    slot.name = plan.namer.next(pool.groups[i])
                    plan.counts[i] += 1
                    plan.names[i].append(slot.name)
                    plan.slots_of[c].append(slot)
                    placed = True
                    break
        if not placed:
            not_placed.append(b)
    return not_placed


@dataclass(slots=True)
class PlanResult:
    plan: dict[str, str | None]
    totals: Totals
    fleet: list[FleetLine]
    usages: list
    trip_type: list
    warnings: list[str]


def _plan(prepared: Prepared, sol: FleetSolution, can_add: bool, run: _Run) -> PlanResult:
    """Concrete vehicles by first-fit. Blocks the EV energy check rejects are forbidden for
    that class and the pool is solved again (a few rounds); what still does not fit is
    re-planned onto other vehicles or, where allowed, onto added vehicles."""
    params, trips = prepared.params, prepared.trips
    n = len(trips)
    unit, price, factor = np.zeros(n), np.zeros(n), np.zeros(n)
    served = np.zeros(n, dtype=bool)
    plan: dict[str, str | None] = dict.fromkeys(trips.ids)
    trip_type: list[VehicleType | None] = [None] * n
    fleet, usages, warnings = [], [], []
    fixed_total, vehicles_total, overage_total = 0.0, 0, 0.0
    for p, (pool, cl, out) in enumerate(sol.pools):
        counts = sol.group_counts[p]
        pool_plan = _first_fit_pool(prepared, pool, cl, out, counts)
        forbidden = None
        rounds = ENERGY_RESOLVE_ROUNDS if len(pool.blocks) <= ENERGY_RESOLVE_MAX_BLOCKS else 0
        for _round in range(rounds):
            energy_left = sorted(set(pool_plan.left_over) - set(pool_plan.km_left))
            if not energy_left or time.monotonic() > run.deadline - 1.0:
                break
            if forbidden is None:
                forbidden = np.zeros_like(cl.useful)
            rows = np.array(energy_left)
            forbidden[rows, out.block_class[rows]] = True
            t0 = time.perf_counter()
            again, cl_again = solve_pool(
                pool,
                params,
                sol.co2_price,
                prepared.scale,
                None if sol.fixed_counts is None else sol.fixed_counts[p],
                run.deadline,
                run.check_cancel,
                None,
                caps=sol.caps[p],
                forbidden=forbidden,
                trips=prepared.trips,
            )
            run.add("solve", time.perf_counter() - t0)
            if again.block_class is None:
                break
            out, cl = again, cl_again
            again_counts = _split_counts(
                pool,
                cl,
                out.counts,
                None if sol.fixed_counts is None else sol.fixed_counts[p],
            )
            # the restricted model's bound is no bound of the full problem: keep the first
            sol.pools[p] = (pool, cl, PoolOutcome(out.status, out.objective, sol.pools[p][2].bound))
            sol.group_counts[p] = again_counts
            pool_plan = _first_fit_pool(prepared, pool, cl, out, again_counts)
        if sol.status != "infeasible":
            not_placed = _repair(prepared, pool, cl, pool_plan, can_add)
            if not_placed:
                n_trips = int(pool.blocks.trips[not_placed].sum())
                warnings.append(
                    f"Pulje {pool.pool}: {n_trips} ture kunne ikke placeres på en bil med"
                    " strøm nok eller ledig tid og køres i egen bil."
                )
                if any(pool.must_serve[b] for b in not_placed):
                    warnings.append(
                        f"Pulje {pool.pool}: lange ture, der skulle køres i flådebil, kunne"
                        " ikke placeres."
                    )
        counts = pool_plan.counts
        sol.group_counts[p] = counts
        groups = pool.groups
        for slots in pool_plan.slots_of:
            for slot in slots:
                group = groups[slot.group]
                fuel_price, fuel_factor = fuel_figures(params, group.fuel)
                mine = (
                    np.concatenate(
                        [
                            pool.blocks.trip_order[pool.blocks.ptr[b] : pool.blocks.ptr[b + 1]]
                            for b in slot.blocks
                        ]
                    )
                    if slot.blocks
                    else np.zeros(0, dtype=np.int64)
                )
                unit[mine], price[mine], factor[mine] = group.unit_per_km, fuel_price, fuel_factor
                served[mine] = True
                for t in mine:
                    plan[trips.ids[t]] = slot.name
                    trip_type[t] = group.type
                usage = vehicle_usage(
                    prepared, slot.name, pool.pool, group, np.sort(mine), group.km_allowance
                )
                overage_total += usage.overage_dkk
                usages.append(usage)
        fixed_total += sum(cnt * g.fixed_dkk for cnt, g in zip(counts, groups, strict=True))
        vehicles_total += sum(counts)
        fleet += fleet_lines(pool, counts, pool_plan.names)
    totals = totals_from_trips(
        prepared, unit, price, factor, served, fixed_total, vehicles_total, overage_total
    )
    return PlanResult(plan, totals, fleet, usages, trip_type, warnings)


def _finish(
    operation: str,
    prepared: Prepared,
    sol: FleetSolution,
    run: _Run,
    base: Result,
    can_add: bool,
    report_bound: bool = True,
    pct: int = 90,
) -> Result:
    if sol.status not in ("infeasible", "error") and not sol.has_plan:
        result = Result(
            operation=operation,
            status="time_limit",
            message=" ".join(sol.messages)
            or "Tidsgrænsen nåedes, før alle puljer havde en gyldig plan.",
            parameters=prepared.params.to_dict(),
            baseline=base.totals,
            fleet=base.fleet,
            plan=dict.fromkeys(prepared.trips.ids),
            warnings=list(prepared.warnings),
        )
        return result
    run.report(pct, "Laver køreplan")
    t0 = time.perf_counter()
    planned = _plan(prepared, sol, can_add, run)
    run.add("plan", time.perf_counter() - t0)
    totals = planned.totals
    result = Result(
        operation=operation,
        status=sol.status,
        message=" ".join(sol.messages),
        parameters=prepared.params.to_dict(),
        totals=totals,
        baseline=base.totals,
        fleet=planned.fleet,
        plan=planned.plan,
        vehicles=planned.usages,
        peak_use=peak_use(prepared, planned.trip_type),
        warnings=list(prepared.warnings) + planned.warnings,
    )
    if sol.status in ("infeasible", "error"):
        result.plan = dict.fromkeys(prepared.trips.ids)
        result.fleet = base.fleet
        result.vehicles = []
        result.peak_use = []
        result.totals = Totals()
        return result
    result.objective = totals.objective_dkk
    if report_bound and sol.bound is not None:
        result.best_bound = min(sol.bound, result.objective)
        result.gap = max(0.0, result.objective - result.best_bound) / max(
            abs(result.objective), 1e-9
        )
    else:
        result.gap = sol.max_gap
    rel_gap = prepared.params.solver.rel_gap
    if result.status == "time_limit":
        # every pool has a valid plan; the time limit only stopped the proof
        result.status = "feasible"
    if result.status == "optimal" and result.gap is not None and result.gap > rel_gap + 1e-9:
        # e.g. the EV energy re-plan: valid, but the bound no longer proves optimality
        result.status = "feasible"
        result.message = (result.message + " " if result.message else "") + (
            f"Planen er gyldig, men ikke bevist optimal (gap {_danish_pct(result.gap)} %):"
            " elbilernes daglige energi krævede en ny plan."
        )
    return result


def _prepare_run(problem: Problem, progress, should_cancel) -> tuple[Prepared, _Run, Result]:
    params = problem.parameters
    limit = params.solver.time_limit_s if params is not None else 300.0
    run = _Run(progress, should_cancel, limit)
    try:
        run.start_workers(problem)  # their imports overlap the preparation below
        run.report(0, "Forbereder data")
        t0 = time.perf_counter()
        prepared = prepare(problem)
        base = _baseline(prepared)
        run.add("data_prep", time.perf_counter() - t0)
    except BaseException:
        run.close()
        raise
    return prepared, run, base


# --------------------------------------------------------------------------- simulate
def _fixed_counts(prepared: Prepared, counts: list[FleetCount]) -> list[list[int]]:
    index = {}
    for p, pool in enumerate(prepared.pools):
        for g, group in enumerate(pool.groups):
            index[(pool.pool, group.gid)] = (p, g)
    pools = {pool.pool for pool in prepared.pools}
    fixed = [[0] * len(pool.groups) for pool in prepared.pools]
    for row, c in enumerate(counts, start=1):
        if c.pool not in pools:
            raise EngineError(
                f"fleet række {row}: ukendt pulje {c.pool!r} (kendte: {', '.join(sorted(pools))})"
            )
        if (c.pool, c.group) not in index:
            raise EngineError(f"fleet række {row}: ukendt gruppe {c.group!r} i puljen {c.pool!r}")
        if c.count < 0:
            raise EngineError(f"fleet række {row}: antal må ikke være negativt ({c.count})")
        p, g = index[(c.pool, c.group)]
        fixed[p][g] = int(c.count)
    return fixed


def _today_counts(prepared: Prepared) -> list[list[int]]:
    return [[g.current for g in pool.groups] for pool in prepared.pools]


def _replanned_solution(prepared: Prepared, run: _Run, pct_range: tuple[int, int]):
    """Today's fleet, same counts per group and pool, with the trips planned by the engine's
    rules: the like-for-like reference for a fleet change (what sharing alone gives)."""
    price = prepared.params.co2_value_dkk_per_t
    return _solve_all(prepared, price, _today_counts(prepared), run, pct_range)


def _finish_replanned(prepared: Prepared, sol: FleetSolution, run: _Run, base: Result) -> Result:
    # today's fleet is fixed: the plan may not add vehicles, exactly as in a simulation
    return _finish("simulate", prepared, sol, run, base, can_add=False, pct=88)


def _usable_totals(result: Result) -> Totals | None:
    """A result's totals, or None when it has no plan (e.g. a must-serve trip no vehicle of
    today's fleet can take): zero totals would read as a fleet that costs nothing."""
    return None if result.status in ("infeasible", "error") else result.totals


def simulate(
    problem: Problem,
    counts: list[FleetCount],
    *,
    progress: Callable[[int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Result:
    """The cheapest assignment of the trips to the given fleet (counts fixed), with today's
    fleet planned by the same rules as its reference (`Result.replanned`)."""
    prepared, run, base = _prepare_run(problem, progress, should_cancel)
    try:
        fixed = _fixed_counts(prepared, counts)
        no_change = fixed == _today_counts(prepared)
        price = prepared.params.co2_value_dkk_per_t
        sol = _solve_all(prepared, price, fixed, run, (10, 85 if no_change else 50))
        today = None if no_change else _replanned_solution(prepared, run, (50, 85))
    finally:
        run.close()
    result = _finish("simulate", prepared, sol, run, base, can_add=False)
    if no_change:
        # the same counts are the same computation: the fleet-change effect is exactly 0
        result.replanned = replace(result.totals)
    else:
        result.replanned = _usable_totals(_finish_replanned(prepared, today, run, base))
    result.timings_s = dict(run.timings)
    run.report(100, "Færdig")
    return result


# --------------------------------------------------------------------------- optimise
def _fleet_key(sol: FleetSolution) -> tuple:
    return tuple(tuple(c) for c in sol.group_counts)


def _ladder_job(args: tuple) -> list:
    """Runs in a worker process: the whole CO2-price ladder of one pool."""
    pool, params, prices, scale, deadline, km_rows = args
    return solve_pool_ladder(pool, params, prices, scale, deadline, km_rows)


def _ladder(prepared: Prepared, prices: list[float], run: _Run, km_rows: list[bool]) -> list[list]:
    """Per pool, the outcomes at each price (side by side in processes when it pays);
    `km_rows`: per pool, whether its km allowance rows bound in the main solve."""
    params = prepared.params
    pools = prepared.pools
    workers = min(params.solver.threads, len(pools))
    big = sum(len(p.blocks) for p in pools) >= PARALLEL_MIN_BLOCKS
    if workers >= 2 and big and not multiprocessing.current_process().daemon:
        one_thread = replace(params, solver=replace(params.solver, threads=1))
        jobs = [
            (pool, one_thread, prices, prepared.scale, run.deadline, km_rows[i])
            for i, pool in enumerate(pools)
        ]
        pool_workers = run.workers_for(workers)
        out: list = [None] * len(pools)
        try:
            # biggest pools first, as for the main solve
            by_size = sorted(range(len(pools)), key=lambda i: -len(pools[i].blocks))
            pending = {pool_workers.submit(_ladder_job, jobs[i]): i for i in by_size}
            while pending:
                finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    out[pending.pop(future)] = future.result()
                run.report(70 + 20 * (len(pools) - len(pending)) // len(pools), "Alternativer")
        except BrokenProcessPool:
            pool_workers.kill()
        except BaseException:
            pool_workers.kill()
            raise
        else:
            return out
    out = []
    for i, pool in enumerate(pools):
        run.report(70 + 20 * i // max(1, len(pools)), "Alternativer")
        out.append(
            solve_pool_ladder(pool, params, prices, prepared.scale, run.deadline, km_rows[i])
        )
    return out


def _alternatives(
    prepared: Prepared, main: FleetSolution, run: _Run
) -> tuple[list[Alternative], list[str]]:
    """Distinct fleets along a ladder of CO2 prices; each pool's model is built once."""
    params = prepared.params
    prices = sorted(set(ALTERNATIVE_CO2_PRICES) - {params.co2_value_dkk_per_t})
    if time.monotonic() > run.deadline - 2.0:
        return [], ["Tidsgrænsen tillod ingen alternativer."]
    per_pool = _ladder(prepared, prices, run, [out.km_rows for _, _, out in main.pools])
    out: list[Alternative] = []
    seen = {_fleet_key(main)}
    warnings = []
    for j, price in enumerate(prices):
        solved = [pool_out[j] for pool_out in per_pool]
        if any(x is None for x in solved):
            warnings.append("Tidsgrænsen tillod ikke alle alternativer.")
            break
        pools = [
            (pool, cl, outcome) for pool, (outcome, cl) in zip(prepared.pools, solved, strict=True)
        ]
        statuses = [outcome.status for _, _, outcome in pools]
        if any(st not in ("optimal", "time_limit") for st in statuses):
            continue
        for _, _, outcome in pools:
            run.add("model_build", outcome.timings.get("model_build", 0.0))
            run.add("solve", outcome.timings.get("solve", 0.0))
        sol = FleetSolution(price, _overall_status(statuses), [], pools, None, None)
        sol.group_counts = [_split_counts(p, cl, o.counts, None) for p, cl, o in pools]
        key = _fleet_key(sol)
        if key in seen:
            continue
        seen.add(key)
        fleet = []
        for pool, counts in zip(prepared.pools, sol.group_counts, strict=True):
            fleet += fleet_lines(pool, counts)
        out.append(
            Alternative(
                label=f"CO2-pris {_dkk(price)} kr./t",
                co2_value_dkk_per_t=price,
                totals=_assignment_totals(prepared, sol),
                fleet=fleet,
            )
        )
    return out, warnings


@dataclass(slots=True)
class _PricePoint:
    """All pools solved at one CO2 price, with the totals of the model's assignment."""

    price: float
    sol: FleetSolution
    totals: Totals

    @property
    def money(self) -> float:
        """What a CO2e target minimises: money spent plus the unserved-trip penalty."""
        return self.totals.yearly_cost_dkk + self.totals.unserved_penalty_dkk

    @property
    def co2e(self) -> float:
        return self.totals.co2e_t

    @property
    def usable(self) -> bool:
        return self.sol.status in ("optimal", "feasible", "time_limit") and self.sol.has_plan


@dataclass(slots=True)
class _TargetSearch:
    """The Lagrangian search for a CO2e cap or a budget: one CO2 price for all pools.

    A CO2e cap inside the model couples every day and pool, so the decomposition by days
    and pools no longer applies and HiGHS stalls (a year of one pooled area ran into its
    time limit). Pricing CO2e keeps the model separable: for a CO2e cap C the cheapest
    fleet at price p costs at least `bound(p) - p * C` for every p, so each solve both
    tries a fleet and proves a lower bound; for a budget B the least CO2e is at least
    `(bound(p) - B) / p`. The next price is where the two bracketing fleets cost the same
    (the kink of the dual function), which finds the binding price in a few solves."""

    kind: str  # co2e | budget
    limit: float
    points: list[_PricePoint] = field(default_factory=list)
    best: _PricePoint | None = None
    lower_bound: float | None = None
    bound_valid: bool = True
    exact: bool = False  # the limit was a constraint of the MILP: its own gap stands

    def meets(self, point: _PricePoint) -> bool:
        if self.kind == "co2e":
            return point.co2e <= self.limit + 1e-9
        return point.totals.yearly_cost_dkk <= self.limit + 1e-6

    def value(self, point: _PricePoint) -> float:
        """What the search minimises among fleets that meet the limit."""
        return point.money if self.kind == "co2e" else point.co2e

    def add(self, point: _PricePoint) -> None:
        self.points.append(point)
        if not point.usable:
            return
        if self.meets(point) and (self.best is None or self.value(point) < self.value(self.best)):
            self.best = point
        bound = point.sol.bound
        if bound is None or not self.bound_valid:
            return
        if self.kind == "co2e":
            candidate = bound - point.price * self.limit
        elif point.price > 0:
            candidate = (bound - self.limit) / point.price
        else:
            return
        self.lower_bound = (
            candidate if self.lower_bound is None else max(self.lower_bound, candidate)
        )

    @property
    def gap(self) -> float | None:
        if self.best is None or self.lower_bound is None:
            return None
        value = self.value(self.best)
        return max(0.0, value - self.lower_bound) / max(abs(value), 1e-9)

    def next_price(self) -> float | None:
        """Between the dearest price whose fleet misses the limit and the cheapest one that
        meets it (CO2e cap; the other way round for a budget), where both cost the same."""
        usable = [p for p in self.points if p.usable]
        if self.kind == "co2e":
            missing = [p for p in usable if not self.meets(p)]
            meeting = [p for p in usable if self.meets(p)]
            if not missing or not meeting:
                return None
            low = max(missing, key=lambda p: p.price)
            high = min(meeting, key=lambda p: p.price)
        else:
            meeting = [p for p in usable if self.meets(p)]
            missing = [p for p in usable if not self.meets(p)]
            if not missing or not meeting:
                return None
            low = max(meeting, key=lambda p: p.price)
            high = min(missing, key=lambda p: p.price)
        if high.price <= low.price:
            return None
        price = float("nan")
        if low.co2e - high.co2e > 1e-9:
            price = (high.money - low.money) / (low.co2e - high.co2e)
        if low.price < price < high.price and not self._tried(price):
            return price
        # the same two fleets again (the dual is solved between them) or a degenerate step
        middle = (low.price * high.price) ** 0.5 if low.price > 0 else high.price / 1000.0
        if low.price < middle < high.price and not self._tried(middle):
            return middle
        return None

    def _tried(self, price: float) -> bool:
        return any(abs(p.price - price) <= 1e-9 * max(1.0, price) for p in self.points)


def _target_message(kind: str, pct: float | None, limit: float, base: Result, reach) -> str:
    if kind == "co2e":
        text = f"CO2e-målet på {_t(pct)} % mindre end i dag kan ikke nås med de"
        text += " tilladte køretøjer"
        if reach is not None and base.totals.co2e_t:
            less = 1.0 - reach.co2e_t / base.totals.co2e_t
            text += (
                f": den laveste udledning, der kan nås, er {_t(reach.co2e_t)} t CO2e om året"
                f" ({_danish_pct(less)} % mindre end i dag, som kørt). Det kræver flere"
                " fossilfri køretøjer: tilføj testkøretøjer (elbiler eller elcykler) eller"
                " hæv deres højeste antal, eller vælg et lavere mål"
            )
        return text + "."
    text = f"Budgettet på {_dkk(limit)} kr. om året kan ikke overholdes"
    if reach is not None:
        text += (
            f": den billigste flåde koster {_dkk(reach.yearly_cost_dkk)} kr. om året."
            " Hæv budgettet, eller tillad flere uløste ture"
        )
    return text + "."


def _search_target(
    prepared: Prepared, run: _Run, search: _TargetSearch, pct_range: tuple[int, int]
) -> _PricePoint | None:
    """Prices until the limit binds; returns the far end (greenest or cheapest fleet)."""
    lo, hi = pct_range
    rel_gap = prepared.params.solver.rel_gap
    if search.kind == "budget" and prepared.params.unserved.penalty_dkk_per_trip > 0:
        # the budget counts money only, the objective also the penalty: no clean bound
        search.bound_valid = False

    def solve_at(price: float) -> _PricePoint:
        step = len(search.points)
        share = lo + (hi - lo) * min(step, TARGET_BISECTION_STEPS) / (TARGET_BISECTION_STEPS + 2)
        run.report(int(share), "Prissætter målet")
        sol = _solve_all(prepared, price, None, run, (int(share), int(share)))
        point = _PricePoint(price, sol, _assignment_totals(prepared, sol))
        search.add(point)
        return point

    first = solve_at(0.0)
    if search.kind == "co2e" and first.usable and search.meets(first):
        return first  # the cheapest fleet already meets the target
    far = solve_at(MAX_TARGET_CO2_PRICE)
    if search.kind == "budget" and far.usable and search.meets(far):
        return far  # even the least-CO2e fleet fits the budget
    if search.kind == "co2e" and not (far.usable and search.meets(far)):
        return far  # even the greenest fleet misses the target
    if search.kind == "budget" and not (first.usable and search.meets(first)):
        return first  # even the cheapest fleet breaks the budget
    for _ in range(TARGET_BISECTION_STEPS):
        if search.gap is not None and search.gap <= rel_gap:
            break
        if time.monotonic() > run.deadline - 2.0:
            break
        price = search.next_price()
        if price is None:
            break
        solve_at(price)
    return far if search.kind == "co2e" else first


def _exact_target(prepared: Prepared, run: _Run, search: _TargetSearch) -> _PricePoint | None:
    """One small pool: the limit is a constraint of the MILP, so the answer is exact. When
    no fleet meets it, the far end (greenest or cheapest fleet) says what can be reached."""
    if search.kind == "co2e":
        caps, price, far_price = [PoolCaps(co2e_cap_t=search.limit)], 0.0, MAX_TARGET_CO2_PRICE
    else:
        caps, price, far_price = [PoolCaps(money_cap_dkk=search.limit)], LEAST_CO2E_PRICE, 0.0
    sol = _solve_all(prepared, price, None, run, (20, 75), caps)
    point = _PricePoint(price, sol, _assignment_totals(prepared, sol))
    search.points.append(point)
    if point.usable and search.meets(point):
        search.best, search.exact = point, True
        return point
    far_sol = _solve_all(prepared, far_price, None, run, (75, 80))
    far = _PricePoint(far_price, far_sol, _assignment_totals(prepared, far_sol))
    search.points.append(far)
    return far


def _optimise_with_target(
    prepared: Prepared, run: _Run, base: Result, co2_target_pct, budget_dkk
) -> tuple[Result, _TargetSearch]:
    if co2_target_pct is not None:
        # measured against today's fleet as driven: the municipality's real emissions
        search = _TargetSearch("co2e", base.totals.co2e_t * (1.0 - co2_target_pct / 100.0))
    else:
        search = _TargetSearch("budget", float(budget_dkk))
    if len(prepared.pools) == 1 and len(prepared.pools[0].blocks) <= EXACT_TARGET_MAX_BLOCKS:
        far = _exact_target(prepared, run, search)
    else:
        far = _search_target(prepared, run, search, (20, 80))
    outcome = TargetOutcome(
        kind=search.kind,
        limit=search.limit,
        pct=co2_target_pct,
        met=search.best is not None,
    )
    if search.best is None:
        reach = far.totals if far is not None and far.usable else None
        outcome.reachable = None
        if reach is not None:
            outcome.reachable = reach.co2e_t if search.kind == "co2e" else reach.yearly_cost_dkk
        message = _target_message(search.kind, co2_target_pct, search.limit, base, reach)
        price = MAX_TARGET_CO2_PRICE if far is None else far.price
        unreachable = FleetSolution(price, "infeasible", [message], [], None, None)
        result = _finish("optimise", prepared, unreachable, run, base, can_add=True)
        result.status = "unreachable"
        result.target = outcome
        return result, search
    best = search.best
    outcome.co2_price_dkk_per_t = best.price
    result = _finish("optimise", prepared, best.sol, run, base, can_add=True, report_bound=False)
    result.target = outcome
    gap = best.sol.max_gap
    if not search.exact and search.gap is not None:
        # the larger of the search's bound and the pools' own (e.g. priced km allowances
        # leave a pool unproven even when the target's price is exact)
        gap = search.gap if gap is None else max(gap, search.gap)
    result.best_bound = None
    result.gap = gap
    rel_gap = prepared.params.solver.rel_gap
    if result.status in ("optimal", "feasible"):
        proven = gap is not None and gap <= rel_gap + 1e-9 and result.status == "optimal"
        result.status = "optimal" if proven else "feasible"
        if not proven:
            what = "omkostningen" if search.kind == "co2e" else "udledningen"
            distance = (
                f"; {what} er højst {_danish_pct(gap)} % fra det bedst mulige"
                if gap is not None
                else ""
            )
            result.message = (result.message + " " if result.message else "") + (
                f"Målet er nået, men flåden er ikke bevist den bedste{distance}."
            )
    if best.price > 0:
        result.warnings.append(
            f"Målet er ramt ved en CO2-pris på {_dkk(best.price)} kr./t, som alle puljer deler."
        )
    if search.kind == "co2e" and result.totals.co2e_t > search.limit + 1e-6:
        outcome.met = False
        result.warnings.append("Køreplanen ligger over CO2e-målet efter tilretningen af planen.")
    if search.kind == "budget" and result.totals.yearly_cost_dkk > search.limit + 1e-6:
        outcome.met = False
        result.warnings.append("Køreplanen ligger over budgettet efter tilretningen af planen.")
    return result, search


def _target_alternatives(
    prepared: Prepared, search: _TargetSearch, run: _Run
) -> tuple[list[Alternative], list[str]]:
    """Distinct fleets along the trade-off for a target run: those the search met on its way
    and the usual CO2-price ladder, each marked whether it meets the target; cheapest first."""
    chosen = search.best
    usable = [p for p in search.points if p.usable]
    reference = chosen if chosen is not None else (usable[-1] if usable else None)
    if reference is None:
        return [], []
    found: list[Alternative] = []
    for point in sorted(usable, key=lambda p: p.price):
        fleet = []
        for pool, counts in zip(prepared.pools, point.sol.group_counts, strict=True):
            fleet += fleet_lines(pool, counts)
        found.append(
            Alternative(f"CO2-pris {_dkk(point.price)} kr./t", point.price, point.totals, fleet)
        )
    ladder, warnings = _alternatives(prepared, reference.sol, run)
    seen = {_fleet_key(reference.sol)} if chosen is not None else set()
    out = []
    for alternative in found + ladder:
        key = tuple((line.pool, line.group, line.count) for line in alternative.fleet)
        if key in seen:
            continue
        seen.add(key)
        totals = alternative.totals
        meets = (
            totals.co2e_t <= search.limit + 1e-9
            if search.kind == "co2e"
            else totals.yearly_cost_dkk <= search.limit + 1e-6
        )
        alternative.label += " (når målet)" if meets else " (når ikke målet)"
        out.append(alternative)
    out.sort(key=lambda a: (a.totals.yearly_cost_dkk, a.totals.co2e_t))
    return out, warnings


def _no_alternatives_reason(result: Result, alt_warnings: list[str]) -> str:
    if result.alternatives:
        return ""
    if alt_warnings:
        return alt_warnings[0]
    if result.status not in ("optimal", "feasible"):
        return "Der er ingen alternativer, fordi optimeringen ikke fandt en gyldig plan."
    return "Alle afprøvede CO2-priser gav samme flåde som forslaget."


def _not_worse_than_today(result: Result, replanned: Result, rel_gap: float) -> Result:
    """An optimisation never proposes a fleet dearer (money + valued CO2e + penalty) than
    today's fleet planned by the same rules: that fleet is always a valid answer."""
    no_plan = ("infeasible", "error", "time_limit")
    if replanned.status in no_plan or result.status in no_plan:
        return result  # nothing to compare: a run without a plan stays one
    limit = replanned.totals.objective_dkk + rel_gap * abs(replanned.totals.objective_dkk)
    if result.totals.objective_dkk <= limit + 1e-6:
        return result
    kept = replace(
        replanned,
        operation="optimise",
        status="feasible",
        best_bound=result.best_bound,
        alternatives=result.alternatives,
        warnings=list(replanned.warnings),
    )
    kept.objective = kept.totals.objective_dkk
    if kept.best_bound is not None:
        kept.best_bound = min(kept.best_bound, kept.objective)
        kept.gap = max(0.0, kept.objective - kept.best_bound) / max(abs(kept.objective), 1e-9)
    kept.message = (
        "Optimeringen fandt ingen flåde, der er billigere end dagens flåde med omplanlagte"
        " ture, inden for tidsgrænsen; forslaget er dagens flåde."
    )
    return kept


def optimise(
    problem: Problem,
    *,
    co2_target_pct: float | None = None,
    budget_dkk: float | None = None,
    alternatives: bool = True,
    progress: Callable[[int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Result:
    """The fleet with the lowest yearly cost + valued CO2e, or the cheapest fleet meeting a
    CO2e target, or the lowest-CO2e fleet within a budget; with today's fleet planned by
    the same rules as its reference (`Result.replanned`)."""
    if co2_target_pct is not None and budget_dkk is not None:
        raise EngineError("optimise: angiv enten et CO2e-mål eller et budget, ikke begge")
    if co2_target_pct is not None and not 0 <= co2_target_pct <= 100:
        raise EngineError("optimise: CO2e-målet skal være mellem 0 og 100 %")
    if budget_dkk is not None and budget_dkk < 0:
        raise EngineError("optimise: budgettet må ikke være negativt")
    prepared, run, base = _prepare_run(problem, progress, should_cancel)
    params = prepared.params
    try:
        today_sol = _replanned_solution(prepared, run, (5, 20))
        if co2_target_pct is None and budget_dkk is None:
            main = _solve_all(prepared, params.co2_value_dkk_per_t, None, run, (20, 70))
            alts, alt_warnings = ([], [])
            if alternatives and main.status in ("optimal", "feasible", "time_limit"):
                alts, alt_warnings = _alternatives(prepared, main, run)
            run.close()
            replanned = _finish_replanned(prepared, today_sol, run, base)
            result = _finish("optimise", prepared, main, run, base, can_add=True)
            result.alternatives = alts
            result.warnings += alt_warnings
            result = _not_worse_than_today(result, replanned, params.solver.rel_gap)
        else:
            result, search = _optimise_with_target(prepared, run, base, co2_target_pct, budget_dkk)
            alt_warnings = []
            if alternatives:
                result.alternatives, alt_warnings = _target_alternatives(prepared, search, run)
            replanned = _finish_replanned(prepared, today_sol, run, base)
    finally:
        run.close()
    result.replanned = _usable_totals(replanned)
    if alternatives:
        result.alternatives_note = _no_alternatives_reason(result, alt_warnings)
    result.timings_s = dict(run.timings)
    run.report(100, "Færdig")
    return result
