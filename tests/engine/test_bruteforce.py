"""The engine's optimum equals a brute-force optimum computed straight from the spec.

On tiny instances (40 seeded random ones with up to 8 trips and 3 vehicle groups, 24 more
that vary the allocation settings, plus handpicked edge cases) we enumerate every assignment
of the units (trips, or shift blocks) to a group or to "unserved". For each group the number of
vehicles a set of units needs is found by trying every way to split them into vehicle chains
(timing with changeover, and the EV battery with recharging at long stops), not by the
interval-graph shortcut the engine uses. The counts follow: for `optimise` the cheapest
allowed count (at least the locked vehicles), for `simulate` the requested ones. The
objective is computed here from the spec's formulas, independently of the engine and of the
validator; every engine result is also run through the validator. CO2e targets (least
money) and budgets (least CO2e) are checked the same way over the same enumeration.

Eligibility includes the allocation settings, computed here from their definition: a bike
or e-bike takes a trip only if staff would ride it (ridden today, or the trip's BLAKE2b draw
below the share, compared as fractions), and at a keep-type location only a vehicle of the
type that drove the trip today may take it.

The solver runs with rel_gap 0, so the engine must also prove its optimum (status optimal).
Findings are written up in tests/engine/FINDINGS.md.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import app.engine as engine
import app.engine.solve as engine_solve
from app.engine.parameters import AllocationSettings, KmAllowanceSettings, Parameters
from app.engine.types import (
    CandidateModel,
    FleetCount,
    Fuel,
    Problem,
    Trip,
    Vehicle,
    VehicleType,
)
from app.engine.validate import GroupIndex, assert_valid, read_settings, validate

requires_engine = pytest.mark.skipif(
    not hasattr(engine, "optimise"), reason="the engine API (app.engine.optimise) is not there yet"
)

CPH = ZoneInfo("Europe/Copenhagen")
REL = 1e-6
SEEDS = range(40)
TIGHT_SOLVER = {"rel_gap": 0.0, "time_limit_s": 60, "threads": 1}


# ---------------------------------------------------------------------------- the spec, again
@dataclass
class BruteGroup:
    """A vehicle group in one pool, as the spec defines it."""

    pool: str
    type: VehicleType
    fuel: str
    fixed: float
    per_km: float  # litres or kWh
    range_km: float | None  # WLTP
    wh_per_km: float | None
    lower: int  # locked vehicles
    upper: float  # current count or max_count (inf when unlimited)
    vehicle_ids: tuple[str, ...] = ()
    model_id: str | None = None
    allowance: float | None = None  # yearly km per vehicle


@dataclass
class Unit:
    """What is assigned whole: one trip, or one crew's shift block."""

    trips: list[Trip]
    pool: str
    busy_from: float  # epoch minutes
    busy_until: float  # changeover (and with shifts, the whole shift) included


def epoch_min(moment: datetime) -> float:
    return moment.timestamp() / 60.0


def local_min(moment: datetime) -> float:
    lt = moment.astimezone(CPH)
    return lt.hour * 60 + lt.minute


def pool_names(problem: Problem, params: Parameters) -> dict[str, str]:
    locations = {t.location for t in problem.trips} | {v.location for v in problem.vehicles}
    name = {loc: loc for loc in locations}
    for pool in params.pools:
        for loc in pool:
            name[loc] = "+".join(sorted(pool))
    return name


def brute_groups(problem: Problem, params: Parameters, decision: date) -> list[BruteGroup]:
    pool_of = pool_names(problem, params)
    by_key: dict[tuple, list[Vehicle]] = {}
    for v in problem.vehicles:
        key = (
            v.location,
            v.type,
            v.fuel,
            v.km_per_litre,
            v.wh_per_km,
            v.range_km,
            v.yearly_cost_dkk,
            v.make,
            v.model,
            v.yearly_km_allowance,
        )
        by_key.setdefault(key, []).append(v)
    groups = []
    for members in by_key.values():
        v = members[0]
        groups.append(
            BruteGroup(
                pool=pool_of[v.location],
                type=v.type,
                fuel=str(v.fuel),
                fixed=v.yearly_cost_dkk,
                per_km=per_km(v),
                range_km=v.range_km,
                wh_per_km=v.wh_per_km,
                lower=sum(1 for m in members if m.lease_end and m.lease_end > decision),
                upper=len(members),
                vehicle_ids=tuple(m.vehicle_id for m in members),
                allowance=v.yearly_km_allowance,
            )
        )
    for pool in sorted(set(pool_of.values())):
        for c in problem.candidates:
            groups.append(
                BruteGroup(
                    pool=pool,
                    type=c.type,
                    fuel=str(c.fuel),
                    fixed=c.yearly_cost_dkk,
                    per_km=per_km(c),
                    range_km=c.range_km,
                    wh_per_km=c.wh_per_km,
                    lower=0,
                    upper=math.inf if c.max_count is None else c.max_count,
                    model_id=c.model_id,
                    allowance=c.yearly_km_allowance,
                )
            )
    return groups


def per_km(v: Vehicle | CandidateModel) -> float:
    if v.fuel in (Fuel.PETROL, Fuel.DIESEL, Fuel.HVO):
        return 1.0 / v.km_per_litre
    if v.fuel == Fuel.ELECTRICITY:
        return (v.wh_per_km or 0.0) / 1000.0
    return 0.0


def staff_ride(trip: Trip, today: VehicleType | None, params: Parameters) -> bool:
    """Ridden today, or the first 8 bytes of BLAKE2b(trip id), as a fraction of 2**64,
    below the share."""
    if today in (VehicleType.BIKE, VehicleType.EBIKE):
        return True
    digest = hashlib.blake2b(trip.trip_id.encode("utf-8"), digest_size=8).digest()
    draw = Fraction(int.from_bytes(digest, "big"), 2**64)
    return draw < Fraction(params.allocation.bike_share_pct) / 100


