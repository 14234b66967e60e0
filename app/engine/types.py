"""Plain data types that go into and come out of the engine.

The engine knows nothing about Flask or the database: callers (web, jobs, CLI, tests)
build these dataclasses, call `baseline`, `simulate` or `optimise`, and read a `Result`.
Times are timezone-aware datetimes in Europe/Copenhagen; money is DKK; CO2e is tonnes
unless a name says kg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.engine.parameters import Parameters


class VehicleType(StrEnum):
    BIKE = "bike"
    EBIKE = "ebike"
    EV = "ev"
    FOSSIL = "fossil"


class Fuel(StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    HVO = "hvo"
    ELECTRICITY = "electricity"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Trip:
    """One round trip: occupies one vehicle from `start` to `end`, stops included."""

    trip_id: str
    vehicle_id: str | None  # the vehicle that drove it (baseline); None if unknown
    location: str  # home location where the round trip starts and ends
    start: datetime
    end: datetime
    distance_km: float
    driving_minutes: float | None = None


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle of today's fleet. `yearly_cost_dkk` is fixed cost only (no energy)."""

    vehicle_id: str
    location: str
    type: VehicleType
    fuel: Fuel
    yearly_cost_dkk: float
    km_per_litre: float | None = None  # fossil and HVO cars
    wh_per_km: float | None = None  # EVs (and optionally e-bikes)
    range_km: float | None = None  # EVs: WLTP range before winter derating
    make: str = ""
    model: str = ""
    lease_end: date | None = None
    yearly_km_allowance: float | None = None
    plug_in_hybrid: bool = False


@dataclass(frozen=True, slots=True)
class CandidateModel:
    """A vehicle model that may be added to any pool, 0..max_count times."""

    model_id: str
    type: VehicleType
    fuel: Fuel
    yearly_cost_dkk: float
    km_per_litre: float | None = None
    wh_per_km: float | None = None
    range_km: float | None = None
    make: str = ""
    model: str = ""
    max_count: int | None = None
    yearly_km_allowance: float | None = None


@dataclass(frozen=True, slots=True)
class FleetCount:
    """A requested count for `simulate`: `group` within `pool` (ids as `baseline` reports)."""

    pool: str
    group: str
    count: int


@dataclass(slots=True)
class Totals:
    """Yearly figures (scaled to 365 days) unless a name says period."""

    # fixed + energy + allowance + km overage (money actually spent)
    yearly_cost_dkk: float = 0.0
    fixed_dkk: float = 0.0
    energy_dkk: float = 0.0
    allowance_dkk: float = 0.0  # own-car mileage allowance for unserved trips
    # lease km over the yearly km allowance, priced at `allowance.overage_dkk_per_km`
    overage_dkk: float = 0.0
    co2e_t: float = 0.0
    co2e_value_dkk: float = 0.0
    unserved_penalty_dkk: float = 0.0
    vehicles: int = 0
    trips: int = 0  # in the period
    served_km: float = 0.0  # in the period
    unserved_trips: int = 0  # in the period
    unserved_km: float = 0.0  # in the period

    @property
    def objective_dkk(self) -> float:
        """What the optimisation minimises: money + valued CO2e + penalty."""
        return self.yearly_cost_dkk + self.co2e_value_dkk + self.unserved_penalty_dkk


@dataclass(slots=True)
class FleetLine:
    """One vehicle group in one pool: today's count and the result's count."""

    pool: str
    group: str
    label: str
    type: VehicleType
    fuel: Fuel
    count: int
    current_count: int
    locked_count: int = 0
    max_count: int | None = None
    yearly_cost_dkk: float = 0.0  # fixed cost per vehicle
    candidate: bool = False
    # current group: the vehicles kept (`count` of them at most, in the keep order: locked
    # leases, latest lease end or owned, fewest km over the allowance today, vehicle id)
    vehicle_ids: list[str] = field(default_factory=list)
    # current group: the vehicles handed in, each {"vehicle_id": ..., "from": "YYYY-MM-DD"}
    # (the lease end, or the decision date when the lease has ended or the vehicle is owned)
    handed_in: list[dict[str, str]] = field(default_factory=list)
    # vehicles added to the group, by label ("Ny elbil 1, Peugeot e-208, Nord")
    new_vehicles: list[str] = field(default_factory=list)
    yearly_km_allowance: float | None = None  # per vehicle of the group; None = no limit


