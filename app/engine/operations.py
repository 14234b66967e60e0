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
from app.engine.plan import EvRule, VehicleSlot, first_fit, try_insert
from app.engine.prepare import Group, PoolData, Prepared, TripTimes, prepare
from app.engine.report import fleet_lines, fuel_figures, peak_use, totals_from_trips, vehicle_usage
from app.engine.solve import Classes, PoolCaps, PoolOutcome, solve_pool, solve_pool_ladder
from app.engine.types import (
    Alternative,
    FleetCount,
    FleetLine,
    Problem,
    Result,
    Totals,
    VehicleType,
)
from app.engine.workers import Workers, wanted

# CO2 prices (DKK/t) for the alternatives along the cost/CO2e trade-off.
ALTERNATIVE_CO2_PRICES = (0.0, 750.0, 1500.0, 3000.0, 6000.0, 12000.0)
# Highest CO2 price tried when pricing a CO2e target or a budget.
MAX_TARGET_CO2_PRICE = 1e8
TARGET_BISECTION_STEPS = 10
# A CO2 price so high that CO2e dominates money (budget: least CO2e, money breaks ties).
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
        usages.append(vehicle_usage(prepared, vehicle.vehicle_id, pool.pool, group, mine))
    fixed = float(sum(v.yearly_cost_dkk for v in prepared.vehicles))
    totals = totals_from_trips(prepared, unit, price, factor, served, fixed, len(prepared.vehicles))
    fleet = []
    for pool in prepared.pools:
        fleet += fleet_lines(pool, [g.current for g in pool.groups])
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
        warnings=list(prepared.warnings),
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
    fixed, vehicles = 0.0, 0
    for (pool, cl, out), counts in zip(sol.pools, sol.group_counts, strict=True):
        fixed += sum(c * g.fixed_dkk for c, g in zip(counts, pool.groups, strict=True))
        vehicles += sum(counts)
        if out.block_class is None:
            continue
        blocks = pool.blocks
        per_trip_class = np.repeat(out.block_class, blocks.trips)
        t_idx = blocks.trip_order
        for c, members in enumerate(cl.members):
            mine = t_idx[per_trip_class == c]
            g = pool.groups[members[0]]
            p, f = fuel_figures(params, g.fuel)
            unit[mine], price[mine], factor[mine], served[mine] = g.unit_per_km, p, f, True
    return totals_from_trips(prepared, unit, price, factor, served, fixed, vehicles)


# --------------------------------------------------------------------------- plan
@dataclass(slots=True)
class PoolPlan:
    slots_of: list[list[VehicleSlot]]
    counts: list[int]
    left_over: list[int]  # blocks first-fit could not place (EV energy)


def _vehicle_name(pool: PoolData, group: Group, number: int) -> str:
    # current group ids already start with their location ("Nord/Toyota Yaris ...")
    base = group.gid if not group.candidate else f"{pool.pool}/{group.gid}"
    return f"{base}#{number}"


def _first_fit_pool(
    prepared: Prepared, pool: PoolData, cl: Classes, out: PoolOutcome, counts: list[int]
) -> PoolPlan:
    groups = pool.groups
    slots_of = [
        [VehicleSlot(_vehicle_name(pool, groups[i], k + 1), i) for i in m for k in range(counts[i])]
        for m in cl.members
    ]
    left_over: list[int] = []
    if out.block_class is not None:
        for c, members in enumerate(cl.members):
            order = np.nonzero(out.block_class == c)[0]
            rule = EvRule.of(groups[members[0]], prepared.params)
            left_over += first_fit(pool.blocks, prepared.trips, order, slots_of[c], rule)
    return PoolPlan(slots_of, list(counts), sorted(left_over))


def _repair(
    prepared: Prepared, pool: PoolData, cl: Classes, plan: PoolPlan, can_add: bool
) -> list[int]:
    """Blocks first-fit could not place: another vehicle with time and charge, else (when
    allowed and cheaper than own cars, or the trip must be served) one more vehicle."""
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
            for slot in plan.slots_of[c]
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
                slot = VehicleSlot(_vehicle_name(pool, pool.groups[i], plan.counts[i] + 1), i)
                if try_insert(pool.blocks, prepared.trips, b, slot, rules[c]):
                    plan.counts[i] += 1
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
    fixed_total, vehicles_total = 0.0, 0
    for p, (pool, cl, out) in enumerate(sol.pools):
        counts = sol.group_counts[p]
        pool_plan = _first_fit_pool(prepared, pool, cl, out, counts)
        forbidden = None
        rounds = ENERGY_RESOLVE_ROUNDS if len(pool.blocks) <= ENERGY_RESOLVE_MAX_BLOCKS else 0
        for _round in range(rounds):
            if not pool_plan.left_over or time.monotonic() > run.deadline - 1.0:
                break
            if forbidden is None:
                forbidden = np.zeros_like(cl.useful)
            rows = np.array(pool_plan.left_over)
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
                usages.append(vehicle_usage(prepared, slot.name, pool.pool, group, np.sort(mine)))
        fixed_total += sum(cnt * g.fixed_dkk for cnt, g in zip(counts, groups, strict=True))
        vehicles_total += sum(counts)
        fleet += fleet_lines(pool, counts)
    totals = totals_from_trips(prepared, unit, price, factor, served, fixed_total, vehicles_total)
    return PlanResult(plan, totals, fleet, usages, trip_type, warnings)