def trip_eligible(
    trip: Trip, group: BruteGroup, params: Parameters, today: VehicleType | None = None
) -> bool:
    """`today`: the type of the vehicle that drove the trip (None: unknown vehicle)."""
    keep = params.allocation.keep_type_locations
    if trip.location in keep and today is not None and group.type != today:
        return False
    if group.type == VehicleType.FOSSIL:
        return True
    if group.type == VehicleType.EV:
        return trip.distance_km <= group.range_km * (1 - params.ev.winter_derating_pct / 100)
    bike = params.bike if group.type == VehicleType.BIKE else params.ebike
    minutes = epoch_min(trip.end) - epoch_min(trip.start)
    start, end = trip.start.astimezone(CPH), trip.end.astimezone(CPH)
    same_day = start.date() == end.date()
    in_window = any(
        same_day and a <= local_min(trip.start) and local_min(trip.end) <= z
        for a, z in bike.windows
    )  # the tiny instances use same-day windows only
    return (
        trip.distance_km <= bike.max_km
        and trip.distance_km / bike.speed_kmh * 60 <= minutes + 1e-9
        and in_window
        and staff_ride(trip, today, params)
    )


def make_units(problem: Problem, params: Parameters, start: date, end: date) -> list[Unit]:
    pool_of = pool_names(problem, params)
    known = {v.vehicle_id for v in problem.vehicles}
    changeover = params.changeover_minutes
    in_period = [t for t in problem.trips if start <= t.start.astimezone(CPH).date() <= end]
    blocks: dict[tuple, Unit] = {}
    units = []
    for trip in sorted(in_period, key=lambda t: (epoch_min(t.start), t.trip_id)):
        shift = shift_of(trip, params) if trip.vehicle_id in known else None
        if shift is None:
            units.append(
                Unit(
                    [trip],
                    pool_of[trip.location],
                    epoch_min(trip.start),
                    epoch_min(trip.end) + changeover,
                )
            )
            continue
        opens, closes = shift
        key = (pool_of[trip.location], trip.vehicle_id, opens)
        if key not in blocks:
            blocks[key] = Unit([], pool_of[trip.location], opens, closes)
            units.append(blocks[key])
        unit = blocks[key]
        unit.trips.append(trip)
        unit.busy_from = min(unit.busy_from, epoch_min(trip.start))
        unit.busy_until = max(unit.busy_until, epoch_min(trip.end) + changeover)
    return units


def shift_of(trip: Trip, params: Parameters) -> tuple[float, float] | None:
    """The shift occurrence (epoch minutes open, close) holding the trip's local start."""
    windows = params.shifts.get(trip.location)
    if not windows:
        return None
    start = trip.start.astimezone(CPH)
    for a, z in windows:
        length = z - a if z > a else z + 1440 - a
        for back in (0, 1):
            opened = datetime.combine(start.date() - timedelta(days=back), datetime.min.time())
            opened = (opened + timedelta(minutes=a)).replace(tzinfo=CPH)
            if 0 <= epoch_min(start) - epoch_min(opened) < length:
                return epoch_min(opened), epoch_min(opened) + length
    return None


def chain_fits(units: list[Unit], group: BruteGroup, params: Parameters) -> bool:
    """One vehicle can drive these units in start order: timing, then the EV battery."""
    ordered = sorted(units, key=lambda u: u.busy_from)
    for before, after in itertools.pairwise(ordered):
        if after.busy_from < before.busy_until - 1e-9:
            return False
    if group.type != VehicleType.EV:
        return True
    capacity = group.range_km * (1 - params.ev.winter_derating_pct / 100)
    km_per_min = params.ev.charger_kw / 60 / (group.wh_per_km / 1000)
    battery, last_end = capacity, None
    for trip in sorted((t for u in ordered for t in u.trips), key=lambda t: epoch_min(t.start)):
        if last_end is not None:
            stop = epoch_min(trip.start) - last_end
            if stop >= params.ev.min_charging_minutes:
                battery = min(capacity, battery + stop * km_per_min)
        battery -= trip.distance_km
        if battery < -1e-6:
            return False
        last_end = epoch_min(trip.end)
    return True


def vehicles_needed(
    units: list[Unit], group: BruteGroup, params: Parameters, today: dict[str, VehicleType]
) -> np.ndarray:
    """For every subset (bit mask) of units: the fewest vehicles of `group`, inf if any is
    ineligible (a unit is eligible only if all its trips are). Tries every split into
    chains (dynamic programming over subsets). `today`: vehicle id -> type."""
    n = len(units)
    eligible = [
        u.pool == group.pool
        and all(trip_eligible(t, group, params, today.get(t.vehicle_id)) for t in u.trips)
        for u in units
    ]
    fits = np.zeros(1 << n, dtype=bool)
    for mask in range(1, 1 << n):
        members = [units[i] for i in range(n) if mask >> i & 1]
        if all(eligible[i] for i in range(n) if mask >> i & 1):
            fits[mask] = chain_fits(members, group, params)

    @cache
    def cover(mask: int) -> float:
        if mask == 0:
            return 0
        lowest = mask & -mask
        best = math.inf
        rest = mask ^ lowest
        sub = rest
        while True:  # every chain containing the lowest unit
            chain = sub | lowest
            if fits[chain]:
                best = min(best, 1 + cover(mask ^ chain))
            if sub == 0:
                break
            sub = (sub - 1) & rest
        return best

    return np.array([cover(mask) for mask in range(1 << n)], dtype=float)


def km_over_by_vehicles(
    units: list[Unit],
    group: BruteGroup,
    params: Parameters,
    today: dict[str, VehicleType],
    scale: float,
) -> np.ndarray:
    """[mask, j]: the least yearly km over the allowance when at most j vehicles of `group`
    drive the units of `mask` (every split into chains tried), inf if they cannot; with the
    allowance a hard rule, a chain over it cannot be driven at all. Without an allowance the
    entry is 0 from the fewest vehicles on."""
    n = len(units)
    chains = vehicles_needed(units, group, params, today)  # fewest chains, no allowance
    fits = np.zeros(1 << n, dtype=bool)
    over = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        fits[mask] = chains[mask] == 1
        km = sum(t.distance_km for i in range(n) if mask >> i & 1 for t in units[i].trips)
        if group.allowance is not None:
            over[mask] = max(0.0, scale * km - group.allowance)
    if params.allowance.overage_dkk_per_km is None:
        fits &= over <= 1e-9
        over[:] = 0.0

    @cache
    def least(mask: int, j: int) -> float:
        if mask == 0:
            return 0.0
        if j == 0:
            return math.inf
        lowest = mask & -mask
        rest = mask ^ lowest
        best = math.inf
        sub = rest
        while True:
            chain = sub | lowest
            if fits[chain]:
                best = min(best, over[chain] + least(mask ^ chain, j - 1))
            if sub == 0:
                break
            sub = (sub - 1) & rest
        return best

    return np.array([[least(mask, j) for j in range(n + 1)] for mask in range(1 << n)])


