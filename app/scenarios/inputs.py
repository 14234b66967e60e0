"""From the database to engine inputs: period facts, the fleet to analyse, the snapshot.

The snapshot is the immutable record of exactly what a scenario gave the engine (trips,
vehicles, candidates, parameters), so a result can always be reproduced and explained
even after the register changes or old trips are deleted by retention.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.engine import CandidateModel, EngineError, Parameters, Problem, Trip
from app.engine import Vehicle as EngineVehicle
from app.engine.types import Fuel as EngineFuel
from app.engine.types import VehicleType as EngineVehicleType
from app.extensions import db
from app.models import LOCAL_TZ, Location, RoundTrip, Vehicle
from app.models.data import VehicleModel
from app.parameters.catalogue import KEEP_TYPE_KEY, to_engine_parameters
from app.parameters.service import ensure_default_parameter_set

TRIP_COLUMNS = [
    "trip_id",
    "vehicle_id",
    "location",
    "start",
    "end",
    "distance_km",
    "driving_minutes",
]


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware datetimes: from start 00:00 to the day after end 00:00, local."""
    return (
        datetime.combine(start, time(0), LOCAL_TZ),
        datetime.combine(end + timedelta(days=1), time(0), LOCAL_TZ),
    )


@dataclass
class PeriodFacts:
    start: date
    end: date
    trips: int
    vehicles: int
    km: float
    days_with_trips: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def coverage_pct(self) -> float:
        """Share of the period's days that have any trips (gaps suggest missing data)."""
        return 100.0 * self.days_with_trips / self.days if self.days else 0.0


def data_range() -> tuple[date, date] | None:
    first, last = db.session.execute(
        select(func.min(RoundTrip.start_time), func.max(RoundTrip.start_time))
    ).one()
    if first is None:
        return None
    return first.astimezone(LOCAL_TZ).date(), last.astimezone(LOCAL_TZ).date()


def default_period() -> tuple[date, date]:
    """The last 12 months of data (or of the calendar, when there is no data yet)."""
    known = data_range()
    end = known[1] if known else date.today() - timedelta(days=1)
    start = max(known[0], end - timedelta(days=364)) if known else end - timedelta(days=364)
    return start, end


def period_facts(start: date, end: date, location_ids: list[int]) -> PeriodFacts:
    low, high = local_bounds(start, end)
    query = select(RoundTrip.start_time, RoundTrip.vehicle_id, RoundTrip.distance_km).where(
        RoundTrip.start_time >= low, RoundTrip.start_time < high
    )
    if location_ids:
        query = query.where(RoundTrip.location_id.in_(location_ids))
    days, vehicles, trips, km = set(), set(), 0, 0.0
    for start_time, vehicle_id, distance in db.session.execute(query):
        days.add(start_time.astimezone(LOCAL_TZ).date())
        vehicles.add(vehicle_id)
        trips += 1
        km += distance
    return PeriodFacts(start, end, trips, len(vehicles), km, len(days))


@dataclass
class FleetSelection:
    """Today's vehicles at the chosen locations: included, and excluded with reasons."""

    included: list[Vehicle] = field(default_factory=list)
    excluded: list[tuple[Vehicle, list[str]]] = field(default_factory=list)

    def groups(self) -> list[dict]:
        """Identical vehicles grouped as the engine will group them (for the setup page)."""
        grouped: dict[tuple, list[Vehicle]] = defaultdict(list)
        for v in self.included:
            key = (
                v.location.name if v.location else "",
                v.make,
                v.model,
                v.vehicle_type.value,
                v.fuel.value,
                v.km_per_litre,
                v.wh_per_km,
                v.yearly_cost_dkk,
                v.lease_end,
            )
            grouped[key].append(v)
        return [
            {
                "location": key[0],
                "label": " ".join(p for p in (key[1], key[2]) if p) or key[3],
                "type": key[3],
                "fuel": key[4],
                "yearly_cost_dkk": key[7],
                "lease_end": key[8],
                "count": len(vehicles),
                "fleet_ids": [v.fleet_id for v in vehicles],
                # Status chips as on the register (e.g. an expired lease still drives).
                "statuses": Counter(v.status(date.today()) for v in vehicles),
            }
            for key, vehicles in sorted(grouped.items(), key=lambda kv: [str(k) for k in kv[0]])
        ]