@dataclass(slots=True)
class VehicleUsage:
    """One concrete vehicle of a plan and its use: a current `vehicle_id`, or a new vehicle's
    label ("Ny elbil 1, Peugeot e-208, Hjemmeplejen Nord")."""

    vehicle: str
    pool: str
    group: str
    type: VehicleType
    fuel: Fuel
    trips: int
    km: float  # in the period
    km_per_year: float
    busy_hours: float  # in the period, trip spans
    utilisation_pct: float  # busy hours / (period days x 24) x 100
    co2e_t: float  # yearly
    fixed_dkk: float
    energy_dkk: float  # yearly
    total_dkk: float  # yearly: fixed + energy + overage
    yearly_km_allowance: float | None = None  # the lease's km a year; None = no limit
    km_over_allowance: float = 0.0  # km_per_year above the allowance (0 when within)
    overage_dkk: float = 0.0  # yearly: km_over_allowance x the overage price (if priced)


@dataclass(slots=True)
class PeakUse:
    """Busiest simultaneous use per location and vehicle type, with when it happened."""

    location: str
    type: VehicleType
    max_in_use: int
    at: datetime | None


@dataclass(slots=True)
class Alternative:
    """One distinct fleet along the cost/CO2e trade-off."""

    label: str
    co2_value_dkk_per_t: float
    totals: Totals
    fleet: list[FleetLine]


@dataclass(slots=True)
class TargetOutcome:
    """How a CO2e target or a budget came out. The CO2e target is measured against today's
    fleet as driven (the municipality's real emissions)."""

    kind: str  # co2e | budget
    limit: float  # t CO2e a year (co2e) or DKK a year (budget)
    pct: float | None  # co2e: the target, % below today as driven
    met: bool
    reachable: float | None = None  # lowest reachable t CO2e a year, or cheapest DKK a year
    co2_price_dkk_per_t: float | None = None  # the CO2 price at which the plan was found


@dataclass(slots=True)
class Result:
    operation: str  # baseline | simulate | optimise
    # optimal | feasible (a valid plan; the gap is above rel_gap, e.g. the time limit stopped
    # the proof) | time_limit (stopped before every pool had a plan: no plan) | unreachable
    # (a CO2e target or budget no fleet meets) | infeasible | error
    status: str
    message: str = ""  # plain Danish explanation when status is not optimal
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None  # relative, 0.001 = 0.1 %
    timings_s: dict[str, float] = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)  # the full parameters used
    totals: Totals = field(default_factory=Totals)
    baseline: Totals | None = None  # today's fleet as driven
    # today's fleet (same counts per group and pool) with the trips planned by the same
    # rules as this result: the like-for-like reference for the effect of a fleet change
    replanned: Totals | None = None
    target: TargetOutcome | None = None
    fleet: list[FleetLine] = field(default_factory=list)
    plan: dict[str, str | None] = field(default_factory=dict)  # trip_id -> vehicle or None
    vehicles: list[VehicleUsage] = field(default_factory=list)
    peak_use: list[PeakUse] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    alternatives_note: str = ""  # why there are none, when alternatives were asked for
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Problem:
    """Everything one engine run needs: the trips, today's fleet, candidates and parameters."""

    trips: list[Trip]
    vehicles: list[Vehicle]
    candidates: list[CandidateModel] = field(default_factory=list)
    parameters: Parameters | None = None  # None means all defaults