@dataclass
class BruteOptimum:
    objective: float  # inf when nothing is feasible
    counts: tuple[int, ...]
    unserved: int


@dataclass
class Outcomes:
    """Every assignment's yearly figures (rows), as the spec computes them."""

    feasible: np.ndarray
    money: np.ndarray  # fixed + energy + allowance
    co2e_t: np.ndarray
    penalty: np.ndarray
    counts: np.ndarray  # (rows, groups)
    unserved: np.ndarray  # trips
    co2_value: float

    @property
    def objective(self) -> np.ndarray:
        return self.money + self.co2_value * self.co2e_t + self.penalty

    def best(self, value: np.ndarray, allowed: np.ndarray | None = None) -> BruteOptimum:
        ok = self.feasible if allowed is None else self.feasible & allowed
        masked = np.where(ok, value, np.inf)
        row = int(np.argmin(masked))
        return BruteOptimum(float(masked[row]), tuple(self.counts[row]), int(self.unserved[row]))


def enumerate_outcomes(problem: Problem, counts: dict[int, int] | None = None) -> Outcomes:
    """All assignments for `optimise` (counts None) or `simulate` (counts per group index)."""
    params = problem.parameters
    start = params.period_start
    end = params.period_end
    decision = params.decision_date or end
    scale = 365 / ((end - start).days + 1)
    groups = brute_groups(problem, params, decision)
    units = make_units(problem, params, start, end)
    n, k = len(units), len(groups)
    assert (k + 1) ** n <= 400_000, "too big to enumerate"
    factor, price = params.emission_kg_per_unit, params.energy_price_dkk_per_unit
    own_kg_per_km = factor["petrol"] / params.own_car.km_per_litre
    # money[u, 0] / kg[u, 0]: unit u unserved; [u, 1 + g]: served by group g (period sums)
    money = np.zeros((n, k + 1))
    kg = np.zeros((n, k + 1))
    for u, unit in enumerate(units):
        km = sum(t.distance_km for t in unit.trips)
        money[u, 0] = km * params.own_car.allowance_dkk_per_km
        kg[u, 0] = km * own_kg_per_km
        for g, group in enumerate(groups):
            amount = km * group.per_km
            money[u, 1 + g] = amount * price.get(group.fuel, 0)
            kg[u, 1 + g] = amount * factor.get(group.fuel, 0)
    today = {v.vehicle_id: v.type for v in problem.vehicles}
    over_of = [km_over_by_vehicles(units, group, params, today, scale) for group in groups]
    price_over = params.allowance.overage_dkk_per_km or 0.0

    assignments = list(itertools.product(range(k + 1), repeat=n))
    choice = np.array(assignments, dtype=np.int64).reshape(len(assignments), n)
    rows = np.arange(n)
    bits = 1 << rows
    fixed = np.zeros(len(choice))
    feasible = np.ones(len(choice), dtype=bool)
    chosen_counts = np.zeros((len(choice), k), dtype=np.int64)
    for g, group in enumerate(groups):
        over = over_of[g][((choice == g + 1) * bits).sum(axis=1)]  # (rows, j = 0..n)
        finite = np.isfinite(over)
        over = np.where(finite, price_over * np.where(finite, over, 0.0), np.inf)  # DKK
        if counts is None:
            # the cheapest count: fixed costs (at least the locked vehicles) + km over
            j = np.arange(n + 1)
            count_j = np.maximum(j, group.lower).astype(float)
            cost = count_j[None, :] * group.fixed + over
            cost = np.where(count_j[None, :] <= group.upper, cost, np.inf)
            best = np.argmin(cost, axis=1)
            group_cost = cost[np.arange(len(choice)), best]
            count = count_j[best]
        else:
            count = np.full(len(choice), counts.get(g, 0), dtype=float)
            group_cost = count * group.fixed + over[:, min(counts.get(g, 0), n)]
        feasible &= np.isfinite(group_cost)  # ineligible, or over a hard allowance
        count = np.where(np.isfinite(group_cost), count, 0)
        chosen_counts[:, g] = count
        fixed += np.where(np.isfinite(group_cost), group_cost, 0.0)
    unserved_trips = np.zeros((len(choice), n), dtype=np.int64)
    for u, unit in enumerate(units):
        unserved_trips[:, u] = (choice[:, u] == 0) * len(unit.trips)
        limit = params.unserved.must_serve_above_km
        if limit is not None and any(t.distance_km > limit for t in unit.trips):
            feasible &= choice[:, u] != 0
    if params.unserved.max_trips_per_pool is not None:
        for pool in {u.pool for u in units}:
            in_pool = [u for u, unit in enumerate(units) if unit.pool == pool]
            feasible &= unserved_trips[:, in_pool].sum(axis=1) <= params.unserved.max_trips_per_pool
    unserved = unserved_trips.sum(axis=1)
    return Outcomes(
        feasible=feasible,
        money=fixed + scale * money[rows, choice].sum(axis=1),
        co2e_t=scale * kg[rows, choice].sum(axis=1) / 1000,
        penalty=scale * unserved * params.unserved.penalty_dkk_per_trip,
        counts=chosen_counts,
        unserved=unserved,
        co2_value=params.co2_value_dkk_per_t,
    )


def brute_force(
    problem: Problem, counts: dict[int, int] | None = None
) -> tuple[BruteOptimum, list[BruteGroup]]:
    """The optimum of `optimise` (counts None) or `simulate` (counts per group index)."""
    outcomes = enumerate_outcomes(problem, counts)
    params = problem.parameters
    groups = brute_groups(problem, params, params.decision_date or params.period_end)
    return outcomes.best(outcomes.objective), groups


# ---------------------------------------------------------------------------- instances
BASE_DAY = date(2026, 3, 3)  # a Tuesday