def _finish(
    operation: str,
    prepared: Prepared,
    sol: FleetSolution,
    run: _Run,
    base: Result,
    can_add: bool,
    report_bound: bool = True,
) -> Result:
    run.report(90, "Laver køreplan")
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


def simulate(
    problem: Problem,
    counts: list[FleetCount],
    *,
    progress: Callable[[int, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Result:
    """The cheapest assignment of the trips to the given fleet (counts fixed)."""
    prepared, run, base = _prepare_run(problem, progress, should_cancel)
    try:
        fixed = _fixed_counts(prepared, counts)
        sol = _solve_all(prepared, prepared.params.co2_value_dkk_per_t, fixed, run, (10, 85))
    finally:
        run.close()
    result = _finish("simulate", prepared, sol, run, base, can_add=False)
    result.timings_s = dict(run.timings)
    run.report(100, "Færdig")
    return result


# --------------------------------------------------------------------------- optimise
def _fleet_key(sol: FleetSolution) -> tuple:
    return tuple(tuple(c) for c in sol.group_counts)


def _ladder_job(args: tuple) -> list:
    """Runs in a worker process: the whole CO2-price ladder of one pool."""
    pool, params, prices, scale, deadline = args
    return solve_pool_ladder(pool, params, prices, scale, deadline)


def _ladder(prepared: Prepared, prices: list[float], run: _Run) -> list[list]:
    """Per pool, the outcomes at each price (side by side in processes when it pays)."""
    params = prepared.params
    pools = prepared.pools
    workers = min(params.solver.threads, len(pools))
    big = sum(len(p.blocks) for p in pools) >= PARALLEL_MIN_BLOCKS
    if workers >= 2 and big and not multiprocessing.current_process().daemon:
        one_thread = replace(params, solver=replace(params.solver, threads=1))
        jobs = [(pool, one_thread, prices, prepared.scale, run.deadline) for pool in pools]
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
        out.append(solve_pool_ladder(pool, params, prices, prepared.scale, run.deadline))
    return out


def _alternatives(
    prepared: Prepared, main: FleetSolution, run: _Run
) -> tuple[list[Alternative], list[str]]:
    """Distinct fleets along a ladder of CO2 prices; each pool's model is built once."""
    params = prepared.params
    prices = sorted(set(ALTERNATIVE_CO2_PRICES) - {params.co2_value_dkk_per_t})
    if time.monotonic() > run.deadline - 2.0:
        return [], ["Tidsgrænsen tillod ingen alternativer."]
    per_pool = _ladder(prepared, prices, run)
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


def _price_target(
    prepared: Prepared,
    run: _Run,
    feasible: Callable[[Totals], bool],
    want_high_price: bool,
) -> tuple[FleetSolution | None, FleetSolution]:
    """Several pools: bisection on a CO2 price (one price for all pools, because a single
    constraint over all pools made HiGHS stall). Returns (best feasible, far end)."""

    def solve_at(price: float) -> tuple[FleetSolution, bool]:
        # the CO2 price only enters the objective; totals stay at the parameters' value
        sol = _solve_all(prepared, price, None, run, (20, 80))
        ok = sol.status in ("optimal", "time_limit") and feasible(_assignment_totals(prepared, sol))
        return sol, ok

    low_sol, low_ok = solve_at(0.0)
    if not want_high_price and not low_ok:
        return None, low_sol  # even the cheapest fleet breaks the budget
    if want_high_price and low_ok:
        return low_sol, low_sol
    high_sol, high_ok = solve_at(MAX_TARGET_CO2_PRICE)
    if want_high_price and not high_ok:
        return None, high_sol  # even the greenest fleet misses the CO2e target
    if not want_high_price and high_ok:
        return high_sol, high_sol
    lo, hi = 0.0, MAX_TARGET_CO2_PRICE
    best = high_sol if want_high_price else low_sol
    for _ in range(TARGET_BISECTION_STEPS):
        if time.monotonic() > run.deadline - 2.0:
            break
        mid = (lo * hi) ** 0.5 if lo > 0 else hi / 1000.0
        sol, ok = solve_at(mid)
        # a CO2e target wants the lowest price that meets it; a budget the highest
        if want_high_price:
            if ok:
                hi, best = mid, sol
            else:
                lo = mid
        elif ok:
            lo, best = mid, sol
        else:
            hi = mid
    return best, best


def _target_message(co2_target_pct, budget_dkk, base: Result, reach: Totals | None) -> str:
    if co2_target_pct is not None:
        text = f"CO2e-målet på {_t(co2_target_pct)} % mindre end i dag kan ikke nås med de"
        text += " tilladte køretøjer"
        if reach is not None and base.totals.co2e_t:
            less = 1.0 - reach.co2e_t / base.totals.co2e_t
            text += (
                f": den laveste udledning er {_t(reach.co2e_t)} t CO2e om året"
                f" ({_danish_pct(less)} % mindre end i dag)"
            )
        return text + "."
    text = f"Budgettet på {_dkk(budget_dkk)} kr. om året kan ikke overholdes"
    if reach is not None:
        text += f": den billigste flåde koster {_dkk(reach.yearly_cost_dkk)} kr. om året"
    return text + "."


def _optimise_with_target(
    prepared: Prepared, run: _Run, base: Result, co2_target_pct, budget_dkk
) -> Result:
    cap = None
    if co2_target_pct is not None:
        cap = base.totals.co2e_t * (1.0 - co2_target_pct / 100.0)
    if len(prepared.pools) == 1:
        # one pool: the target is a constraint of the MILP, so the answer is exact
        if cap is not None:
            caps = [PoolCaps(co2e_cap_t=cap)]
            price = 0.0  # least money (+ penalty) under the CO2e cap
        else:
            caps = [PoolCaps(money_cap_dkk=budget_dkk)]
            price = LEAST_CO2E_PRICE  # least CO2e within the budget; money breaks ties
        sol = _solve_all(prepared, price, None, run, (10, 80), caps)
        if sol.status == "infeasible":
            far_price = MAX_TARGET_CO2_PRICE if cap is not None else 0.0
            reach = _assignment_totals(
                prepared, _solve_all(prepared, far_price, None, run, (80, 85))
            )
            sol.messages = [_target_message(co2_target_pct, budget_dkk, base, reach)]
            return _finish("optimise", prepared, sol, run, base, can_add=True)
        result = _finish("optimise", prepared, sol, run, base, can_add=True, report_bound=False)
    else:
        if cap is not None:
            best, far = _price_target(prepared, run, lambda t: t.co2e_t <= cap + 1e-9, True)
        else:
            best, far = _price_target(
                prepared, run, lambda t: t.yearly_cost_dkk <= budget_dkk + 1e-6, False
            )
        if best is None:
            reach = _assignment_totals(prepared, far)
            message = _target_message(co2_target_pct, budget_dkk, base, reach)
            infeasible = FleetSolution(
                far.co2_price, "infeasible", [message], far.pools, None, None, far.group_counts
            )
            return _finish("optimise", prepared, infeasible, run, base, can_add=True)
        result = _finish("optimise", prepared, best, run, base, can_add=True, report_bound=False)
        result.warnings.append(
            f"Målet er ramt ved en fælles CO2-pris på {_dkk(best.co2_price)} kr./t for alle"
            " puljer; med flere puljer er det en prissætning af målet, ikke et bevist optimum."
        )
    if cap is not None and result.totals.co2e_t > cap + 1e-6:
        result.warnings.append("Køreplanen ligger over CO2e-målet efter tilretningen af planen.")
    if budget_dkk is not None and result.totals.yearly_cost_dkk > budget_dkk + 1e-6:
        result.warnings.append("Køreplanen ligger over budgettet efter tilretningen af planen.")
    return result


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
    CO2e target, or the lowest-CO2e fleet within a budget."""
    if co2_target_pct is not None and budget_dkk is not None:
        raise EngineError("optimise: angiv enten et CO2e-mål eller et budget, ikke begge")
    if co2_target_pct is not None and not 0 <= co2_target_pct <= 100:
        raise EngineError("optimise: CO2e-målet skal være mellem 0 og 100 %")
    if budget_dkk is not None and budget_dkk < 0:
        raise EngineError("optimise: budgettet må ikke være negativt")
    prepared, run, base = _prepare_run(problem, progress, should_cancel)
    params = prepared.params
    try:
        if co2_target_pct is None and budget_dkk is None:
            main = _solve_all(prepared, params.co2_value_dkk_per_t, None, run, (10, 70))
            alts, alt_warnings = ([], [])
            if alternatives and main.status in ("optimal", "time_limit"):
                alts, alt_warnings = _alternatives(prepared, main, run)
            run.close()
            result = _finish("optimise", prepared, main, run, base, can_add=True)
            result.alternatives = alts
            result.warnings += alt_warnings
        else:
            result = _optimise_with_target(prepared, run, base, co2_target_pct, budget_dkk)
    finally:
        run.close()
    result.timings_s = dict(run.timings)
    run.report(100, "Færdig")
    return result
