"""Seeded synthetic municipal fleet data for tests and benchmarks.

`generate("M", seed=1)` returns a `Problem` that looks like a Danish municipality's pool and
home-care fleet: trips on working days, about 80 % of them between 07 and 15 and the rest in
evening shifts (which also run at weekends), lognormal distances with a median of about 7 km
and a thin tail up to 300 km, and a mix of petrol, diesel, HVO, EV, e-bike and bike. Fixed
costs are the demo figures of danish-defaults.md. Every round trip fits on the vehicle that
drove it: trips of one vehicle never overlap and are at least the default changeover apart.

Everything is vectorised with numpy so that the L size (400k+ trips) builds in seconds;
the same (size, seed) always gives the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from app.engine.parameters import Parameters
from app.engine.types import CandidateModel, Fuel, Problem, Trip, Vehicle, VehicleType

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class Spec:
    """What to generate. The named sizes S, M and L are instances of this."""

    locations: int
    vehicles: int
    months: int
    candidates: int = 6
    start: date = date(2026, 1, 1)
    trips_per_vehicle_day: float = 2.0  # mean on a working day for a day-shift vehicle
    evening_vehicle_share: float = 0.2  # home-care crews driving 15-23, also at weekends
    long_trip_share: float = 0.006  # cars only: 100-300 km trips
    locked_share: float = 0.4  # leases ending after the decision date
    pools: list[list[str]] = field(default_factory=list)  # location names sharing a fleet
    with_shifts: bool = False


SIZES: dict[str, Spec] = {
    "S": Spec(locations=1, vehicles=15, months=3, candidates=3),
    "M": Spec(locations=5, vehicles=100, months=12, candidates=6),
    "L": Spec(locations=40, vehicles=1000, months=12, candidates=6),
}


@dataclass(frozen=True)
class FleetModel:
    """A make/model with the figures every vehicle of it shares (fixed cost: demo only)."""

    make: str
    model: str
    type: VehicleType
    fuel: Fuel
    yearly_cost_dkk: float
    km_per_litre: float | None = None
    wh_per_km: float | None = None
    range_km: float | None = None
    share: float = 0.0  # of today's fleet


# Today's fleet. Shares sum to 1; several vehicles share a model so that groups form.
CURRENT_MODELS: tuple[FleetModel, ...] = (
    FleetModel(
        "Toyota", "Yaris", VehicleType.FOSSIL, Fuel.PETROL, 47_000, km_per_litre=20, share=0.20
    ),
    FleetModel(
        "Skoda", "Fabia", VehicleType.FOSSIL, Fuel.PETROL, 48_500, km_per_litre=18, share=0.10
    ),
    FleetModel(
        "Peugeot", "Partner", VehicleType.FOSSIL, Fuel.DIESEL, 52_000, km_per_litre=17, share=0.11
    ),
    FleetModel(
        "VW", "Caddy HVO", VehicleType.FOSSIL, Fuel.HVO, 55_000, km_per_litre=16, share=0.04
    ),
    FleetModel(
        "Renault",
        "Zoe",
        VehicleType.EV,
        Fuel.ELECTRICITY,
        61_000,
        wh_per_km=175,
        range_km=390,
        share=0.20,
    ),
    FleetModel(
        "VW",
        "ID.3",
        VehicleType.EV,
        Fuel.ELECTRICITY,
        66_000,
        wh_per_km=165,
        range_km=420,
        share=0.12,
    ),
    FleetModel(
        "Peugeot",
        "e-208",
        VehicleType.EV,
        Fuel.ELECTRICITY,
        60_000,
        wh_per_km=160,
        range_km=340,
        share=0.08,
    ),
    FleetModel(
        "Kildemoes", "E-bike", VehicleType.EBIKE, Fuel.ELECTRICITY, 6_000, wh_per_km=10, share=0.08
    ),
    FleetModel("Batavus", "Cykel", VehicleType.BIKE, Fuel.NONE, 2_000, share=0.07),
)

# Models that may be added; the first n are offered.
CANDIDATE_MODELS: tuple[tuple[str, FleetModel, int | None], ...] = (
    (
        "zoe",
        FleetModel(
            "Renault", "Zoe", VehicleType.EV, Fuel.ELECTRICITY, 61_000, wh_per_km=175, range_km=390
        ),
        None,
    ),
    (
        "yaris-hybrid",
        FleetModel(
            "Toyota", "Yaris Hybrid", VehicleType.FOSSIL, Fuel.PETROL, 49_000, km_per_litre=25
        ),
        None,
    ),
    (
        "ebike",
        FleetModel("Kildemoes", "E-bike", VehicleType.EBIKE, Fuel.ELECTRICITY, 6_000, wh_per_km=10),
        None,
    ),
    (
        "e-niro",
        FleetModel(
            "Kia", "e-Niro", VehicleType.EV, Fuel.ELECTRICITY, 68_000, wh_per_km=155, range_km=460
        ),
        None,
    ),
    (
        "e-berlingo",
        FleetModel(
            "Citroën",
            "ë-Berlingo",
            VehicleType.EV,
            Fuel.ELECTRICITY,
            65_000,
            wh_per_km=200,
            range_km=280,
        ),
        10,
    ),
    ("bike", FleetModel("Batavus", "Cykel", VehicleType.BIKE, Fuel.NONE, 2_000), None),
)

LOCATION_NAMES = (
    "Rådhuset",
    "Hjemmeplejen Nord",
    "Hjemmeplejen Syd",
    "Teknik og Miljø",
    "Materielgården",
    "Sundhedshuset",
    "Jobcentret",
    "Plejecenter Engen",
)

DAY_SHIFT_START_MIN = 7 * 60
EVENING_SHIFT_START_MIN = 15 * 60
LAST_END_MIN = 23 * 60 + 45  # nothing runs past midnight, so DST switches at 02-03 never bite
BIKE_LAST_END_MIN = 15 * 60 + 30  # bikes ride only inside the default window 07:00-15:30
MIN_GAP_MIN = 5  # the default changeover: today's fleet always serves its own trips


@dataclass
class SyntheticData:
    """The parts of a problem, usable before (or without) building a `Problem`."""

    trips: list[Trip]
    vehicles: list[Vehicle]
    candidates: list[CandidateModel]
    parameters: dict[str, Any]


def resolve_spec(size_or_spec: str | Spec) -> Spec:
    if isinstance(size_or_spec, Spec):
        return size_or_spec
    try:
        return SIZES[size_or_spec.upper()]
    except KeyError:
        raise ValueError(f"unknown size {size_or_spec!r}; use one of {sorted(SIZES)}") from None


def generate(size_or_spec: str | Spec, seed: int = 0) -> Problem:
    """A `Problem` of the given size ("S", "M", "L") or `Spec`, deterministic for `seed`."""
    data = generate_data(size_or_spec, seed)
    return Problem(
        data.trips, data.vehicles, data.candidates, Parameters.from_dict(data.parameters)
    )


def generate_data(size_or_spec: str | Spec, seed: int = 0) -> SyntheticData:
    spec = resolve_spec(size_or_spec)
    rng = np.random.default_rng(seed)
    locations = location_names(spec.locations)
    end = add_months(spec.start, spec.months) - timedelta(days=1)
    vehicles, vehicle_models, evening = make_vehicles(spec, locations, end, rng)
    trips = make_trips(spec, vehicles, vehicle_models, evening, end, rng)
    candidates = [
        CandidateModel(
            model_id=model_id,
            type=m.type,
            fuel=m.fuel,
            yearly_cost_dkk=m.yearly_cost_dkk,
            km_per_litre=m.km_per_litre,
            wh_per_km=m.wh_per_km,
            range_km=m.range_km,
            make=m.make,
            model=m.model,
            max_count=max_count,
        )
        for model_id, m, max_count in CANDIDATE_MODELS[: spec.candidates]
    ]
    parameters: dict[str, Any] = {
        "period": {"start": spec.start.isoformat(), "end": end.isoformat()},
        "decision_date": end.isoformat(),
    }
    if spec.pools:
        parameters["pools"] = [list(pool) for pool in spec.pools]
    if spec.with_shifts:
        parameters["shifts"] = {
            loc: [["07:00", "15:00"], ["15:00", "23:00"], ["23:00", "07:00"]] for loc in locations
        }
    return SyntheticData(trips, vehicles, candidates, parameters)


def location_names(n: int) -> list[str]:
    if n <= len(LOCATION_NAMES):
        return list(LOCATION_NAMES[:n])
    return [
        f"{LOCATION_NAMES[i % len(LOCATION_NAMES)]} {i // len(LOCATION_NAMES) + 1}"
        for i in range(n)
    ]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def make_vehicles(
    spec: Spec, locations: list[str], end: date, rng: np.random.Generator
) -> tuple[list[Vehicle], np.ndarray, np.ndarray]:
    """Today's fleet, the catalogue index of each vehicle and whether it drives evenings."""
    shares = np.array([m.share for m in CURRENT_MODELS])
    model_index = rng.choice(len(CURRENT_MODELS), size=spec.vehicles, p=shares / shares.sum())
    location_index = np.concatenate(
        [
            np.full(len(part), i)
            for i, part in enumerate(np.array_split(np.arange(spec.vehicles), len(locations)))
        ]
    )
    # Every location keeps at least one petrol car, as real ones do, for the long trips.
    for loc in range(len(locations)):
        at_loc = np.flatnonzero(location_index == loc)
        if not any(CURRENT_MODELS[model_index[i]].type is VehicleType.FOSSIL for i in at_loc):
            model_index[at_loc[0]] = 0
    is_bike = np.array(
        [CURRENT_MODELS[i].type in (VehicleType.BIKE, VehicleType.EBIKE) for i in model_index]
    )
    evening = (rng.random(spec.vehicles) < spec.evening_vehicle_share) & ~is_bike
    locked = rng.random(spec.vehicles) < spec.locked_share
    leased = locked | (rng.random(spec.vehicles) < 0.4)
    # Lease ends: locked ones within three years after the decision date, others before it.
    lease_days = np.where(
        locked, rng.integers(1, 3 * 365, spec.vehicles), -rng.integers(0, 2 * 365, spec.vehicles)
    )
    vehicles = []
    for i in range(spec.vehicles):
        m = CURRENT_MODELS[model_index[i]]
        vehicles.append(
            Vehicle(
                vehicle_id=f"V{i + 1:04d}",
                location=locations[location_index[i]],
                type=m.type,
                fuel=m.fuel,
                yearly_cost_dkk=m.yearly_cost_dkk,
                km_per_litre=m.km_per_litre,
                wh_per_km=m.wh_per_km,
                range_km=m.range_km,
                make=m.make,
                model=m.model,
                lease_end=end + timedelta(days=int(lease_days[i])) if leased[i] else None,
            )
        )
    return vehicles, model_index, evening