FLEET_MENU = [
    dict(
        type=VehicleType.FOSSIL,
        fuel=Fuel.PETROL,
        cost=47_000,
        km_per_litre=20,
        make="Toyota",
        model="Yaris",
    ),
    dict(
        type=VehicleType.FOSSIL,
        fuel=Fuel.DIESEL,
        cost=52_000,
        km_per_litre=17,
        make="Peugeot",
        model="Partner",
    ),
    dict(
        type=VehicleType.EV,
        fuel=Fuel.ELECTRICITY,
        cost=61_000,
        wh_per_km=175,
        range_km=80,
        make="Renault",
        model="Zoe",
    ),
    dict(
        type=VehicleType.EV,
        fuel=Fuel.ELECTRICITY,
        cost=66_000,
        wh_per_km=160,
        range_km=140,
        make="VW",
        model="ID.3",
    ),
    dict(type=VehicleType.BIKE, fuel=Fuel.NONE, cost=2_000, make="Batavus", model="Cykel"),
    dict(
        type=VehicleType.EBIKE,
        fuel=Fuel.ELECTRICITY,
        cost=6_000,
        wh_per_km=10,
        make="Kildemoes",
        model="E-bike",
    ),
]


def at(day: date, minute: int) -> datetime:
    return (datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)).replace(
        tzinfo=CPH
    )


def random_problem(seed: int) -> Problem:
    """A tiny random instance: 1-2 locations, 1-3 groups, up to 8 trips, varied settings."""
    rng = random.Random(seed)
    locations = ["Nord"] if rng.random() < 0.6 else ["Nord", "Syd"]
    pooled = len(locations) == 2 and rng.random() < 0.5
    n_current = rng.randint(1, 2 if len(locations) == 1 else 1)
    n_candidates = rng.randint(0, 3 - n_current) if len(locations) == 1 or pooled else 0
    vehicles = []
    for g in range(n_current):
        spec = rng.choice(FLEET_MENU)
        location = locations[g % len(locations)]
        for i in range(rng.randint(1, 2)):
            lease = (
                BASE_DAY + timedelta(days=rng.choice([-30, 400])) if rng.random() < 0.6 else None
            )
            vehicles.append(make_vehicle(f"V{g}{i}", location, spec, lease))
    candidates = [
        make_candidate(f"c{i}", rng.choice(FLEET_MENU), rng.choice([None, 1, 2]))
        for i in range(n_candidates)
    ]
    days = rng.choice([1, 1, 2])
    trips = []
    for i in range(rng.randint(3, 8)):
        day = BASE_DAY + timedelta(days=rng.randrange(days))
        start = rng.randrange(6 * 12, 19 * 12) * 5
        duration = rng.choice([15, 30, 45, 60, 90, 120, 240])
        km = round(min(rng.lognormvariate(math.log(14), 0.8), 90), 1)
        owner = rng.choice(vehicles)
        location = owner.location if rng.random() < 0.8 else rng.choice(locations)
        trips.append(
            Trip(f"T{i}", owner.vehicle_id, location, at(day, start), at(day, start + duration), km)
        )
    parameters = {
        "period": {
            "start": BASE_DAY.isoformat(),
            "end": (BASE_DAY + timedelta(days=rng.choice([0, 0, 6]))).isoformat(),
        },
        "changeover_minutes": rng.choice([0, 5, 15]),
        "co2_value_dkk_per_t": rng.choice([0, 1500, 6000]),
        "unserved": {
            "penalty_dkk_per_trip": rng.choice([0, 0, 150]),
            "must_serve_above_km": rng.choice([None, None, 25]),
            "max_trips_per_pool": rng.choice([None, None, 2]),
        },
        "ev": {"charger_kw": rng.choice([11, 3.7]), "min_charging_minutes": rng.choice([30, 60])},
        "solver": TIGHT_SOLVER,
    }
    if pooled:
        parameters["pools"] = [locations]
    if rng.random() < 0.25:
        parameters["shifts"] = {
            loc: [["07:00", "12:00"], ["12:00", "18:00"], ["18:00", "07:00"]] for loc in locations
        }
    return Problem(trips, vehicles, candidates, Parameters.from_dict(parameters))


def make_vehicle(vid: str, location: str, spec: dict, lease: date | None = None) -> Vehicle:
    return Vehicle(
        vid,
        location,
        spec["type"],
        spec["fuel"],
        spec["cost"],
        km_per_litre=spec.get("km_per_litre"),
        wh_per_km=spec.get("wh_per_km"),
        range_km=spec.get("range_km"),
        make=spec["make"],
        model=spec["model"],
        lease_end=lease,
    )


def make_candidate(model_id: str, spec: dict, max_count: int | None) -> CandidateModel:
    return CandidateModel(
        model_id,
        spec["type"],
        spec["fuel"],
        spec["cost"] + 500,
        km_per_litre=spec.get("km_per_litre"),
        wh_per_km=spec.get("wh_per_km"),
        range_km=spec.get("range_km"),
        make=spec["make"],
        model=f"{spec['model']} ny",
        max_count=max_count,
    )


# ---------------------------------------------------------------------------- comparing
def engine_line_of_group(problem: Problem, result, groups: list[BruteGroup]) -> list[tuple]:
    """The engine's (pool, group) for each brute-force group (matched by members or model)."""
    index = GroupIndex(problem, read_settings(problem, result), result.fleet)
    keys = []
    for group in groups:
        match = None
        for key, own in index.by_line.items():
            same_pool = own.pool == frozenset(group.pool.split("+"))
            if group.model_id is not None:
                if own.candidate and own.model_id == group.model_id and same_pool:
                    match = key
            elif not own.candidate and tuple(own.vehicle_ids) == group.vehicle_ids and same_pool:
                match = key
        keys.append(match)
    return keys


def assert_same_objective(engine_value: float, brute_value: float, what: str) -> None:
    assert math.isclose(engine_value, brute_value, rel_tol=REL, abs_tol=1e-6), (
        f"{what}: engine {engine_value!r} vs brute force {brute_value!r}"
    )


SOLVED = ("optimal", "feasible")  # statuses that carry a plan ("time_limit" has none)


def assert_solved_like(
    problem: Problem,
    result,
    brute: BruteOptimum,
    value: float,
    what: str,
    no_plan: str = "infeasible",
) -> None:
    """Same feasibility, a valid plan, the brute-force value, and a proof of it.

    The value is compared before the status so that a failure says which went wrong: a
    wrong optimum, or the right one without the proof the spec promises (rel_gap is 0)."""
    if math.isinf(brute.objective):
        assert result.status == no_plan, f"{what}: brute force infeasible; engine {result.status}"
        return
    assert result.status in SOLVED, f"{what}: engine {result.status}: {result.message}"
    assert_valid(problem, result)
    assert_same_objective(value, brute.objective, what)
    assert result.status == "optimal", (
        f"{what}: right value, but status {result.status} with gap {result.gap}: {result.message}"
    )


