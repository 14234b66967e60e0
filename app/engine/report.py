"""Totals, fleet lines, per-vehicle usage and peak use, computed from arrays."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from app.engine.parameters import Parameters
from app.engine.prepare import LOCAL_TZ, Group, PoolData, Prepared
from app.engine.types import FleetLine, Fuel, PeakUse, Totals, VehicleType, VehicleUsage


def fuel_figures(params: Parameters, fuel: Fuel) -> tuple[float, float]:
    """(price per unit, kg CO2e per unit); 'none' costs and emits nothing."""
    return (
        params.energy_price_dkk_per_unit.get(fuel.value, 0.0),
        params.emission_kg_per_unit.get(fuel.value, 0.0),
    )


def totals_from_trips(
    prepared: Prepared,
    trip_unit_per_km: np.ndarray,
    trip_price: np.ndarray,
    trip_factor: np.ndarray,
    served: np.ndarray,
    fixed_dkk: float,
    vehicles: int,
    overage_dkk: float = 0.0,
) -> Totals:
    """Yearly totals: fixed + scale x (energy of served trips + allowance of unserved) + the
    price of lease km over the allowances (`overage_dkk`, summed over the vehicles)."""
    params, s, km = prepared.params, prepared.scale, prepared.trips.km
    amount = km * trip_unit_per_km
    energy = s * float((amount * trip_price)[served].sum())
    unserved_km = float(km[~served].sum())
    unserved_trips = int((~served).sum())
    allowance = s * unserved_km * params.own_car.allowance_dkk_per_km
    co2e_kg = float((amount * trip_factor)[served].sum())
    co2e_kg += unserved_km * params.own_car_co2e_kg_per_km
    co2e_t = s * co2e_kg / 1000.0
    return Totals(
        yearly_cost_dkk=fixed_dkk + energy + allowance + overage_dkk,
        fixed_dkk=fixed_dkk,
        energy_dkk=energy,
        allowance_dkk=allowance,
        overage_dkk=overage_dkk,
        co2e_t=co2e_t,
        co2e_value_dkk=co2e_t * params.co2_value_dkk_per_t,
        unserved_penalty_dkk=s * unserved_trips * params.unserved.penalty_dkk_per_trip,
        vehicles=vehicles,
        trips=len(km),
        served_km=float(km[served].sum()),
        unserved_trips=unserved_trips,
        unserved_km=unserved_km,
    )


# Danish type word of a new vehicle's label, by type and (for combustion cars) fuel
TYPE_WORDS = {
    VehicleType.EV: "elbil",
    VehicleType.BIKE: "cykel",
    VehicleType.EBIKE: "elcykel",
}
FUEL_WORDS = {Fuel.PETROL: "benzinbil", Fuel.DIESEL: "dieselbil"}  # others: "fossilbil"


def type_word(group: Group) -> str:
    if group.type == VehicleType.FOSSIL:
        return FUEL_WORDS.get(group.fuel, "fossilbil")
    return TYPE_WORDS[group.type]


class NewVehicleNames:
    """Labels of new vehicles in one pool: "Ny elbil 1, Peugeot e-208, Hjemmeplejen Nord",
    numbered from 1 per type word and model within the pool, in the order asked for (the
    pool's groups in order, then vehicles the plan's repair adds)."""

    def __init__(self, pool: PoolData):
        self.pool = pool.pool
        self.used: dict[tuple[str, str], int] = {}

    def next(self, group: Group) -> str:
        word = type_word(group)
        key = (word, group.model_text)
        number = self.used.get(key, 0) + 1
        self.used[key] = number
        parts = [f"Ny {word} {number}", group.model_text, self.pool]
        return ", ".join(part for part in parts if part)


def pool_vehicle_names(
    pool: PoolData, counts: list[int]
) -> tuple[list[list[str]], NewVehicleNames]:
    """Per group, the names of its `count` vehicles: kept current vehicles (their ids, in
    keep order) first, then new vehicles' labels; and the namer, to number any more."""
    namer = NewVehicleNames(pool)
    names = []
    for g, count in zip(pool.groups, counts, strict=True):
        kept = list(g.vehicle_ids[: int(count)])
        names.append(kept + [namer.next(g) for _ in range(int(count) - len(kept))])
    return names, namer


