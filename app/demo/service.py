"""Write the generated demo municipality into the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, insert, select

from app.audit import record
from app.demo.generator import DEFAULT_SEED, DemoData, generate
from app.extensions import db
from app.models import (
    Administration,
    Department,
    Fuel,
    ImportBatch,
    LeaseType,
    Location,
    RoundTrip,
    Vehicle,
    VehicleLocationHistory,
    VehicleType,
)
from app.parameters.service import ensure_default_parameter_set

Progress = Callable[[float, str], None]
TRIP_CHUNK = 5_000


class DemoDataExists(Exception):
    pass


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Vehicle.id)))


def load_demo_data(
    seed: int = DEFAULT_SEED,
    end: date | None = None,
    user=None,
    progress: Progress | None = None,
) -> dict:
    """Generate and store the demo municipality; returns counts. Needs an empty register."""
    report = progress or (lambda pct, phase: None)
    if not database_is_empty():
        raise DemoDataExists(
            "Der findes allerede køretøjer; demodata indlæses kun i en tom database."
        )
    report(2, "Genererer demokommunen")
    data = generate(seed=seed, end=end)
    report(15, "Gemmer lokationer og køretøjer")
    ensure_default_parameter_set()
    locations = _store_organisation(data)
    vehicles = _store_vehicles(data, locations)
    batch = ImportBatch(
        kind="demo",
        file_name=f"demodata (seed {seed})",
        checksum=f"demo-{seed}-{data.end.isoformat()}",
        user_id=getattr(user, "id", None),
        rows_read=len(data.trips),
        rows_added=len(data.trips),
        details={"seed": seed, "start": data.start.isoformat(), "end": data.end.isoformat()},
    )
    db.session.add(batch)
    db.session.flush()
    total = len(data.trips)
    for offset in range(0, total, TRIP_CHUNK):
        chunk = data.trips[offset : offset + TRIP_CHUNK]
        db.session.execute(
            insert(RoundTrip),
            [
                {
                    "vehicle_id": vehicles[trip.fleet_id],
                    "location_id": locations[trip.location],
                    "start_time": trip.start,
                    "end_time": trip.end,
                    "distance_km": trip.distance_km,
                    "driving_minutes": trip.driving_minutes,
                    "import_batch_id": batch.id,
                }
                for trip in chunk
            ],
        )
        report(20 + 75 * (offset + len(chunk)) / total, "Gemmer rundture")
    if data.trips:
        batch.period_start = min(t.start for t in data.trips)
        batch.period_end = max(t.end for t in data.trips)
    summary = {
        "locations": len(locations),
        "vehicles": len(vehicles),
        "trips": total,
        "start": data.start.isoformat(),
        "end": data.end.isoformat(),
    }
    record("demo_data_loaded", batch, summary, user=user)
    db.session.commit()
    report(100, "Demodata er indlæst")
    return summary


def _store_organisation(data: DemoData) -> dict[str, int]:
    for admin_name, departments in data.administrations.items():
        administration = Administration(name=admin_name)
        db.session.add(administration)
        for name in departments:
            db.session.add(Department(administration=administration, name=name))
    locations = {}
    for spec in data.locations:
        location = Location(
            name=spec.name, address=spec.address, latitude=spec.latitude, longitude=spec.longitude
        )
        db.session.add(location)
        db.session.flush()
        locations[spec.name] = location.id
    return locations


def _store_vehicles(data: DemoData, locations: dict[str, int]) -> dict[str, int]:
    departments = {
        (d.administration.name, d.name): d.id for d in db.session.scalars(select(Department))
    }
    ids = {}
    for spec in data.vehicles:
        model = spec.model
        final_location = spec.moves[-1][1] if spec.moves else spec.location
        vehicle = Vehicle(
            fleet_id=spec.fleet_id,
            plate=spec.plate,
            make=model.make,
            model=model.model,
            vehicle_type=VehicleType(model.vehicle_type),
            plug_in_hybrid=model.plug_in_hybrid,
            fuel=Fuel(model.fuel),
            km_per_litre=None if "consumption" in spec.missing else model.km_per_litre,
            wh_per_km=None if "consumption" in spec.missing else model.wh_per_km,
            range_km=model.range_km,
            yearly_cost_dkk=None if "yearly_cost_dkk" in spec.missing else model.yearly_cost_dkk,
            location_id=locations[final_location],
            department_id=departments[spec.department],
            lease_type=LeaseType(spec.lease_type),
            lease_start=spec.lease_start,
            lease_end=None if "lease_end" in spec.missing else spec.lease_end,
            yearly_km_allowance=spec.yearly_km_allowance,
        )
        first_day = spec.lease_start or data.start
        vehicle.location_history.append(
            VehicleLocationHistory(
                location_id=locations[spec.location], valid_from=min(first_day, data.start)
            )
        )
        for valid_from, moved_to in spec.moves:
            vehicle.location_history.append(
                VehicleLocationHistory(location_id=locations[moved_to], valid_from=valid_from)
            )
        db.session.add(vehicle)
        db.session.flush()
        ids[spec.fleet_id] = vehicle.id
    return ids
