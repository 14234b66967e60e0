"""Location files: name, address, latitude, longitude, radius and extra parking points.

Extra parking points go in one cell, separated by "|", each as "latitude longitude" with
an optional radius in metres: "56.1601 9.5522 | 56.1587 9.5610 150". Present columns
replace what is stored (the parking points too); a cleared cell clears the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.audit import record
from app.data.columns import LOCATION_COLUMNS, HeaderMap
from app.data.readers import Table
from app.data.report import ImportReport
from app.data.trips_import import _cell
from app.data.values import CellError, number, text
from app.data.vehicles_import import UndoRefused
from app.extensions import db
from app.models import Location, ParkingPoint, RoundTrip, Vehicle

DEFAULT_RADIUS_M = 200
RADIUS_RANGE = (10, 5_000)
_POINT = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s+(-?\d+(?:[.,]\d+)?)(?:\s+(\d+))?\s*$")


def location_snapshot(location: Location) -> dict:
    return {
        "name": location.name,
        "address": location.address,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "radius_m": location.radius_m,
        "parking_points": [
            [p.latitude, p.longitude, p.radius_m, p.name] for p in location.parking_points
        ],
    }


def restore_location(location: Location, data: dict) -> None:
    for name in ("name", "address", "latitude", "longitude", "radius_m"):
        setattr(location, name, data[name])
    location.parking_points = [
        ParkingPoint(latitude=lat, longitude=lon, radius_m=radius, name=name or "")
        for lat, lon, radius, name in data["parking_points"]
    ]


def parse_parking_points(raw) -> list[list]:
    """ "lat lon [radius] | lat lon [radius]" -> [[lat, lon, radius, ""], ...]"""
    value = text(raw, max_length=2000)
    points = []
    for part in re.split(r"[|\n]", value):
        if not part.strip():
            continue
        match = _POINT.match(part)
        if not match:
            raise CellError(
                f"«{part.strip()}» kan ikke læses. Skriv fx «56.1601 9.5522 | 56.1587 9.5610 150» "
                "(breddegrad, længdegrad og evt. radius i meter, adskilt af |)."
            )
        lat = float(match.group(1).replace(",", "."))
        lon = float(match.group(2).replace(",", "."))
        radius = int(match.group(3)) if match.group(3) else DEFAULT_RADIUS_M
        check_coordinates(lat, lon)
        check_radius(radius)
        points.append([lat, lon, radius, ""])
    return points


def format_parking_points(points: list[list]) -> str:
    return " | ".join(f"{lat:.6f} {lon:.6f} {radius}" for lat, lon, radius, _name in points)


def check_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise CellError("Angiv både breddegrad og længdegrad (eller ingen af dem).")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CellError("Koordinaterne er uden for jorden (breddegrad ±90, længdegrad ±180).")


def check_radius(radius: float) -> None:
    if not RADIUS_RANGE[0] <= radius <= RADIUS_RANGE[1]:
        raise CellError(f"Radius skal være mellem {RADIUS_RANGE[0]} og {RADIUS_RANGE[1]} meter.")


@dataclass
class LocationPlan:
    items: list[tuple] = field(default_factory=list)  # (existing or None, values, row)


class LocationsImporter:
    kind = "locations"
    label = "Lokationer"
    spec = LOCATION_COLUMNS

    def prepare(self, table: Table, columns: HeaderMap, report: ImportReport, progress):
        plan = LocationPlan()
        existing = {
            loc.name.strip().casefold(): loc for loc in db.session.scalars(select(Location))
        }
        label = {c.field: columns.headers.get(c.field, c.label) for c in LOCATION_COLUMNS.columns}
        seen: dict[str, int] = {}
        report.sample_columns = ["Navn", "Handling", "Ændringer"]
        for row_number, cells in table.rows:
            report.rows_read += 1
            values = {}
            ok = True
            for name, index in columns.index.items():
                raw = _cell(cells, index)
                try:
                    if name in ("name", "address"):
                        values[name] = text(raw, 120 if name == "name" else 255)
                    elif name in ("latitude", "longitude"):
                        values[name] = number(raw)
                    elif name == "radius_m":
                        radius = number(raw)
                        radius = DEFAULT_RADIUS_M if radius is None else radius
                        check_radius(radius)
                        values[name] = round(radius)
                    elif name == "parking_points":
                        values[name] = parse_parking_points(raw)
                except CellError as problem:
                    report.error(row_number, label[name], raw, str(problem))
                    ok = False
            if not ok:
                continue
            if not values.get("name"):
                report.error(row_number, label["name"], "", "Navn mangler.")
                continue
            key = values["name"].casefold()
            if key in seen:
                report.error(
                    row_number,
                    label["name"],
                    values["name"],
                    f"Navnet står også i række {seen[key]}.",
                )
                continue
            seen[key] = row_number
            location = existing.get(key)
            current = location_snapshot(location) if location else {}
            lat = values.get("latitude", current.get("latitude"))
            lon = values.get("longitude", current.get("longitude"))
            try:
                check_coordinates(lat, lon)
            except CellError as problem:
                report.error(row_number, label.get("latitude", "Breddegrad"), lat, str(problem))
                continue
            if location is None:
                report.rows_added += 1
                report.add_sample([values["name"], "opret", "ny lokation"])
            else:
                changed = [n for n, v in values.items() if v != current.get(n)]
                if not changed:
                    report.rows_skipped += 1
                    continue
                report.rows_updated += 1
                report.add_sample([values["name"], "opdatér", ", ".join(label[n] for n in changed)])
            plan.items.append((location, values, row_number))
        if report.rows_read == 0:
            report.file_error("Filen har overskrifter, men ingen rækker med data.")
        return plan

    def apply(self, plan: LocationPlan, batch, report: ImportReport, progress) -> None:
        created, updated = [], {}
        for location, values, _row in plan.items:
            if location is None:
                location = Location(name=values["name"], address="", radius_m=DEFAULT_RADIUS_M)
                db.session.add(location)
                before = None
            else:
                before = location_snapshot(location)
                updated[location.id] = before
            for name, value in values.items():
                if name == "parking_points":
                    location.parking_points = [
                        ParkingPoint(latitude=lat, longitude=lon, radius_m=radius, name=pname)
                        for lat, lon, radius, pname in value
                    ]
                else:
                    setattr(location, name, value if value is not None or name != "address" else "")
            db.session.flush()
            if before is None:
                created.append(location.id)
                record(
                    "location_created",
                    location,
                    {"efter": location_snapshot(location), "import": batch.id},
                )
            else:
                from app.audit import changes

                record(
                    "location_updated",
                    location,
                    {**changes(before, location_snapshot(location)), "import": batch.id},
                )
        batch.details = {**(batch.details or {}), "created": created, "updated": updated}

    def undo(self, batch) -> None:
        details = batch.details or {}
        for location_id in details.get("created", []):
            location = db.session.get(Location, location_id)
            if location is None:
                continue
            used = db.session.scalar(
                select(func.count(Vehicle.id)).where(Vehicle.location_id == location_id)
            ) or db.session.scalar(
                select(func.count(RoundTrip.id)).where(RoundTrip.location_id == location_id)
            )
            if used:
                raise UndoRefused(
                    f"Lokationen «{location.name}» bruges nu af køretøjer eller rundture; "
                    "den kan ikke fjernes."
                )
            db.session.delete(location)
        for location_id, before in details.get("updated", {}).items():
            location = db.session.get(Location, int(location_id))
            if location is not None:
                restore_location(location, before)
