"""Vehicle register files (the same columns as the register export).

New fleet ids create vehicles; known ones are updated. Only columns present in the file
change anything: a cleared cell clears the value, a missing column leaves it alone, and
"Deaktiveret"/"Testkøretøj" left blank keep the vehicle's current state (the incumbent
re-enabled disabled vehicles on every import).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from app.audit import record
from app.data.columns import VEHICLE_COLUMNS, HeaderMap
from app.data.readers import Table
from app.data.report import ImportReport
from app.data.trips_import import _cell
from app.data.values import CellError, boolean, calendar_date, is_blank, number, text
from app.extensions import db
from app.models import RoundTrip, Vehicle, VehicleLocationHistory
from app.vehicles import service as vehicles

TEXT_FIELDS = {"fleet_id": 60, "plate": 20, "make": 60, "model": 60}
NUMBER_FIELDS = ("km_per_litre", "wh_per_km", "range_km", "yearly_cost_dkk", "yearly_km_allowance")
DATE_FIELDS = ("lease_start", "lease_end")
# Blank means "unchanged" for these (never silently re-enable a disabled vehicle).
KEEP_WHEN_BLANK = ("disabled", "candidate", "plug_in_hybrid")


@dataclass
class VehiclePlan:
    # (existing vehicle or None, new values, departments to create, row number)
    items: list[tuple] = field(default_factory=list)


class VehiclesImporter:
    kind = "vehicles"
    label = "Køretøjer"
    spec = VEHICLE_COLUMNS

    def prepare(self, table: Table, columns: HeaderMap, report: ImportReport, progress):
        plan = VehiclePlan()
        existing = {v.fleet_id.strip(): v for v in db.session.scalars(select(Vehicle))}
        from app.models import Location

        locations = {
            name.strip().casefold(): lid
            for lid, name in db.session.execute(select(Location.id, Location.name))
        }
        label = {c.field: columns.headers.get(c.field, c.label) for c in VEHICLE_COLUMNS.columns}
        seen: dict[str, int] = {}
        report.sample_columns = ["Vognnummer", "Handling", "Ændringer"]
        for row_number, cells in table.rows:
            report.rows_read += 1
            parsed = self._parse_row(row_number, cells, columns, label, locations, report)
            if parsed is None:
                continue
            values, department = parsed
            fleet_id = values["fleet_id"]
            if fleet_id in seen:
                report.error(
                    row_number,
                    label["fleet_id"],
                    fleet_id,
                    f"Vognnummeret står også i række {seen[fleet_id]}.",
                )
                continue
            seen[fleet_id] = row_number
            vehicle = existing.get(fleet_id)
            current = vehicles.snapshot(vehicle) if vehicle else {}
            current_enums = _enum_values(vehicle) if vehicle else {}
            merged = {**current, **current_enums, **values}
            if vehicle is None:
                for name in KEEP_WHEN_BLANK:
                    merged.setdefault(name, False)
                    if merged[name] is None:
                        merged[name] = False
            problems = vehicles.validate(merged, strict=False)
            if problems:
                for name, message in problems.items():
                    report.error(row_number, label.get(name, name), values.get(name, ""), message)
                continue
            if vehicle is None:
                report.rows_added += 1
                action, diff = "opret", "nyt køretøj"
            else:
                diff_fields = [
                    name for name in values if _comparable(values[name]) != current.get(name)
                ]
                if department is not None and _fold(department) != _fold(_department_key(vehicle)):
                    diff_fields.append("department_id")
                if not diff_fields:
                    report.rows_skipped += 1
                    continue
                report.rows_updated += 1
                action = "opdatér"
                diff = ", ".join(label.get(n, n) for n in dict.fromkeys(diff_fields))
            plan.items.append((vehicle, merged, values, department, row_number))
            report.add_sample([fleet_id, action, diff])
        if report.rows_read == 0:
            report.file_error("Filen har overskrifter, men ingen rækker med data.")
        return plan

    def _parse_row(self, row_number, cells, columns, label, locations, report):
        values: dict = {}
        department = None
        ok = True
        idx = columns.index
        for name, index in idx.items():
            raw = _cell(cells, index)
            try:
                if name in TEXT_FIELDS:
                    value = text(raw, TEXT_FIELDS[name])
                    if name == "plate":
                        value = value or None
                elif name == "vehicle_type":
                    value = _choice(
                        raw,
                        vehicles.TYPE_BY_NAME,
                        "Ukendt type. Brug Cykel, Elcykel, Elbil eller Fossilbil.",
                    )
                elif name == "fuel":
                    value = _choice(
                        raw,
                        vehicles.FUEL_BY_NAME,
                        "Ukendt drivmiddel. Brug Benzin, Diesel, HVO, El eller Ingen.",
                    )
                elif name == "lease_type":
                    value = _choice(
                        raw,
                        vehicles.LEASE_BY_NAME,
                        "Ukendt leasingtype. Brug Operationel leasing, Finansiel leasing "
                        "eller Ejet.",
                    )
                elif name in NUMBER_FIELDS:
                    value = number(raw)
                elif name in DATE_FIELDS:
                    value = calendar_date(raw)
                elif name in KEEP_WHEN_BLANK:
                    value = boolean(raw)
                    if value is None:
                        continue
                elif name == "location":
                    location_name = text(raw)
                    if not location_name:
                        values["location_id"] = None
                        continue
                    location_id = locations.get(location_name.casefold())
                    if location_id is None:
                        raise CellError("Lokationen findes ikke. Opret den under Lokationer først.")
                    values["location_id"] = location_id
                    continue
                elif name in ("administration", "department"):
                    continue
                else:
                    continue
            except CellError as problem:
                report.error(row_number, label[name], raw, str(problem))
                ok = False
                continue
            values[name] = value
        if "administration" in idx or "department" in idx:
            try:
                admin_name = text(_cell(cells, idx.get("administration", 10**6)))
                dept_name = text(_cell(cells, idx.get("department", 10**6)))
            except CellError as problem:
                report.error(row_number, label["department"], None, str(problem))
                return None
            if admin_name and dept_name:
                department = (admin_name, dept_name)
            elif admin_name or dept_name:
                report.error(
                    row_number,
                    label["department"] if admin_name else label["administration"],
                    "",
                    "Angiv både forvaltning og afdeling (eller ingen af dem).",
                )
                ok = False
            else:
                department = ("", "")
        if not values.get("fleet_id"):
            report.error(row_number, label["fleet_id"], "", "Vognnummer mangler.")
            return None
        return (values, department) if ok else None

    def apply(self, plan: VehiclePlan, batch, report: ImportReport, progress) -> None:
        created, updated, history_ids = [], {}, []
        day = vehicles.today()
        for vehicle, merged, values, department, _row in plan.items:
            before = vehicles.snapshot(vehicle) if vehicle else None
            if vehicle is None:
                vehicle = Vehicle(fleet_id=values["fleet_id"], make="", model="")
                db.session.add(vehicle)
                for name in vehicles.FIELDS:
                    if name in merged and name != "location_id":
                        setattr(vehicle, name, merged[name])
            else:
                updated[vehicle.id] = before
                for name, value in values.items():
                    if name != "location_id":
                        setattr(vehicle, name, value)
            if department is not None:
                vehicle.department_id = (
                    vehicles.ensure_department(*department).id if department[0] else None
                )
            if "location_id" in values and values["location_id"] != (before or {}).get(
                "location_id"
            ):
                if values["location_id"] is None:
                    vehicle.location_id = None
                else:
                    entry = vehicles.set_home(vehicle, values["location_id"], day)
                    vehicle.location_id = values["location_id"]
                    db.session.flush()
                    history_ids.append(entry.id)
            db.session.flush()
            if before is None:
                created.append(vehicle.id)
                record(
                    "vehicle_created",
                    vehicle,
                    {"efter": vehicles.snapshot(vehicle), "import": batch.id},
                )
            else:
                vehicles.audit_change(vehicle, before, import_=batch.id)
        batch.details = {
            **(batch.details or {}),
            "created": created,
            "updated": updated,
            "history": history_ids,
        }

    def undo(self, batch) -> None:
        details = batch.details or {}
        for vehicle_id in details.get("created", []):
            vehicle = db.session.get(Vehicle, vehicle_id)
            if vehicle is None:
                continue
            trips = db.session.scalar(
                select(func.count(RoundTrip.id)).where(RoundTrip.vehicle_id == vehicle_id)
            )
            if trips:
                raise UndoRefused(
                    f"Køretøjet {vehicle.fleet_id} har fået {trips} rundture siden; fortryd "
                    "de importer først."
                )
            db.session.execute(
                delete(VehicleLocationHistory).where(
                    VehicleLocationHistory.vehicle_id == vehicle_id
                )
            )
            db.session.delete(vehicle)
        if details.get("history"):
            db.session.execute(
                delete(VehicleLocationHistory).where(
                    VehicleLocationHistory.id.in_(details["history"])
                )
            )
        for vehicle_id, before in details.get("updated", {}).items():
            vehicle = db.session.get(Vehicle, int(vehicle_id))
            if vehicle is not None:
                vehicles.restore(vehicle, before)


class UndoRefused(Exception):
    """An undo that would remove data added later; the message (Danish) says what."""


def _choice(raw, table: dict, message: str):
    if is_blank(raw):
        return None
    key = text(raw).lower()
    if key not in table:
        raise CellError(message)
    return table[key]


def _comparable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _enum_values(vehicle: Vehicle) -> dict:
    """The snapshot stores enum values as strings; validation wants the enums."""
    return {
        "vehicle_type": vehicle.vehicle_type,
        "fuel": vehicle.fuel,
        "lease_type": vehicle.lease_type,
        "lease_start": vehicle.lease_start,
        "lease_end": vehicle.lease_end,
    }


def _department_key(vehicle: Vehicle) -> tuple[str, str]:
    if vehicle.department is None:
        return ("", "")
    return (vehicle.department.administration.name, vehicle.department.name)


def _fold(pair: tuple[str, str]) -> tuple[str, str]:
    return (pair[0].strip().casefold(), pair[1].strip().casefold())