def select_fleet(location_ids: list[int]) -> FleetSelection:
    selection = FleetSelection()
    query = (
        select(Vehicle)
        .where(Vehicle.location_id.in_(location_ids), ~Vehicle.disabled, ~Vehicle.candidate)
        .order_by(Vehicle.fleet_id)
    )
    for vehicle in db.session.scalars(query):
        missing = vehicle.missing_data()
        if missing:
            selection.excluded.append((vehicle, missing))
        else:
            selection.included.append(vehicle)
    return selection


def engine_parameters(
    overrides: dict, start: date, end: date, location_names: list[str], pooled: bool
) -> dict:
    """Default ParameterSet + the scenario's overrides + period and pools (engine JSON).

    Keep-type locations: a scenario's own list must name only its locations (EngineError
    otherwise, so `validate_setup` reports it); the global default list applies to those of
    its locations that the scenario has.
    """
    defaults = ensure_default_parameter_set().plain_values()
    if KEEP_TYPE_KEY in overrides:
        names = overrides[KEEP_TYPE_KEY]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise EngineError("Behold køretøjstypen: forventede en liste af lokationsnavne.")
        for name in names:
            if name not in location_names:
                raise EngineError(
                    f"Behold køretøjstypen: lokationen '{name}' er ikke valgt i scenariet."
                )
    elif KEEP_TYPE_KEY in defaults:
        defaults[KEEP_TYPE_KEY] = [n for n in defaults[KEEP_TYPE_KEY] if n in location_names]
    merged = {**defaults, **{k: v for k, v in overrides.items() if not k.startswith("_")}}
    parameters = to_engine_parameters(merged)
    parameters["period"] = {"start": start.isoformat(), "end": end.isoformat()}
    if overrides.get("_decision_date"):
        parameters["decision_date"] = overrides["_decision_date"]
    if overrides.get("_shifts"):
        parameters["shifts"] = overrides["_shifts"]
    if pooled and len(location_names) > 1:
        parameters["pools"] = [sorted(location_names)]
    return parameters


def _engine_vehicle(v: Vehicle) -> dict:
    return {
        "vehicle_id": v.fleet_id,
        "location": v.location.name,
        "type": v.vehicle_type.value,
        "fuel": v.fuel.value,
        "yearly_cost_dkk": v.yearly_cost_dkk,
        "km_per_litre": v.km_per_litre,
        "wh_per_km": v.wh_per_km,
        "range_km": v.range_km,
        "make": v.make,
        "model": v.model,
        "lease_end": v.lease_end.isoformat() if v.lease_end else None,
        "yearly_km_allowance": v.yearly_km_allowance,
        "plug_in_hybrid": v.plug_in_hybrid,
    }


def _engine_candidate(model: VehicleModel, max_count: int | None) -> dict:
    return {
        "model_id": f"{model.make} {model.model}".strip() + f" #{model.id}",
        "type": model.vehicle_type.value,
        "fuel": model.fuel.value,
        "yearly_cost_dkk": model.yearly_cost_dkk or 0.0,
        "km_per_litre": model.km_per_litre,
        "wh_per_km": model.wh_per_km,
        "range_km": model.range_km,
        "make": model.make,
        "model": model.model,
        "max_count": max_count,
    }


