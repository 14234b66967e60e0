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
) -> Totals:
    """Yearly totals: fixed + scale x (energy of served trips + allowance of unserved)."""
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
        yearly_cost_dkk=fixed_dkk + energy + allowance,
        fixed_dkk=fixed_dkk,
        energy_dkk=energy,
        allowance_dkk=allowance,
        co2e_t=co2e_t,
        co2e_value_dkk=co2e_t * params.co2_value_dkk_per_t,
        unserved_penalty_dkk=s * unserved_trips * params.unserved.penalty_dkk_per_trip,
        vehicles=vehicles,
        trips=len(km),
        served_km=float(km[served].sum()),
        unserved_trips=unserved_trips,
        unserved_km=unserved_km,
    )


def fleet_lines(pool: PoolData, counts: list[int]) -> list[FleetLine]:
    return [
        FleetLine(
            pool=pool.pool,
            group=g.gid,
            label=g.label,
            type=g.type,
            fuel=g.fuel,
            count=int(counts[i]),
            current_count=g.current,
            locked_count=g.locked,
            max_count=g.max_count,
            yearly_cost_dkk=g.fixed_dkk,
            candidate=g.candidate,
            vehicle_ids=list(g.vehicle_ids),
        )
        for i, g in enumerate(pool.groups)
    ]


def vehicle_usage(
    prepared: Prepared,
    name: str,
    pool: str,
    group: Group,
    trip_idx: np.ndarray,
) -> VehicleUsage:
    params, s, trips = prepared.params, prepared.scale, prepared.trips
    km = float(trips.km[trip_idx].sum())
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
        total_dkk=group.fixed_dkk + energy,
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