def make_trips(
    spec: Spec,
    vehicles: list[Vehicle],
    model_index: np.ndarray,
    evening: np.ndarray,
    end: date,
    rng: np.random.Generator,
) -> list[Trip]:
    n_days = (end - spec.start).days + 1
    days = np.arange(n_days)
    weekday = (
        (np.datetime64(spec.start.isoformat(), "D") + days).astype("datetime64[D]").view("int64")
    )
    weekday = (weekday + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    holiday = np.isin(days, [(d - spec.start).days for d in fixed_holidays(spec.start, end)])
    working_day = (weekday < 5) & ~holiday

    n_vehicles = len(vehicles)
    # Some vehicles are busy, some barely used: that spread is what optimisation exploits.
    activity = rng.lognormal(mean=-0.18, sigma=0.6, size=n_vehicles)  # mean about 1
    rate = spec.trips_per_vehicle_day * activity
    rate = np.where(evening, rate * 0.6, rate)  # evening crews: 7 days, fewer trips a day
    active = np.where(evening[:, None], True, working_day[None, :])  # (vehicles, days)
    counts = rng.poisson(rate[:, None] * active)
    vehicle_of_trip = np.repeat(np.repeat(np.arange(n_vehicles), n_days), counts.ravel())
    day_of_trip = np.repeat(np.tile(days, n_vehicles), counts.ravel())
    n = len(vehicle_of_trip)

    vtype = np.array([CURRENT_MODELS[i].type.value for i in model_index])[vehicle_of_trip]
    distance = trip_distances(vtype, model_index[vehicle_of_trip], n, spec.long_trip_share, rng)
    duration = trip_minutes(vtype, distance, rng)
    gap = MIN_GAP_MIN + np.round(rng.exponential(45.0, n))

    # Place each vehicle-day's trips one after another from the shift start.
    step = gap + duration
    cumulative = np.cumsum(step)
    group_sizes = counts.ravel()[counts.ravel() > 0]
    group_first = np.concatenate(([0], np.cumsum(group_sizes)[:-1]))
    before_group = np.repeat(cumulative[group_first] - step[group_first], group_sizes)
    shift_start = np.where(evening[vehicle_of_trip], EVENING_SHIFT_START_MIN, DAY_SHIFT_START_MIN)
    late_start = np.repeat(rng.integers(0, 60, len(group_sizes)), group_sizes)
    end_min = shift_start + late_start + cumulative - before_group
    start_min = end_min - duration

    last_end = np.where(np.isin(vtype, ["bike", "ebike"]), BIKE_LAST_END_MIN, LAST_END_MIN)
    keep = end_min <= last_end
    vehicle_of_trip, day_of_trip = vehicle_of_trip[keep], day_of_trip[keep]
    start_min, end_min, distance = start_min[keep], end_min[keep], distance[keep]
    driving = np.round(
        distance / np.where(np.isin(vtype[keep], ["bike", "ebike"]), 18.0, 40.0) * 60, 1
    )

    day0 = np.datetime64(spec.start.isoformat(), "m")
    minute_of_day = np.timedelta64(1, "m")
    starts = (
        day0 + day_of_trip * 1440 * minute_of_day + start_min.astype("int64") * minute_of_day
    ).tolist()
    ends = (
        day0 + day_of_trip * 1440 * minute_of_day + end_min.astype("int64") * minute_of_day
    ).tolist()
    vehicle_ids = [v.vehicle_id for v in vehicles]
    locations = [v.location for v in vehicles]
    return [
        Trip(
            trip_id=f"T{k + 1:07d}",
            vehicle_id=vehicle_ids[v],
            location=locations[v],
            start=s.replace(tzinfo=LOCAL_TZ),
            end=e.replace(tzinfo=LOCAL_TZ),
            distance_km=d,
            driving_minutes=dm,
        )
        for k, (v, s, e, d, dm) in enumerate(
            zip(
                vehicle_of_trip.tolist(),
                starts,
                ends,
                distance.tolist(),
                driving.tolist(),
                strict=True,
            )
        )
    ]


def trip_distances(
    vtype: np.ndarray, model_index: np.ndarray, n: int, long_share: float, rng: np.random.Generator
) -> np.ndarray:
    """Lognormal km, median 7 for cars, with a long tail; shorter on bikes; within range on EVs."""
    distance = rng.lognormal(mean=np.log(7.0), sigma=0.75, size=n)
    long_trip = (rng.random(n) < long_share) & (vtype == "fossil")
    distance = np.where(long_trip, rng.uniform(100, 300, n), distance)
    distance = np.where(
        vtype == "bike", np.minimum(rng.lognormal(np.log(4.0), 0.5, n), 14.0), distance
    )
    distance = np.where(
        vtype == "ebike", np.minimum(rng.lognormal(np.log(6.0), 0.5, n), 24.0), distance
    )
    ev_range = np.array([m.range_km or np.inf for m in CURRENT_MODELS])[model_index]
    # An EV was driven within its summer range; in winter, derated, some trips would not fit.
    distance = np.minimum(distance, 0.85 * ev_range)
    return np.round(np.clip(distance, 0.5, 300.0), 1)


def trip_minutes(vtype: np.ndarray, distance: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole minutes a round trip occupies its vehicle: driving plus stops (median ~50 min)."""
    car_speed = 25.0 + 35.0 * np.minimum(distance, 100.0) / 100.0  # town to country roads
    speed = np.where(vtype == "bike", 14.0, np.where(vtype == "ebike", 20.0, car_speed))
    stops = rng.lognormal(mean=np.log(30.0), sigma=0.6, size=len(distance))
    return np.ceil(distance / speed * 60.0 + stops)


def fixed_holidays(start: date, end: date) -> list[date]:
    """Danish public holidays that fall on fixed dates (movable feasts left out on purpose)."""
    holidays = []
    for year in range(start.year, end.year + 1):
        holidays += [date(year, 1, 1), date(year, 12, 24), date(year, 12, 25), date(year, 12, 26)]
        holidays += [date(year, 12, 31), date(year, 6, 5)]
    return [d for d in holidays if start <= d <= end]


def main(argv: list[str] | None = None) -> int:
    """`python -m app.engine.synthetic SIZE [--seed N] --out DIR`: the CLI's input files."""
    import argparse

    from app.engine.export import write_problem

    parser = argparse.ArgumentParser(
        prog="python -m app.engine.synthetic",
        description="Write seeded synthetic data as the input files of `python -m app.engine`.",
    )
    parser.add_argument("size", choices=sorted(SIZES), type=str.upper, help="S, M or L")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", required=True, help="directory for the files (created)")
    args = parser.parse_args(argv)
    problem = generate(args.size, seed=args.seed)
    paths = write_problem(problem, args.out)
    for option, path in paths.items():
        print(f"--{option} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