def fleet_lines(
    pool: PoolData, counts: list[int], names: list[list[str]] | None = None
) -> list[FleetLine]:
    """One line per group; `names` (per group, as `pool_vehicle_names` gives them, plus any
    the plan added) defaults to the names the counts give."""
    if names is None:
        names, _ = pool_vehicle_names(pool, counts)
    lines = []
    for i, g in enumerate(pool.groups):
        count = int(counts[i])
        members = set(g.vehicle_ids)
        lines.append(
            FleetLine(
                pool=pool.pool,
                group=g.gid,
                label=g.label,
                type=g.type,
                fuel=g.fuel,
                count=count,
                current_count=g.current,
                locked_count=g.locked,
                max_count=g.max_count,
                yearly_cost_dkk=g.fixed_dkk,
                candidate=g.candidate,
                vehicle_ids=[n for n in names[i] if n in members],
                handed_in=[
                    {"vehicle_id": vid, "from": day}
                    for vid, day in zip(g.vehicle_ids[count:], g.hand_in_from[count:], strict=True)
                ],
                new_vehicles=[n for n in names[i] if n not in members],
                yearly_km_allowance=g.km_allowance,
            )
        )
    return lines


def vehicle_usage(
    prepared: Prepared,
    name: str,
    pool: str,
    group: Group,
    trip_idx: np.ndarray,
    allowance: float | None = None,
) -> VehicleUsage:
    """`allowance`: this vehicle's yearly km allowance (a current vehicle's own figure;
    a new vehicle's is its model's)."""
    params, s, trips = prepared.params, prepared.scale, prepared.trips
    km = float(trips.km[trip_idx].sum())
    over = 0.0 if allowance is None else max(0.0, s * km - allowance)
    overage = over * (params.allowance.overage_dkk_per_km or 0.0)
    busy_h = float((trips.end[trip_idx] - trips.start[trip_idx]).sum()) / 3600.0
    price, factor = fuel_figures(params, group.fuel)
    energy = s * km * group.unit_per_km * price
    co2e_t = s * km * group.unit_per_km * factor / 1000.0
    return VehicleUsage(
        vehicle=name,
        pool=pool,
        group=group.gid,
        type=group.type,
        fuel=group.fuel,
        trips=len(trip_idx),
        km=km,
        km_per_year=s * km,
        busy_hours=busy_h,
        utilisation_pct=busy_h / (prepared.period_days * 24.0) * 100.0,
        co2e_t=co2e_t,
        fixed_dkk=group.fixed_dkk,
        energy_dkk=energy,
        total_dkk=group.fixed_dkk + energy + overage,
        yearly_km_allowance=allowance,
        km_over_allowance=over,
        overage_dkk=overage,
    )


def peak_use(prepared: Prepared, trip_type: list[VehicleType | None]) -> list[PeakUse]:
    """Busiest simultaneous use per trip location and serving vehicle type."""
    trips = prepared.trips
    out = []
    types = np.array([t.value if t is not None else "" for t in trip_type], dtype=object)
    for li, location in enumerate(trips.locations):
        at_loc = trips.location == li
        for vtype in VehicleType:
            mine = np.nonzero(at_loc & (types == vtype.value))[0]
            if len(mine) == 0:
                continue
            times = np.concatenate([trips.start[mine], trips.end[mine]])
            delta = np.concatenate([np.ones(len(mine), np.int64), -np.ones(len(mine), np.int64)])
            order = np.lexsort((delta, times))
            active = np.cumsum(delta[order])
            top = int(np.argmax(active))
            at = datetime.fromtimestamp(int(times[order][top]), tz=LOCAL_TZ)
            out.append(PeakUse(location=location, type=vtype, max_in_use=int(active[top]), at=at))
    return out