def check_optimise(problem: Problem) -> None:
    brute, _ = brute_force(problem)
    result = engine.optimise(problem, alternatives=False)
    assert_solved_like(problem, result, brute, result.totals.objective_dkk, "optimise")
    if result.objective is not None and result.status == "optimal":
        assert_same_objective(result.objective, brute.objective, "optimise objective")


def check_simulate(problem: Problem, seed: int) -> None:
    rng = random.Random(seed + 1000)
    today = engine.baseline(problem)
    assert_valid(problem, today)
    _, groups = brute_force(problem)
    lines = engine_line_of_group(problem, today, groups)
    assert all(key is not None for key in lines), f"unmatched groups {lines}"
    requested = {g: rng.randint(0, 2) for g in range(len(groups))}
    counts = [FleetCount(pool, group, requested[g]) for g, (pool, group) in enumerate(lines)]
    brute, _ = brute_force(problem, requested)
    result = engine.simulate(problem, counts)
    if result.status in SOLVED:
        got = {(line.pool, line.group): line.count for line in result.fleet}
        assert [got.get(key, 0) for key in lines] == [requested[g] for g in range(len(groups))]
    assert_solved_like(problem, result, brute, result.totals.objective_dkk, "simulate")


# ---------------------------------------------------------------------------- random tests
@pytest.mark.parametrize("seed", SEEDS)
@requires_engine
def test_optimise_matches_brute_force(seed):
    check_optimise(random_problem(seed))


@pytest.mark.parametrize("seed", SEEDS)
@requires_engine
def test_simulate_matches_brute_force(seed):
    check_simulate(random_problem(seed), seed)


@pytest.mark.parametrize("seed", SEEDS)
@requires_engine
def test_optimise_day_by_day_matches_brute_force(seed, monkeypatch):
    """The same instances with every model, however small, solved by the Benders
    decomposition over days (decompose.py) where it splits into two or more parts."""
    monkeypatch.setattr(engine_solve, "BY_DAYS_MIN_PAIRS", 0)
    check_optimise(random_problem(seed))


# ---------------------------------------------------------------------------- allocation
# Seeded instances for the allocation settings: every seed's trips get their own ids (so the
# draws differ), at least one bike or e-bike group when the enumeration stays small, and one
# of six settings: share 0 %, 50 % or 100 %, each with keep-type off and on.
ALLOCATION_SEEDS = range(24)
SHARES = (0, 50, 100)


def allocation_problem(seed: int) -> Problem:
    rng = random.Random(seed + 7000)
    base = random_problem(seed + 100)
    share, keep = SHARES[seed % 3], seed % 6 >= 3
    locations = sorted({t.location for t in base.trips} | {v.location for v in base.vehicles})
    keep_at = [loc for loc in locations if rng.random() < 0.7] or locations[:1] if keep else []
    trips = [replace(t, trip_id=f"s{seed}-{t.trip_id}") for t in base.trips]
    candidates = list(base.candidates)
    bikes = (VehicleType.BIKE, VehicleType.EBIKE)
    if not any(x.type in bikes for x in [*base.vehicles, *candidates]):
        spec = FLEET_MENU[rng.choice([4, 5])]
        extra = [*candidates, make_candidate("cykel", spec, rng.choice([None, 1]))]
        trial = Problem(trips, base.vehicles, extra, base.parameters)
        k = len(brute_groups(trial, base.parameters, BASE_DAY))
        if (k + 1) ** len(trips) <= 400_000:
            candidates = extra
    parameters = replace(
        base.parameters, allocation=AllocationSettings(float(share), tuple(keep_at))
    )
    return Problem(trips, base.vehicles, candidates, parameters)


# Open engine finding, not about allocation (the same instance fails with the allocation
# settings off): two Zoes (56 km derated range, 60 min to recharge) and four 47-51 km trips;
# the EV energy re-plan leaves a longer trip to own cars than needed, status "feasible"
# with gap 31 % (engine 236,251 DKK, brute force 165,712 DKK). Strict: passes once fixed.
EV_ENERGY_OPEN = pytest.mark.xfail(
    strict=True, reason="EV energy re-plan is not optimal here (open finding, see comment)"
)
ALLOCATION_OPTIMISE_SEEDS = [
    pytest.param(seed, marks=EV_ENERGY_OPEN) if seed == 5 else seed for seed in ALLOCATION_SEEDS
]


@pytest.mark.parametrize("seed", ALLOCATION_OPTIMISE_SEEDS)
@requires_engine
def test_allocation_optimise_matches_brute_force(seed):
    check_optimise(allocation_problem(seed))


@pytest.mark.parametrize("seed", ALLOCATION_SEEDS)
@requires_engine
def test_allocation_simulate_matches_brute_force(seed):
    check_simulate(allocation_problem(seed), seed + 500)


def test_allocation_instances_cover_every_setting():
    """The seeds above really exercise each setting, with bikes and keep-type bites."""
    settings = set()
    bike_groups = 0
    for seed in ALLOCATION_SEEDS:
        problem = allocation_problem(seed)
        allocation = problem.parameters.allocation
        settings.add((allocation.bike_share_pct, bool(allocation.keep_type_locations)))
        groups = brute_groups(problem, problem.parameters, BASE_DAY)
        bike_groups += any(g.type in (VehicleType.BIKE, VehicleType.EBIKE) for g in groups)
    assert settings == {(float(s), k) for s in SHARES for k in (False, True)}
    assert bike_groups >= len(ALLOCATION_SEEDS) * 3 // 4


# ---------------------------------------------------------------------------- edge cases
YARIS, DIESEL, ZOE, ID3, BIKE, EBIKE = FLEET_MENU
LOCKED = date(2027, 12, 31)


def edge_problem(trips, vehicles, candidates=(), **parameters) -> Problem:
    base = {
        "period": {"start": BASE_DAY.isoformat(), "end": BASE_DAY.isoformat()},
        "solver": TIGHT_SOLVER,
    }
    return Problem(
        list(trips), list(vehicles), list(candidates), Parameters.from_dict({**base, **parameters})
    )


