"""Today's use of the fleet: km, CO2e and activity for a period, locations and types.

All figures are computed over the days of the chosen period (not only days with trips),
so an average per day is never inflated by missing days (an incumbent bug).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    FOSSIL_FREE_FUELS,
    LOCAL_TZ,
    Fuel,
    Location,
    RoundTrip,
    Vehicle,
    VehicleType,
)
from app.parameters.service import ensure_default_parameter_set
from app.scenarios.inputs import local_bounds

# Series keys for km per day: fuel decides fossil or not, so HVO cars get their own series.
SERIES_OF = {
    (VehicleType.BIKE, Fuel.NONE): "bike",
    (VehicleType.EBIKE, Fuel.ELECTRICITY): "ebike",
    (VehicleType.EV, Fuel.ELECTRICITY): "ev",
}


def series_key(vehicle_type: VehicleType, fuel: Fuel) -> str:
    if fuel == Fuel.HVO:
        return "hvo"
    return SERIES_OF.get((vehicle_type, fuel), "fossil")


@dataclass
class DashboardFilter:
    start: date
    end: date
    location_id: int | None = None
    vehicle_type: str | None = None

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass
class VehicleUse:
    vehicle_id: int
    name: str
    location: str
    type_label: str
    trips: int = 0
    km: float = 0.0
    busy_minutes: float = 0.0
    co2e_kg: float = 0.0
    km_by_day: dict[date, float] = field(default_factory=dict)

    def days_used(self) -> int:
        return len(self.km_by_day)


@dataclass
class Dashboard:
    filter: DashboardFilter
    trips: int
    km: float
    co2e_t: float
    fossil_free_km: float
    km_by_series_day: dict[str, dict[date, float]]
    vehicles: list[VehicleUse]
    peak_by_location_hour: dict[str, list[int]]
    fleet_by_location: dict[str, int]

    @property
    def fossil_free_pct(self) -> float | None:
        return 100 * self.fossil_free_km / self.km if self.km else None

    @property
    def km_per_day(self) -> float:
        return self.km / len(self.filter.days) if self.filter.days else 0.0


def _co2e_kg_per_km(vehicle: Vehicle, factors: dict[str, float]) -> float:
    if vehicle.fuel in (Fuel.PETROL, Fuel.DIESEL, Fuel.HVO) and vehicle.km_per_litre:
        return factors.get(vehicle.fuel.value, 0.0) / vehicle.km_per_litre
    if vehicle.fuel == Fuel.ELECTRICITY and vehicle.wh_per_km:
        return factors.get("electricity", 0.0) * vehicle.wh_per_km / 1000
    return 0.0


def build_dashboard(chosen: DashboardFilter) -> Dashboard:
    from app.scenarios.results import peak_use_by_hour

    values = ensure_default_parameter_set().plain_values()
    factors = {
        key.split(".", 1)[1]: value
        for key, value in values.items()
        if key.startswith("emission_kg_per_unit.")
    }
    low, high = local_bounds(chosen.start, chosen.end)
    # Plain columns, not ORM objects: a year is tens of thousands of rows.
    query = (
        select(
            RoundTrip.vehicle_id,
            Location.name,
            RoundTrip.start_time,
            RoundTrip.end_time,
            RoundTrip.distance_km,
        )
        .join(Location, RoundTrip.location_id == Location.id)
        .where(RoundTrip.start_time >= low, RoundTrip.start_time < high)
    )
    if chosen.location_id:
        query = query.where(RoundTrip.location_id == chosen.location_id)
    if chosen.vehicle_type:
        query = query.join(Vehicle, RoundTrip.vehicle_id == Vehicle.id).where(
            Vehicle.vehicle_type == chosen.vehicle_type
        )
    vehicles = {v.id: v for v in db.session.scalars(select(Vehicle))}
    per_kind = {
        vehicle_id: (
            _co2e_kg_per_km(v, factors),
            series_key(v.vehicle_type, v.fuel),
            v.fuel in FOSSIL_FREE_FUELS,
        )
        for vehicle_id, v in vehicles.items()
    }
    per_vehicle: dict[int, VehicleUse] = {}
    km_by_series_day: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    trips = 0
    km = co2e = fossil_free = 0.0
    intervals = []
    for vehicle_id, location, start, end, distance in db.session.execute(query):
        start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
        day = start.date()
        kg_per_km, series, is_fossil_free = per_kind[vehicle_id]
        use = per_vehicle.get(vehicle_id)
        if use is None:
            v = vehicles[vehicle_id]
            use = per_vehicle[vehicle_id] = VehicleUse(
                vehicle_id, v.display_name, location, v.type_label
            )
        emitted = distance * kg_per_km
        use.trips += 1
        use.km += distance
        use.busy_minutes += (end - start).total_seconds() / 60
        use.co2e_kg += emitted
        use.km_by_day[day] = use.km_by_day.get(day, 0.0) + distance
        km_by_series_day[series][day] += distance
        trips += 1
        km += distance
        co2e += emitted
        if is_fossil_free:
            fossil_free += distance
        intervals.append((location, start, end))
    # Vehicles that drove nothing are the point of an availability view: list them too.
    idle_query = (
        select(Vehicle, Location.name)
        .join(Location, Vehicle.location_id == Location.id)
        .where(~Vehicle.disabled, ~Vehicle.candidate)
    )
    if chosen.location_id:
        idle_query = idle_query.where(Vehicle.location_id == chosen.location_id)
    if chosen.vehicle_type:
        idle_query = idle_query.where(Vehicle.vehicle_type == chosen.vehicle_type)
    for vehicle, location in db.session.execute(idle_query):
        if vehicle.id not in per_vehicle:
            per_vehicle[vehicle.id] = VehicleUse(
                vehicle.id, vehicle.display_name, location, vehicle.type_label
            )
    fleet_query = select(Location.name, db.func.count(Vehicle.id)).join(
        Vehicle, Vehicle.location_id == Location.id
    )
    fleet_query = fleet_query.where(~Vehicle.disabled, ~Vehicle.candidate).group_by(Location.name)
    if chosen.vehicle_type:
        fleet_query = fleet_query.where(Vehicle.vehicle_type == chosen.vehicle_type)
    return Dashboard(
        filter=chosen,
        trips=trips,
        km=km,
        co2e_t=co2e / 1000,
        fossil_free_km=fossil_free,
        km_by_series_day={k: dict(v) for k, v in km_by_series_day.items()},
        vehicles=sorted(per_vehicle.values(), key=lambda u: (u.location, u.name)),
        peak_by_location_hour=peak_use_by_hour(intervals),
        fleet_by_location=dict(db.session.execute(fleet_query).all()),
    )
