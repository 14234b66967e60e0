"""GPS trip logs: one row per drive from A to B, aggregated into round trips.

A round trip starts with a drive that leaves the vehicle's home location (within the
location's radius or the radius of one of its extra parking points) and ends with the
first drive that arrives home again. Drives that never started at home are lost km; a
chain still away from home when the file ends is kept aside (PendingGpsDrive) and
continued by the next GPS import. Precision per location is the share of km that ended
in complete round trips.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.data.bulk import insert_round_trips
from app.data.columns import GPS_COLUMNS, HeaderMap
from app.data.lookups import Lookups
from app.data.readers import Table
from app.data.report import ImportReport
from app.data.trips_import import _cell, _local_text, check_trips
from app.data.values import CellError, aware, is_ambiguous, number, text, timestamp, to_utc
from app.extensions import db
from app.models import LOCAL_TZ, Location, LocationPrecision, PendingGpsDrive

MAX_DRIVE_DURATION = timedelta(hours=12)
MAX_DRIVE_KM = 1_000.0
MAX_DRIVE_SPEED_KMH = 200.0
PRECISION_WARNING = 0.8
EARTH_RADIUS_M = 6_371_000.0


@dataclass
class Drive:
    start: datetime  # naive UTC
    end: datetime
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    km: float
    row: int | None  # None: a pending drive from an earlier import
    pending_id: int | None = None


@dataclass
class HomeArea:
    location_id: int
    points: list[tuple[float, float, float]]  # lat, lon, radius in metres

    def contains(self, lat: float, lon: float) -> bool:
        return any(distance_m(lat, lon, p[0], p[1]) <= p[2] for p in self.points)


@dataclass
class GpsPlan:
    to_add: list = field(default_factory=list)
    pending: dict[int, list[Drive]] = field(default_factory=dict)  # vehicle -> new chain
    consumed: list[dict] = field(default_factory=list)  # earlier pending drives used now
    vehicles: set[int] = field(default_factory=set)
    precision: dict[int, list[float]] = field(default_factory=dict)  # loc -> [total, complete, n]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def home_areas() -> dict[int, HomeArea]:
    areas = {}
    for location in db.session.scalars(select(Location)):
        points = []
        if location.latitude is not None and location.longitude is not None:
            points.append((location.latitude, location.longitude, float(location.radius_m)))
        points += [(p.latitude, p.longitude, float(p.radius_m)) for p in location.parking_points]
        areas[location.id] = HomeArea(location.id, points)
    return areas


class GpsImporter:
    kind = "gps"
    label = "GPS-log"
    spec = GPS_COLUMNS

    def prepare(self, table: Table, columns: HeaderMap, report: ImportReport, progress) -> GpsPlan:
        lookups = Lookups()
        areas = home_areas()
        label = {c.field: columns.headers.get(c.field, c.label) for c in GPS_COLUMNS.columns}
        idx = columns.index
        drives: dict[int, list[Drive]] = defaultdict(list)
        for row_number, cells in table.rows:
            report.rows_read += 1
            drive = self._read_drive(row_number, cells, idx, label, lookups, report)
            if drive is not None:
                drives[drive[0]].append(drive[1])
        if report.rows_read == 0:
            report.file_error("Filen har overskrifter, men ingen rækker med data.")
        plan = GpsPlan(vehicles=set(drives))
        progress(None, "Samler ture til rundture")
        trips: list[tuple] = []
        for vehicle_id, vehicle_drives in drives.items():
            vehicle = lookups.vehicles_by_id[vehicle_id]
            chain_input = self._with_pending(vehicle_id, vehicle_drives, plan, label, report)
            if chain_input is None:
                continue
            self._aggregate(vehicle, chain_input, areas, lookups, plan, trips, report)
        report.sample_columns = ["Køretøj", "Lokation", "Start", "Slut", "Km", "Ture"]
        names = lookups.location_names
        for vehicle_id, loc, start, end, km, _minutes, _row, n in trips[:10]:
            fleet_id = lookups.vehicles_by_id[vehicle_id].fleet_id
            report.add_sample(
                [fleet_id, names.get(loc, ""), _local_text(start), _local_text(end), km, n]
            )
        if not report.ok:
            return plan
        plan.to_add = check_trips(
            [(t[0], t[2], t[3], t[4], t[5], t[1], t[6]) for t in trips],
            report,
            label["start"],
            source="rundturen fra række",
        )
        self._report_precision(plan, names, report)
        pending_count = sum(len(chain) for chain in plan.pending.values())
        report.details.update(
            {
                "drives": report.rows_read,
                "round_trips": len(trips),
                "pending_drives": pending_count,
            }
        )
        report.notes.append(
            f"{report.rows_read} ture giver {len(trips)} rundture; {pending_count} ture i "
            "uafsluttede rundture gemmes til næste import."
        )
        return plan

    def _read_drive(self, row_number, cells, idx, label, lookups, report):
        error = report.error
        raw_vehicle = _cell(cells, idx["vehicle"])
        try:
            key = text(raw_vehicle)
        except CellError as problem:
            error(row_number, label["vehicle"], raw_vehicle, str(problem))
            return None
        vehicle = lookups.vehicle(key) if key else None
        if vehicle is None:
            error(
                row_number,
                label["vehicle"],
                key,
                "Køretøjet findes ikke i køretøjsregisteret." if key else "Køretøj mangler.",
            )
            return None
        values = {}
        for name in ("start", "end"):
            raw = _cell(cells, idx[name])
            try:
                local = timestamp(raw)
                moment = to_utc(local)
                if name == "end" and moment <= values["start"] and is_ambiguous(local):
                    moment = to_utc(local, later=True)
            except CellError as problem:
                error(row_number, label[name], raw, str(problem))
                return None
            values[name] = moment
        start, end = values["start"], values["end"]
        if end <= start:
            error(
                row_number,
                label["end"],
                _cell(cells, idx["end"]),
                "Sluttidspunktet ligger før eller samtidig med starttidspunktet.",
            )
            return None
        if end - start > MAX_DRIVE_DURATION:
            error(
                row_number,
                label["end"],
                _cell(cells, idx["end"]),
                "Turen varer over 12 timer; det er ikke én tur fra A til B.",
            )
            return None
        coordinates = {}
        for name, limit in (
            ("start_lat", 90),
            ("start_lon", 180),
            ("end_lat", 90),
            ("end_lon", 180),
        ):
            raw = _cell(cells, idx[name])
            try:
                value = number(raw)
            except CellError as problem:
                error(row_number, label[name], raw, str(problem))
                return None
            if value is None or not -limit <= value <= limit:
                error(
                    row_number,
                    label[name],
                    raw,
                    f"Koordinaten skal være mellem −{limit} og {limit}.",
                )
                return None
            coordinates[name] = value
        raw_km = _cell(cells, idx["distance_km"])
        try:
            km = number(raw_km)
        except CellError as problem:
            error(row_number, label["distance_km"], raw_km, str(problem))
            return None
        if km is None or km < 0:
            error(
                row_number,
                label["distance_km"],
                raw_km,
                "Kilometer skal være et tal på 0 eller mere.",
            )
            return None
        hours = (end - start).total_seconds() / 3600
        if km > MAX_DRIVE_KM or km / hours > MAX_DRIVE_SPEED_KMH:
            error(
                row_number,
                label["distance_km"],
                raw_km,
                "Afstanden er urealistisk for turens varighed (over 200 km/t eller 1.000 km).",
            )
            return None
        return vehicle.id, Drive(start, end, *coordinates.values(), km, row_number)

    def _with_pending(self, vehicle_id, file_drives, plan, label, report) -> list[Drive] | None:
        pending = [
            Drive(
                p.start_time.replace(tzinfo=None),
                p.end_time.replace(tzinfo=None),
                p.start_latitude,
                p.start_longitude,
                p.end_latitude,
                p.end_longitude,
                p.distance_km,
                None,
                p.id,
            )
            for p in db.session.scalars(
                select(PendingGpsDrive).where(PendingGpsDrive.vehicle_id == vehicle_id)
            )
        ]
        pending_keys = {(d.start, d.end) for d in pending}
        # The same drive in the file and in the pending chain is one drive (file re-imported).
        merged = pending + [d for d in file_drives if (d.start, d.end) not in pending_keys]
        merged.sort(key=lambda d: (d.start, d.end))
        plan.consumed += [
            {
                "vehicle_id": vehicle_id,
                "start": d.start.isoformat(),
                "end": d.end.isoformat(),
                "coords": [d.start_lat, d.start_lon, d.end_lat, d.end_lon],
                "km": d.km,
            }
            for d in pending
        ]
        ok = True
        previous = None
        for drive in merged:
            if previous is not None and drive.start < previous.end:
                same = drive.start == previous.start and drive.end == previous.end
                where = f"række {previous.row}" if previous.row else "en tidligere importeret tur"
                report.error(
                    drive.row,
                    label["start"],
                    _local_text(drive.start),
                    f"Turen står to gange i filen ({where})."
                    if same
                    else f"Turen overlapper {where} for samme køretøj.",
                )
                ok = False
                continue
            previous = drive
        return merged if ok else None

    def _aggregate(self, vehicle, drives, areas, lookups, plan, trips, report) -> None:
        chain: list[Drive] = []
        home: HomeArea | None = None

        def account(location_id, km, complete) -> None:
            entry = plan.precision.setdefault(location_id, [0.0, 0.0, 0])
            entry[0] += km
            entry[2] += 1
            if complete:
                entry[1] += km

        for drive in drives:
            day = aware(drive.start).astimezone(LOCAL_TZ).date()
            location_id = vehicle.home_at(day)
            if location_id is None:
                report.error(
                    drive.row, "Køretøj", vehicle.fleet_id, "Køretøjet har ingen lokation."
                )
                return
            area = areas[location_id]
            if not area.points:
                report.error(
                    drive.row,
                    "Køretøj",
                    vehicle.fleet_id,
                    f"Lokationen «{lookups.location_names[location_id]}» har ingen koordinater; "
                    "angiv breddegrad og længdegrad under Lokationer.",
                )
                return
            if (
                chain
                and area.location_id == home.location_id
                and home.contains(drive.start_lat, drive.start_lon)
            ):
                # Back home without a drive that ended there: the chain is broken.
                for lost in chain:
                    account(home.location_id, lost.km, False)
                chain = []
            if not chain:
                if not area.contains(drive.start_lat, drive.start_lon):
                    account(location_id, drive.km, False)  # never left from home
                    continue
                home = area
            chain.append(drive)
            if home.contains(drive.end_lat, drive.end_lon):
                km = sum(d.km for d in chain)
                minutes = sum((d.end - d.start).total_seconds() for d in chain) / 60
                first_row = next((d.row for d in chain if d.row), 0)
                trips.append(
                    (
                        vehicle.id,
                        home.location_id,
                        chain[0].start,
                        chain[-1].end,
                        round(km, 3),
                        round(minutes, 1),
                        first_row,
                        len(chain),
                    )
                )
                for done in chain:
                    account(home.location_id, done.km, True)
                chain = []
        if chain:
            plan.pending[vehicle.id] = chain
        else:
            plan.pending[vehicle.id] = []

    def _report_precision(self, plan: GpsPlan, names, report: ImportReport) -> None:
        shown = {}
        for location_id, (total, complete, _count) in sorted(plan.precision.items()):
            share = complete / total if total else 1.0
            shown[names.get(location_id, str(location_id))] = round(share * 100, 1)
            if share < PRECISION_WARNING:
                report.warnings.append(
                    f"Præcision for «{names.get(location_id)}» er {share * 100:.0f} %: kun "
                    f"{complete:.0f} af {total:.0f} km endte i hele rundture (mål: mindst 80 %). "
                    "Tjek lokationens radius og ekstra parkeringspladser."
                )
        report.details["precision"] = shown
        if shown:
            listed = ", ".join(
                f"{name} {str(value).replace('.', ',')} %" for name, value in shown.items()
            )
            report.notes.append(f"Præcision (km i hele rundture): {listed}.")

    def apply(self, plan: GpsPlan, batch, report: ImportReport, progress) -> None:
        report.rows_added = insert_round_trips(
            plan.to_add, batch.id, lambda share: progress(share, "Gemmer rundture")
        )
        if plan.vehicles:
            db.session.execute(
                delete(PendingGpsDrive).where(PendingGpsDrive.vehicle_id.in_(plan.vehicles))
            )
        for vehicle_id, chain in plan.pending.items():
            for d in chain:
                db.session.add(
                    PendingGpsDrive(
                        vehicle_id=vehicle_id,
                        start_time=aware(d.start),
                        end_time=aware(d.end),
                        start_latitude=d.start_lat,
                        start_longitude=d.start_lon,
                        end_latitude=d.end_lat,
                        end_longitude=d.end_lon,
                        distance_km=d.km,
                        import_batch_id=batch.id,
                    )
                )
        for location_id, (total, complete, count) in plan.precision.items():
            db.session.add(
                LocationPrecision(
                    import_batch_id=batch.id,
                    location_id=location_id,
                    km_total=total,
                    km_complete=complete,
                    drives=count,
                )
            )
        batch.details = {**(batch.details or {}), "consumed_pending": plan.consumed}

    def undo(self, batch) -> None:
        """Remove the batch's trips, pending drives and precision; restore what it consumed."""
        from app.models import RoundTrip

        db.session.execute(delete(RoundTrip).where(RoundTrip.import_batch_id == batch.id))
        db.session.execute(
            delete(PendingGpsDrive).where(PendingGpsDrive.import_batch_id == batch.id)
        )
        db.session.execute(
            delete(LocationPrecision).where(LocationPrecision.import_batch_id == batch.id)
        )
        for item in (batch.details or {}).get("consumed_pending", []):
            slat, slon, elat, elon = item["coords"]
            db.session.add(
                PendingGpsDrive(
                    vehicle_id=item["vehicle_id"],
                    start_time=aware(datetime.fromisoformat(item["start"])),
                    end_time=aware(datetime.fromisoformat(item["end"])),
                    start_latitude=slat,
                    start_longitude=slon,
                    end_latitude=elat,
                    end_longitude=elon,
                    distance_km=item["km"],
                    import_batch_id=None,
                )
            )


def location_precision() -> dict[int, tuple[float, float]]:
    """Per location: (km total, km in complete round trips) over applied GPS imports."""
    from sqlalchemy import func

    from app.models import ImportBatch

    rows = db.session.execute(
        select(
            LocationPrecision.location_id,
            func.sum(LocationPrecision.km_total),
            func.sum(LocationPrecision.km_complete),
        )
        .join(ImportBatch, ImportBatch.id == LocationPrecision.import_batch_id)
        .where(ImportBatch.status == "applied")
        .group_by(LocationPrecision.location_id)
    )
    return {loc: (total or 0.0, complete or 0.0) for loc, total, complete in rows}
