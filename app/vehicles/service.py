"""The vehicle register: validation shared by the form and the import, moves, deletion."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import delete, func, select, update

from app.audit import changes, record
from app.extensions import db
from app.models import (
    FUEL_LABELS,
    LEASE_TYPE_LABELS,
    LOCAL_TZ,
    VEHICLE_TYPE_LABELS,
    Administration,
    Department,
    Fuel,
    LeaseType,
    Location,
    PendingGpsDrive,
    RoundTrip,
    Vehicle,
    VehicleLocationHistory,
    VehicleType,
)

# Which fuels each vehicle type may have (type and fuel must agree).
ALLOWED_FUELS = {
    VehicleType.BIKE: {Fuel.NONE},
    VehicleType.EBIKE: {Fuel.ELECTRICITY},
    VehicleType.EV: {Fuel.ELECTRICITY},
    VehicleType.FOSSIL: {Fuel.PETROL, Fuel.DIESEL, Fuel.HVO},
}
# Plausible ranges; outside them a value is a typo (or a wrong unit).
RANGES = {
    "km_per_litre": (3.0, 60.0, "Km/l"),
    "wh_per_km": (5.0, 600.0, "Wh/km"),
    "range_km": (10.0, 1_200.0, "Rækkevidde km"),
    "yearly_cost_dkk": (0.0, 2_000_000.0, "Årlig omkostning kr"),
    "yearly_km_allowance": (0.0, 200_000.0, "Årlig km-tilladelse"),
}
FIELDS = (
    "fleet_id",
    "plate",
    "make",
    "model",
    "vehicle_type",
    "plug_in_hybrid",
    "fuel",
    "km_per_litre",
    "wh_per_km",
    "range_km",
    "yearly_cost_dkk",
    "location_id",
    "department_id",
    "lease_type",
    "lease_start",
    "lease_end",
    "yearly_km_allowance",
    "disabled",
    "candidate",
)
STATUSES = ["OK", "mangler data", "leasing udløbet", "deaktiveret", "testkøretøj"]


def _label_lookup(labels: dict) -> dict[str, object]:
    table = {}
    for member, label in labels.items():
        table[member.value.lower()] = member
        table[label.lower()] = member
    return table


TYPE_BY_NAME = _label_lookup(VEHICLE_TYPE_LABELS) | {
    "cykel": VehicleType.BIKE,
    "elbil": VehicleType.EV,
    "e-bike": VehicleType.EBIKE,
    "fossil": VehicleType.FOSSIL,
    "benzinbil": VehicleType.FOSSIL,
    "dieselbil": VehicleType.FOSSIL,
    "car": VehicleType.FOSSIL,
    "electric car": VehicleType.EV,
}
FUEL_BY_NAME = _label_lookup(FUEL_LABELS) | {
    "elektricitet": Fuel.ELECTRICITY,
    "strøm": Fuel.ELECTRICITY,
    "electric": Fuel.ELECTRICITY,
    "gasoline": Fuel.PETROL,
    "": Fuel.NONE,
}
LEASE_BY_NAME = _label_lookup(LEASE_TYPE_LABELS) | {
    "operationel": LeaseType.OPERATIONAL,
    "finansiel": LeaseType.FINANCIAL,
    "leaset": LeaseType.OPERATIONAL,
}


def validate(values: dict, strict: bool = True) -> dict[str, str]:
    """Errors per field (Danish) for a vehicle's values; empty when valid.

    `strict` (the form) also demands what the analysis needs: consumption for cars and
    an end date for a leased vehicle; an import lets those be missing ("mangler data").
    """
    errors: dict[str, str] = {}
    if not (values.get("fleet_id") or "").strip():
        errors["fleet_id"] = "Vognnummer skal udfyldes."
    vehicle_type, fuel = values.get("vehicle_type"), values.get("fuel")
    if vehicle_type is None:
        errors["vehicle_type"] = "Vælg en køretøjstype."
    if fuel is None:
        errors["fuel"] = "Vælg et drivmiddel."
    if vehicle_type is not None and fuel is not None and fuel not in ALLOWED_FUELS[vehicle_type]:
        allowed = ", ".join(FUEL_LABELS[f] for f in ALLOWED_FUELS[vehicle_type])
        errors["fuel"] = (
            f"{VEHICLE_TYPE_LABELS[vehicle_type]} kan ikke køre på {FUEL_LABELS[fuel]} "
            f"(tilladt: {allowed})."
        )
    if values.get("plug_in_hybrid") and vehicle_type not in (None, VehicleType.FOSSIL):
        errors["plug_in_hybrid"] = "Kun fossilbiler kan være plugin-hybrider."
    for name, (low, high, label) in RANGES.items():
        value = values.get(name)
        if value is not None and not low <= value <= high:
            errors[name] = f"{label} skal være mellem {low:g} og {high:g}."
    if (
        vehicle_type == VehicleType.FOSSIL
        and values.get("wh_per_km")
        and not values.get("plug_in_hybrid")
    ):
        errors["wh_per_km"] = "Wh/km bruges kun til elbiler, elcykler og plugin-hybrider."
    if vehicle_type in (VehicleType.EV, VehicleType.EBIKE, VehicleType.BIKE) and values.get(
        "km_per_litre"
    ):
        errors["km_per_litre"] = "Km/l bruges kun til fossilbiler."
    start, end = values.get("lease_start"), values.get("lease_end")
    if start and end and end < start:
        errors["lease_end"] = "Leasingens slutdato ligger før startdatoen."
    if strict:
        if vehicle_type == VehicleType.FOSSIL and not values.get("km_per_litre"):
            errors.setdefault("km_per_litre", "Angiv km/l for en fossilbil.")
        if vehicle_type == VehicleType.EV and not values.get("wh_per_km"):
            errors.setdefault("wh_per_km", "Angiv Wh/km for en elbil.")
    return errors


def snapshot(vehicle: Vehicle) -> dict:
    """The vehicle's values as JSON-friendly data (for audit, undo and comparisons)."""
    data = {}
    for name in FIELDS:
        value = getattr(vehicle, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        data[name] = value
    return data


def restore(vehicle: Vehicle, data: dict) -> None:
    for name in FIELDS:
        value = data.get(name)
        if name in ("lease_start", "lease_end") and value:
            value = date.fromisoformat(value)
        elif name == "vehicle_type" and value:
            value = VehicleType(value)
        elif name == "fuel" and value:
            value = Fuel(value)
        elif name == "lease_type" and value:
            value = LeaseType(value)
        setattr(vehicle, name, value)


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def set_home(vehicle: Vehicle, location_id: int, valid_from: date) -> VehicleLocationHistory:
    """Record that the vehicle is based at a location from a date (history kept)."""
    entry = next((h for h in vehicle.location_history if h.valid_from == valid_from), None)
    if entry is None:
        entry = VehicleLocationHistory(location_id=location_id, valid_from=valid_from)
        vehicle.location_history.append(entry)
    else:
        entry.location_id = location_id
    latest = max(vehicle.location_history, key=lambda h: h.valid_from)
    if latest is entry or valid_from <= today():
        vehicle.location_id = latest.location_id if latest is not entry else location_id
    return entry


def move_vehicle(vehicle: Vehicle, location: Location, valid_from: date, user=None) -> int:
    """Move a vehicle from a date: history entry plus re-homing of its trips since then.

    Trips from `valid_from` until the next later move (if any) get the new location.
    Returns how many trips were re-homed.
    """
    before = snapshot(vehicle)
    set_home(vehicle, location.id, valid_from)
    db.session.flush()
    later = [h.valid_from for h in vehicle.location_history if h.valid_from > valid_from]
    query = update(RoundTrip).where(
        RoundTrip.vehicle_id == vehicle.id, RoundTrip.start_time >= local_midnight(valid_from)
    )
    if later:
        query = query.where(RoundTrip.start_time < local_midnight(min(later)))
    moved = db.session.execute(query.values(location_id=location.id)).rowcount
    record(
        "vehicle_moved",
        vehicle,
        {
            "lokation": {"før": before["location_id"], "efter": vehicle.location_id},
            "fra_dato": valid_from.isoformat(),
            "til": location.name,
            "rundture_flyttet": moved,
        },
        user=user,
    )
    return moved


def delete_vehicle(vehicle: Vehicle, user=None) -> int:
    """Delete a vehicle with its trips and history; returns how many trips went with it."""
    trips = db.session.execute(delete(RoundTrip).where(RoundTrip.vehicle_id == vehicle.id)).rowcount
    db.session.execute(delete(PendingGpsDrive).where(PendingGpsDrive.vehicle_id == vehicle.id))
    db.session.execute(
        delete(VehicleLocationHistory).where(VehicleLocationHistory.vehicle_id == vehicle.id)
    )
    record(
        "vehicle_deleted", vehicle, {"før": snapshot(vehicle), "rundture_slettet": trips}, user=user
    )
    db.session.delete(vehicle)
    return trips


def trip_count(vehicle_id: int) -> int:
    return db.session.scalar(
        select(func.count(RoundTrip.id)).where(RoundTrip.vehicle_id == vehicle_id)
    )


def find_department(administration: str, department: str) -> Department | None:
    return db.session.scalar(
        select(Department)
        .join(Administration)
        .where(
            func.lower(Administration.name) == administration.strip().lower(),
            func.lower(Department.name) == department.strip().lower(),
        )
    )


def ensure_department(administration: str, department: str) -> Department:
    found = find_department(administration, department)
    if found is not None:
        return found
    admin = db.session.scalar(
        select(Administration).where(
            func.lower(Administration.name) == administration.strip().lower()
        )
    )
    if admin is None:
        admin = Administration(name=administration.strip())
        db.session.add(admin)
    found = Department(administration=admin, name=department.strip())
    db.session.add(found)
    db.session.flush()
    return found


def audit_change(
    vehicle: Vehicle, before: dict, action: str = "vehicle_updated", user=None, **extra
):
    details = changes(before, snapshot(vehicle))
    details.update(extra)
    record(action, vehicle, details, user=user)