def t(tid, vehicle, start_hhmm, end_hhmm, km, location="Nord", day=BASE_DAY) -> Trip:
    def minute(text):
        h, m = map(int, text.split(":"))
        return h * 60 + m

    return Trip(tid, vehicle, location, at(day, minute(start_hhmm)), at(day, minute(end_hhmm)), km)


def edge_cases() -> dict[str, Problem]:
    two_cars = [make_vehicle("A", "Nord", YARIS), make_vehicle("B", "Nord", YARIS)]
    return {
        # B starts exactly changeover after A ends: one car serves both.
        "changeover_exact": edge_problem(
            [t("a", "A", "08:00", "09:00", 40), t("b", "B", "09:05", "10:00", 40)], two_cars
        ),
        # One minute short of the changeover: two cars (or one unserved).
        "changeover_short": edge_problem(
            [t("a", "A", "08:00", "09:00", 40), t("b", "B", "09:04", "10:00", 40)], two_cars
        ),
        # 56 km = 80 km x 0.7 exactly: the Zoe may take it; 56.1 km it may not.
        "ev_range_inclusive": edge_problem(
            [t("a", "A", "08:00", "10:00", 56.0), t("b", "A", "11:00", "13:00", 56.1)],
            [make_vehicle("A", "Nord", ZOE), make_vehicle("B", "Nord", YARIS)],
        ),
        # Bike: 10 km at 20 km/h in exactly 30 min, ending exactly 15:30; the second is late.
        "bike_limits_inclusive": edge_problem(
            [t("a", "A", "15:00", "15:30", 10), t("b", "A", "15:01", "15:31", 1)],
            [make_vehicle("A", "Nord", BIKE)],
        ),
        # A locked, idle diesel must be paid for; the unlocked idle one is dropped.
        "locked_lease_kept": edge_problem(
            [t("a", "A", "08:00", "09:00", 10)],
            [
                make_vehicle("A", "Nord", YARIS),
                make_vehicle("L", "Nord", DIESEL, LOCKED),
                make_vehicle("U", "Nord", DIESEL),
            ],
        ),
        # Two locations pooled share one car; apart, each needs its own.
        "pooled_locations": edge_problem(
            [t("a", "A", "08:00", "09:00", 10), t("b", "B", "10:00", "11:00", 10, "Syd")],
            [make_vehicle("A", "Nord", YARIS), make_vehicle("B", "Syd", YARIS)],
            pools=[["Nord", "Syd"]],
        ),
        # With shifts each crew keeps its car for the whole shift: two cars although the
        # trips never overlap.
        "shift_keeps_car": edge_problem(
            [t("a", "A", "08:00", "09:00", 10), t("b", "B", "10:00", "11:00", 10)],
            two_cars,
            shifts={"Nord": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]},
        ),
        # Zoe 80 km x 0.7 = 56 km; 2 x 35 km with a 20 min stop do not fit one charge, but
        # with a 90 min stop at 11 kW (+94 km) they do. A candidate Yaris is the alternative.
        "ev_energy_short_stop": edge_problem(
            [t("a", "A", "08:00", "09:00", 35), t("b", "A", "09:20", "10:20", 35)],
            [make_vehicle("A", "Nord", ZOE)],
            [make_candidate("yaris", YARIS, None)],
        ),
        "ev_energy_long_stop": edge_problem(
            [t("a", "A", "08:00", "09:00", 35), t("b", "A", "10:30", "11:30", 35)],
            [make_vehicle("A", "Nord", ZOE)],
            [make_candidate("yaris", YARIS, None)],
        ),
        # Must serve the 40 km trip; at most one trip unserved per pool.
        "unserved_rules": edge_problem(
            [
                t("a", "A", "08:00", "12:00", 40),
                t("b", "A", "09:00", "10:00", 5),
                t("c", "A", "10:00", "11:00", 5),
            ],
            [make_vehicle("A", "Nord", YARIS)],
            [make_candidate("yaris", YARIS, None)],
            unserved={"must_serve_above_km": 30, "max_trips_per_pool": 1},
        ),
        # 29 March 2026: clocks go 02:00 -> 03:00. 01:00-01:55 and 03:00-04:00 local are only
        # 5 real minutes apart, so with a 30 min changeover one car cannot do both.
        "dst_spring_forward": edge_problem(
            [
                t("a", "A", "01:00", "01:55", 10, day=date(2026, 3, 29)),
                t("b", "B", "03:00", "04:00", 10, day=date(2026, 3, 29)),
            ],
            two_cars,
            changeover_minutes=30,
            period={"start": "2026-03-29", "end": "2026-03-29"},
        ),
        # Pooled, one ID.3 (300 km x 0.7 = 210 km) cannot drive 70 + 150 km with a 5 min
        # stop: the better choice is the 150 km trip (found by hypothesis, see FINDINGS F8).
        "ev_energy_pooled": edge_problem(
            [t("T0", "N0", "06:00", "10:00", 70.0), t("T1", "S1", "10:05", "10:25", 150.0, "Syd")],
            [make_vehicle("N0", "Nord", BIKE), make_vehicle("S1", "Syd", {**ID3, "range_km": 300})],
            pools=[["Nord", "Syd"]],
            co2_value_dkk_per_t=0,
        ),
        # The ID.3 recharges 103 km in the 90 min stop and drives both 150 km trips: a plan
        # the engine finds but could not prove (hypothesis example, see FINDINGS F9).
        "ev_recharge_pooled": edge_problem(
            [
                t("T0", "N0", "15:15", "16:15", 14.0),
                t("T1", "N0", "18:40", "19:25", 30.0),
                t("T2", "S2", "14:25", "15:10", 14.0, "Syd"),
                t("T3", "S2", "13:40", "14:40", 3.0, "Syd"),
                t("T4", "S3", "14:00", "16:00", 150.0, "Syd"),
                t("T5", "S3", "17:30", "18:15", 150.0, "Syd"),
            ],
            [
                make_vehicle("N0", "Nord", EBIKE),
                make_vehicle("N1", "Nord", YARIS),
                make_vehicle("S2", "Syd", EBIKE),
                make_vehicle("S3", "Syd", BIKE),
            ],
            [make_candidate("id3", {**ID3, "range_km": 300}, None)],
            pools=[["Nord", "Syd"]],
            co2_value_dkk_per_t=6000,
        ),
        # Draws of the ids at share 50 %: "a" 0.254 and "c" 0.216 are ridden, "b" 0.517 not.
        # A car's shift block goes to the bike candidate only if every trip in it is ridden.
        "share_shift_block_not_all_ridden": edge_problem(
            [t("a", "A", "07:30", "08:00", 5), t("b", "A", "09:00", "09:30", 5)],
            [make_vehicle("A", "Nord", YARIS)],
            [make_candidate("cykel", BIKE, None)],
            shifts={"Nord": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]},
            unserved={"must_serve_above_km": 4},
            allocation={"bike_share_pct": 50},
        ),
        "share_shift_block_all_ridden": edge_problem(
            [t("a", "A", "07:30", "08:00", 5), t("c", "A", "09:00", "09:30", 5)],
            [make_vehicle("A", "Nord", YARIS)],
            [make_candidate("cykel", BIKE, None)],
            shifts={"Nord": [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]]},
            unserved={"must_serve_above_km": 4},
            allocation={"bike_share_pct": 50},
        ),
        # Share 0 %: only the trip ridden today ("b", by bike B) may go to a bike; the two
        # overlap, so the Yaris cannot do both.
        "share_zero_keeps_todays_bike_trips": edge_problem(
            [t("a", "A", "08:00", "08:30", 5), t("b", "B", "08:00", "08:30", 5)],
            [make_vehicle("A", "Nord", YARIS), make_vehicle("B", "Nord", BIKE)],
            [make_candidate("cykel", BIKE, None)],
            unserved={"must_serve_above_km": 4},
            allocation={"bike_share_pct": 0},
        ),
        # Pooled, keep-type at Nord only: Nord's car trip "a" stays in a car, Syd's car trip
        # "c" may go to the bike (both would be ridden at 50 %).
        "keep_type_follows_home_location": edge_problem(
            [t("a", "N", "08:00", "08:30", 5), t("c", "S", "08:00", "08:30", 5, "Syd")],
            [make_vehicle("N", "Nord", YARIS), make_vehicle("S", "Syd", YARIS)],
            [make_candidate("cykel", BIKE, None)],
            pools=[["Nord", "Syd"]],
            unserved={"must_serve_above_km": 4},
            allocation={"bike_share_pct": 50, "keep_type_locations": ["Nord"]},
        ),
        # A very high CO2 value makes the EV candidate worth its higher fixed cost.
        "co2_value_prefers_ev": edge_problem(
            [t(f"x{i}", "A", f"{8 + i}:00", f"{8 + i}:50", 50) for i in range(4)],
            [make_vehicle("A", "Nord", YARIS)],
            [make_candidate("id3", ID3, 1)],
            co2_value_dkk_per_t=200_000,
        ),
    }


