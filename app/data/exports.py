"""Data out: the vehicle register, locations and round trips as CSV or XLSX.

Files are written for Danish spreadsheets (CSV: UTF-8 with BOM, semicolon, decimal comma)
and re-import unchanged. Text that starts with =, +, - or @ would run as a formula when
opened in Excel; such cells get a leading apostrophe (and the import removes it again).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.data.columns import LOCATION_COLUMNS, VEHICLE_COLUMNS
from app.data.locations_import import format_parking_points, location_snapshot
from app.extensions import db
from app.models import (
    FUEL_LABELS,
    LEASE_TYPE_LABELS,
    LOCAL_TZ,
    VEHICLE_TYPE_LABELS,
    Location,
    RoundTrip,
    Vehicle,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575
TRIP_HEADERS = [
    "trip_id",
    "vehicle",
    "location",
    "start",
    "end",
    "distance_km",
    "driving_minutes",
]


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def vehicle_table(vehicles: Iterable[Vehicle]) -> tuple[list[str], list[list]]:
    headers = [c.label for c in VEHICLE_COLUMNS.columns]
    rows = []
    for v in vehicles:
        dept = v.department
        rows.append(
            [
                v.fleet_id,
                v.plate or "",
                v.make,
                v.model,
                VEHICLE_TYPE_LABELS[v.vehicle_type],
                v.plug_in_hybrid,
                FUEL_LABELS[v.fuel],
                v.km_per_litre,
                v.wh_per_km,
                v.range_km,
                v.yearly_cost_dkk,
                v.location.name if v.location else "",
                dept.administration.name if dept else "",
                dept.name if dept else "",
                LEASE_TYPE_LABELS[v.lease_type] if v.lease_type else "",
                v.lease_start,
                v.lease_end,
                v.yearly_km_allowance,
                v.disabled,
                v.candidate,
            ]
        )
    return headers, rows


def all_vehicles() -> list[Vehicle]:
    return db.session.scalars(
        select(Vehicle)
        .options(joinedload(Vehicle.location), joinedload(Vehicle.department))
        .order_by(Vehicle.fleet_id)
    ).all()


def model_table() -> tuple[list[str], list[list]]:
    from app.data.columns import MODEL_COLUMNS
    from app.models import VehicleModel

    headers = [c.label for c in MODEL_COLUMNS.columns]
    rows = [
        [
            m.make,
            m.model,
            VEHICLE_TYPE_LABELS[m.vehicle_type],
            m.plug_in_hybrid,
            FUEL_LABELS[m.fuel],
            m.km_per_litre,
            m.wh_per_km,
            m.range_km,
            m.yearly_cost_dkk,
            m.source,
        ]
        for m in db.session.scalars(
            select(VehicleModel).order_by(VehicleModel.make, VehicleModel.model)
        )
    ]
    return headers, rows


def location_table() -> tuple[list[str], list[list]]:
    headers = [c.label for c in LOCATION_COLUMNS.columns]
    rows = []
    for location in db.session.scalars(select(Location).order_by(Location.name)):
        snap = location_snapshot(location)
        rows.append(
            [
                location.name,
                location.address,
                location.latitude,
                location.longitude,
                location.radius_m,
                format_parking_points(snap["parking_points"]),
            ]
        )
    return headers, rows


def trips_query(start: date | None, end: date | None, location_id=None, vehicle_id=None):
    from app.vehicles.service import local_midnight

    query = (
        select(
            RoundTrip.id,
            Vehicle.fleet_id,
            Location.name,
            RoundTrip.start_time,
            RoundTrip.end_time,
            RoundTrip.distance_km,
            RoundTrip.driving_minutes,
        )
        .join(Vehicle, Vehicle.id == RoundTrip.vehicle_id)
        .join(Location, Location.id == RoundTrip.location_id)
        .order_by(RoundTrip.start_time, RoundTrip.id)
    )
    if start:
        query = query.where(RoundTrip.start_time >= local_midnight(start))
    if end:
        from datetime import timedelta

        query = query.where(RoundTrip.start_time < local_midnight(end + timedelta(days=1)))
    if location_id:
        query = query.where(RoundTrip.location_id == location_id)
    if vehicle_id:
        query = query.where(RoundTrip.vehicle_id == vehicle_id)
    return query


def trip_rows(query, for_xlsx: bool = False) -> Iterator[list]:
    for trip_id, fleet_id, location, start, end, km, minutes in db.session.execute(
        query.execution_options(yield_per=5000)
    ):
        local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
        if for_xlsx:
            # Excel has no time zones: local wall-clock time.
            local_start, local_end = (
                local_start.replace(tzinfo=None),
                local_end.replace(tzinfo=None),
            )
        yield [trip_id, fleet_id, location, local_start, local_end, km, minutes]


# Flask adds "; charset=utf-8" to a text/* mimetype itself; giving it here too sent
# "text/csv; charset=utf-8; charset=utf-8".
CSV_MIMETYPE = "text/csv"


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        # ISO 8601 with the offset: unambiguous also in the October night.
        return (
            value.isoformat(sep=" ", timespec="seconds")
            if value.tzinfo
            else value.strftime("%d-%m-%Y %H:%M")
        )
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return neutralise(str(value))


def csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV for Danish Excel: BOM, semicolons, decimal comma; yielded in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers])
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(v) for v in row])
        if count % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_sheet(workbook, title: str, headers: list[str], rows: Iterable[list]) -> None:
    """One sheet of a write-only workbook: bold headers, Danish date formats, local times
    without zone (Excel has none), yes/no in Danish, formula text neutralised."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title[:31])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for count, row in enumerate(rows, start=1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows(
                "Udtrækket har flere rækker, end Excel kan vise (1.048.575). "
                "Vælg en kortere periode eller hent CSV."
            )
        cells = []
        for value in row:
            if isinstance(value, bool):
                value = "ja" if value else "nej"
            elif isinstance(value, datetime):
                value = value.replace(tzinfo=None)
            elif isinstance(value, str):
                value = neutralise(value)
            elif isinstance(value, list | dict):
                value = neutralise(str(value))
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "dd-mm-yyyy hh:mm"
            elif isinstance(value, date):
                cell.number_format = "dd-mm-yyyy"
            cells.append(cell)
        sheet.append(cells)


def xlsx_bytes(headers: list[str], rows: Iterable[list], title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    write_sheet(workbook, title, headers, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class TooManyRows(Exception):
    pass