def build_snapshot(
    start: date,
    end: date,
    location_ids: list[int],
    pooled: bool,
    candidates: dict[int, int | None],
    overrides: dict,
) -> dict:
    """Everything the engine needs, as plain JSON, read from the database now."""
    locations = db.session.scalars(
        select(Location).where(Location.id.in_(location_ids)).order_by(Location.name)
    ).all()
    names = [loc.name for loc in locations]
    fleet = select_fleet(location_ids)
    included_ids = {v.id: v.fleet_id for v in fleet.included}
    low, high = local_bounds(start, end)
    rows = db.session.execute(
        select(
            RoundTrip.id,
            RoundTrip.vehicle_id,
            Location.name,
            RoundTrip.start_time,
            RoundTrip.end_time,
            RoundTrip.distance_km,
            RoundTrip.driving_minutes,
        )
        .join(Location, RoundTrip.location_id == Location.id)
        .where(
            RoundTrip.location_id.in_(location_ids),
            RoundTrip.start_time >= low,
            RoundTrip.start_time < high,
        )
        .order_by(RoundTrip.start_time, RoundTrip.id)
    ).all()
    trips, excluded_trips = [], 0
    for trip_id, vehicle_id, location, start_time, end_time, km, minutes in rows:
        if vehicle_id not in included_ids:
            # Its vehicle lacks data (or was disabled or moved away): today's cost of the
            # trip is unknown, so it is left out and reported rather than guessed.
            excluded_trips += 1
            continue
        trips.append(
            [
                str(trip_id),
                included_ids[vehicle_id],
                location,
                start_time.astimezone(LOCAL_TZ).isoformat(),
                end_time.astimezone(LOCAL_TZ).isoformat(),
                km,
                minutes,
            ]
        )
    models = db.session.scalars(
        select(VehicleModel).where(VehicleModel.id.in_(list(candidates)))
    ).all()
    parameters = engine_parameters(overrides, start, end, names, pooled)
    allocation = parameters.get("allocation", {})
    if allocation.get("keep_type_locations"):
        # A chosen location without trips or usable vehicles is unknown to the engine and
        # has nothing to keep: leave it out rather than fail.
        present = {row[2] for row in trips} | {v.location.name for v in fleet.included}
        present |= {name for pool in parameters.get("pools", []) for name in pool}
        allocation["keep_type_locations"] = [
            n for n in allocation["keep_type_locations"] if n in present
        ]
    return {
        "trips": {"columns": TRIP_COLUMNS, "rows": trips},
        "vehicles": [_engine_vehicle(v) for v in fleet.included],
        "candidates": [_engine_candidate(m, candidates[m.id]) for m in models],
        "parameters": parameters,
        "excluded_vehicles": [
            {"fleet_id": v.fleet_id, "name": v.display_name, "missing": missing}
            for v, missing in fleet.excluded
        ],
        "excluded_trips": excluded_trips,
        "locations": names,
    }


def problem_from_snapshot(snapshot: dict) -> Problem:
    """The engine Problem for a stored snapshot (no database access)."""
    trips = [
        Trip(
            trip_id=row[0],
            vehicle_id=row[1],
            location=row[2],
            start=datetime.fromisoformat(row[3]).astimezone(LOCAL_TZ),
            end=datetime.fromisoformat(row[4]).astimezone(LOCAL_TZ),
            distance_km=float(row[5]),
            driving_minutes=row[6],
        )
        for row in snapshot["trips"]["rows"]
    ]
    vehicles = [
        EngineVehicle(
            **{
                **v,
                "type": EngineVehicleType(v["type"]),
                "fuel": EngineFuel(v["fuel"]),
                "lease_end": date.fromisoformat(v["lease_end"]) if v["lease_end"] else None,
            }
        )
        for v in snapshot["vehicles"]
    ]
    candidates = [
        CandidateModel(**{**c, "type": EngineVehicleType(c["type"]), "fuel": EngineFuel(c["fuel"])})
        for c in snapshot["candidates"]
    ]
    return Problem(trips, vehicles, candidates, Parameters.from_dict(snapshot["parameters"]))