EDGE_CASES = edge_cases()


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@requires_engine
def test_edge_case_optimise_matches_brute_force(name):
    check_optimise(EDGE_CASES[name])


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@requires_engine
def test_edge_case_simulate_matches_brute_force(name):
    check_simulate(EDGE_CASES[name], seed=sum(map(ord, name)))


def test_brute_force_itself_on_hand_computed_cases():
    """The oracle must be right before it judges: outcomes worked out by hand."""

    def unserved_with(name: str, counts: dict[int, int]) -> int:
        return brute_force(EDGE_CASES[name], counts)[0].unserved

    # 80 km a day unserved would cost 365 x 80 x (3.94 + 2.52 / 18 x 1.5) = 121,180 DKK a
    # year, more than a 47,000 DKK Yaris and its fuel: keep one car for both trips.
    assert brute_force(EDGE_CASES["changeover_exact"])[0].counts == (1,)
    assert unserved_with("changeover_exact", {0: 1}) == 0
    assert unserved_with("changeover_short", {0: 1}) == 1
    # The locked diesel is paid for anyway and serves the trip; the Yaris goes.
    assert brute_force(EDGE_CASES["locked_lease_kept"])[0].counts == (0, 1)
    assert unserved_with("shift_keeps_car", {0: 1}) == 1
    assert unserved_with("dst_spring_forward", {0: 1}) == 1
    assert unserved_with("ev_energy_short_stop", {0: 1, 1: 0}) == 1
    assert unserved_with("ev_energy_long_stop", {0: 1, 1: 0}) == 0
    assert unserved_with("ev_range_inclusive", {0: 1, 1: 0}) == 1  # only the 56.1 km trip
    assert unserved_with("bike_limits_inclusive", {0: 1}) == 1  # only the late one
    assert unserved_with("pooled_locations", {0: 1, 1: 0}) == 0
    # Must serve the 40 km trip a; b and c overlap it and, with the changeover, each other;
    # at most one may go unserved: a second car for one of them, the other unserved.
    assert math.isinf(brute_force(EDGE_CASES["unserved_rules"], {0: 1, 1: 0})[0].objective)
    best = brute_force(EDGE_CASES["unserved_rules"])[0]
    assert best.counts == (1, 1) and best.unserved == 1
    # Groups: (Yaris A, bike candidate). A bike costs 2,500 a year, a Yaris 47,000.
    assert brute_force(EDGE_CASES["share_shift_block_not_all_ridden"])[0].counts == (1, 0)
    assert brute_force(EDGE_CASES["share_shift_block_all_ridden"])[0].counts == (0, 1)
    # (Yaris A, bike B, bike candidate): "a" needs the Yaris, "b" keeps its bike.
    assert brute_force(EDGE_CASES["share_zero_keeps_todays_bike_trips"])[0].counts == (1, 1, 0)
    # (Yaris N, Yaris S, bike candidate): one Yaris for "a", the bike for "c".
    best = brute_force(EDGE_CASES["keep_type_follows_home_location"])[0]
    assert sum(best.counts[:2]) == 1 and best.counts[2] == 1 and best.unserved == 0


# ---------------------------------------------------------------------------- targets
# A CO2e target "at least X % below today" at least cost, and a budget "no more than today's
# money" at least CO2e. Instances without a per-trip penalty, so "cost" is plainly money.
TARGET_SEEDS = [s for s in SEEDS if random_problem(s).parameters.unserved.penalty_dkk_per_trip == 0]


@requires_engine
@pytest.mark.parametrize("pct", [10, 40])
@pytest.mark.parametrize("seed", TARGET_SEEDS[:12])
def test_co2e_target_matches_brute_force(seed, pct):
    problem = random_problem(seed)
    today = engine.baseline(problem)
    assert_valid(problem, today)
    cap = today.totals.co2e_t * (1 - pct / 100)
    outcomes = enumerate_outcomes(problem)
    brute = outcomes.best(outcomes.money, outcomes.co2e_t <= cap + 1e-9)
    result = engine.optimise(problem, co2_target_pct=pct, alternatives=False)
    if result.status in SOLVED:
        assert result.totals.co2e_t <= cap + 1e-9, "the target is missed"
    # a target no fleet meets is "unreachable" (with the best reachable CO2e), not a failure
    assert_solved_like(
        problem, result, brute, result.totals.yearly_cost_dkk, f"{pct} % target cost", "unreachable"
    )


@requires_engine
@pytest.mark.parametrize("seed", TARGET_SEEDS[:12])
def test_budget_matches_brute_force(seed):
    problem = random_problem(seed)
    today = engine.baseline(problem)
    assert_valid(problem, today)
    budget = today.totals.yearly_cost_dkk
    outcomes = enumerate_outcomes(problem)
    brute = outcomes.best(outcomes.co2e_t, outcomes.money <= budget + 1e-6)
    result = engine.optimise(problem, budget_dkk=budget, alternatives=False)
    if result.status in SOLVED:
        assert result.totals.yearly_cost_dkk <= budget + 1e-6, "the budget is exceeded"
    assert_solved_like(problem, result, brute, result.totals.co2e_t, "budget CO2e", "unreachable")


# ---------------------------------------------------------------------------- km allowances
ALLOWANCE_SEEDS = range(40)


def allowance_problem(seed: int) -> Problem:
    """A random instance whose vehicles and candidates mostly carry yearly km allowances of
    a tenth to four fifths of the km of all the instance's trips a year; a hard rule, or
    priced."""
    base = random_problem(seed)
    rng = random.Random(seed + 7000)
    params = base.parameters
    scale = 365 / ((params.period_end - params.period_start).days + 1)
    yearly = scale * sum(t.distance_km for t in base.trips)

    def allowance() -> float | None:
        share = rng.choice([0.1, 0.2, 0.35, 0.5, 0.8])
        return rng.choice([None, round(yearly * share), round(yearly * share)])

    vehicles = [replace(v, yearly_km_allowance=allowance()) for v in base.vehicles]
    candidates = [replace(c, yearly_km_allowance=allowance()) for c in base.candidates]
    price = rng.choice([None, None, 0.5, 4.0])
    return replace(
        base,
        vehicles=vehicles,
        candidates=candidates,
        parameters=replace(params, allowance=KmAllowanceSettings(overage_dkk_per_km=price)),
    )


def check_allowance_optimise(problem: Problem) -> str:
    """The engine's plan keeps every allowance (validator), costs at least the brute-force
    optimum, and its bound is at most that; 'optimal' means equal. The model holds a class's
    km against allowance x count (a relaxation of the per-vehicle rule the plan keeps), so
    a plan may be valid with a gap: returns 'optimal' or 'gap'."""
    brute, _ = brute_force(problem)
    result = engine.optimise(problem, alternatives=False)
    if math.isinf(brute.objective):
        assert result.status not in SOLVED or validate(problem, result), result.status
        return "infeasible"
    assert result.status in SOLVED, f"engine {result.status}: {result.message}"
    assert_valid(problem, result)
    value = result.totals.objective_dkk
    assert value >= brute.objective - 1e-6 * max(1.0, brute.objective), (value, brute)
    if result.best_bound is not None:
        assert result.best_bound <= brute.objective + 1e-6 * max(1.0, brute.objective)
    if result.status == "optimal":
        assert_same_objective(value, brute.objective, "optimise with km allowances")
        return "optimal"
    return "gap"


@pytest.mark.parametrize("seed", ALLOWANCE_SEEDS)
@requires_engine
def test_km_allowance_optimise_against_brute_force(seed):
    check_allowance_optimise(allowance_problem(seed))


@pytest.mark.parametrize("seed", ALLOWANCE_SEEDS)
@requires_engine
def test_km_allowance_simulate_against_brute_force(seed):
    problem = allowance_problem(seed)
    rng = random.Random(seed + 1000)
    _, groups = brute_force(problem)
    lines = engine_line_of_group(problem, engine.baseline(problem), groups)
    requested = {g: rng.randint(0, 2) for g in range(len(groups))}
    counts = [FleetCount(pool, group, requested[g]) for g, (pool, group) in enumerate(lines)]
    brute, _ = brute_force(problem, requested)
    result = engine.simulate(problem, counts)
    if math.isinf(brute.objective) or result.status not in SOLVED:
        return  # a must-serve trip no allowed vehicle can take: nothing to compare
    assert_valid(problem, result)
    value = result.totals.objective_dkk
    assert value >= brute.objective - 1e-6 * max(1.0, brute.objective)
    if result.status == "optimal":
        assert_same_objective(value, brute.objective, "simulate with km allowances")


def test_km_allowance_instances_bind_and_are_mostly_proven():
    """The allowance instances really bind somewhere (hard and priced), and the engine
    proves the brute-force optimum on most of them."""
    outcomes = [check_allowance_optimise(allowance_problem(seed)) for seed in ALLOWANCE_SEEDS]
    binding = {"hard": 0, "priced": 0}
    for seed in ALLOWANCE_SEEDS:
        problem = allowance_problem(seed)
        plain = replace(
            problem,
            vehicles=[replace(v, yearly_km_allowance=None) for v in problem.vehicles],
            candidates=[replace(c, yearly_km_allowance=None) for c in problem.candidates],
        )
        if brute_force(problem)[0].objective > brute_force(plain)[0].objective + 1e-6:
            priced = problem.parameters.allowance.overage_dkk_per_km is not None
            binding["priced" if priced else "hard"] += 1
    assert binding["hard"] >= 3 and binding["priced"] >= 3, binding
    assert outcomes.count("optimal") >= 0.75 * len(outcomes), outcomes


@pytest.mark.parametrize("seed", ALLOWANCE_SEEDS[:20])
@requires_engine
def test_km_allowance_priced_path_is_valid_and_bounded(seed, monkeypatch):
    """The Lagrangian km prices of big pools (forced here on tiny ones): a valid plan that
    keeps every allowance, never below the brute-force optimum, with a bound never above
    it; 'optimal' only when it equals it."""
    monkeypatch.setattr(engine_solve, "KM_WHOLE_MAX_BLOCKS", 0)
    check_allowance_optimise(allowance_problem(seed))
