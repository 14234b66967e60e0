"""Round-trip files: one row per round trip (vehicle, location, start, end, km, minutes).

Checks every row (vehicle and location exist, times readable and in order, km plausible),
then the file against itself and the database: the natural key (vehicle, start, end)
makes a repeated import skip what is already there; a trip that overlaps another trip
of the same vehicle is an error, because a vehicle cannot drive two round trips at once.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from app.data.bulk import TripRow, insert_round_trips
from app.data.columns import TRIP_COLUMNS, HeaderMap
from app.data.lookups import Lookups
from app.data.readers import Table
from app.data.report import ImportReport
from app.data.values import (
    HOUR_OFFSETS,
    NONEXISTENT_MESSAGE,
    CellError,
    number,
    offsets,
    text,
    timestamp,
    to_utc,
)
from app.extensions import db
from app.models import LOCAL_TZ

MAX_TRIP_KM = 1_500.0
MAX_TRIP_DURATION = timedelta(days=7)
MAX_AVERAGE_SPEED_KMH = 150.0
PROGRESS_EVERY = 25_000


@dataclass
class TripPlan:
    # (vehicle_id, start, end, km, minutes, location_id, row number), naive UTC times
    rows: list[tuple] = field(default_factory=list)
    to_add: list[TripRow] = field(default_factory=list)


def _cell(cells: list, index: int | None):
    if index is None or index >= len(cells):
        return None
    return cells[index]


class TripsImporter:
    kind = "trips"
    label = "Rundture"
    spec = TRIP_COLUMNS

    def prepare(self, table: Table, columns: HeaderMap, report: ImportReport, progress) -> TripPlan:
        lookups = Lookups()
        plan = TripPlan()
        idx = columns.index
        i_vehicle, i_start, i_end, i_km = (
            idx["vehicle"],
            idx["start"],
            idx["end"],
            idx["distance_km"],
        )
        i_location, i_minutes = idx.get("location"), idx.get("driving_minutes")
        label = {f: columns.headers.get(f, f) for f in TRIP_COLUMNS_FIELDS}
        report.sample_columns = ["Køretøj", "Lokation", "Start", "Slut", "Km", "Køretid min"]
        error = report.error
        names = lookups.location_names
        width = (
            max(
                i for i in (i_vehicle, i_start, i_end, i_km, i_location, i_minutes) if i is not None
            )
            + 1
        )
        # The hot loop of a million-row import: exact-match caches and fast paths first,
        # the general parsers (Danish numbers, dd-mm-yyyy dates) only when those fail.
        by_fleet_id = lookups.by_fleet_id
        location_cache: dict = {}
        fromisoformat = datetime.fromisoformat
        hour_offsets = HOUR_OFFSETS
        iso_dates = True  # until a cell says otherwise; then dd-mm-yyyy is tried first
        rows_out = plan.rows
        read = 0
        for row_number, cells in table.rows:
            read += 1
            if read % PROGRESS_EVERY == 0:
                progress(None, f"Læser række {read:,}".replace(",", "."))
            if len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            raw_vehicle = cells[i_vehicle]
            vehicle = by_fleet_id.get(raw_vehicle)
            if vehicle is None:
                try:
                    key = text(raw_vehicle)
                except CellError as problem:
                    error(row_number, label["vehicle"], raw_vehicle, str(problem))
                    continue
                if not key:
                    error(row_number, label["vehicle"], "", "Køretøj mangler.")
                    continue
                vehicle = lookups.vehicle(key)
                if vehicle is None:
                    error(
                        row_number,
                        label["vehicle"],
                        key,
                        "Køretøjet findes ikke i køretøjsregisteret (vognnummer eller "
                        "nummerplade skal stå præcis som i registeret).",
                    )
                    continue
            raw_start, raw_end = cells[i_start], cells[i_end]
            try:
                if iso_dates:
                    try:
                        local_start = fromisoformat(raw_start)
                    except (TypeError, ValueError):
                        local_start = timestamp(raw_start)
                        iso_dates = type(raw_start) is not str
                else:
                    local_start = timestamp(raw_start, day_first=True)
                if local_start.tzinfo is None:
                    hour = hour_offsets.get(local_start.toordinal() * 24 + local_start.hour)
                    if hour is None:
                        hour = offsets(local_start)
                    if hour[2]:
                        raise CellError(NONEXISTENT_MESSAGE)
                    start = local_start - hour[0]
                else:
                    start = to_utc(local_start)
            except CellError as problem:
                error(row_number, label["start"], raw_start, str(problem))
                continue
            try:
                if iso_dates:
                    try:
                        local_end = fromisoformat(raw_end)
                    except (TypeError, ValueError):
                        local_end = timestamp(raw_end)
                else:
                    local_end = timestamp(raw_end, day_first=True)
                if local_end.tzinfo is None:
                    hour = hour_offsets.get(local_end.toordinal() * 24 + local_end.hour)
                    if hour is None:
                        hour = offsets(local_end)
                    if hour[2]:
                        raise CellError(NONEXISTENT_MESSAGE)
                    end = local_end - hour[0]
                    if end <= start and hour[0] != hour[1]:
                        # The repeated October hour: the second (winter time) occurrence.
                        end = local_end - hour[1]
                else:
                    end = to_utc(local_end)
            except CellError as problem:
                error(row_number, label["end"], raw_end, str(problem))
                continue
            if end <= start:
                error(
                    row_number,
                    label["end"],
                    raw_end,
                    "Sluttidspunktet ligger før eller samtidig med starttidspunktet.",
                )
                continue
            duration = end - start
            if duration > MAX_TRIP_DURATION:
                error(row_number, label["end"], raw_end, "Rundturen varer mere end 7 døgn.")
                continue
            raw_km = cells[i_km]
            try:
                km = _fast_number(raw_km)
            except CellError as problem:
                error(row_number, label["distance_km"], raw_km, str(problem))
                continue
            if km is None:
                error(row_number, label["distance_km"], "", "Kilometer mangler.")
                continue
            if km < 0:
                error(row_number, label["distance_km"], raw_km, "Kilometer kan ikke være negativ.")
                continue
            if km > MAX_TRIP_KM:
                error(
                    row_number,
                    label["distance_km"],
                    raw_km,
                    "Over 1.500 km på én rundtur er urealistisk; tjek enheden (km, ikke meter).",
                )
                continue
            hours = duration.total_seconds() / 3600
            if km > MAX_AVERAGE_SPEED_KMH * hours:
                error(
                    row_number,
                    label["distance_km"],
                    raw_km,
                    f"{km:g} km på {hours * 60:.0f} minutter giver en urealistisk "
                    "gennemsnitsfart (over 150 km/t).",
                )
                continue
            minutes = None
            if i_minutes is not None:
                raw_minutes = cells[i_minutes]
                try:
                    minutes = _fast_number(raw_minutes)
                except CellError as problem:
                    error(row_number, label["driving_minutes"], raw_minutes, str(problem))
                    continue
                if minutes is not None and (minutes < 0 or minutes > hours * 60 + 1):
                    error(
                        row_number,
                        label["driving_minutes"],
                        raw_minutes,
                        "Køretiden skal være mellem 0 og rundturens varighed.",
                    )
                    continue
            location_id = None
            if i_location is not None:
                raw_location = cells[i_location]
                location_id = location_cache.get(raw_location)
                if location_id is None and raw_location not in (None, ""):
                    try:
                        location_name = text(raw_location)
                    except CellError as problem:
                        error(row_number, label["location"], raw_location, str(problem))
                        continue
                    if location_name:
                        location_id = lookups.location(location_name)
                        if location_id is None:
                            error(
                                row_number,
                                label["location"],
                                location_name,
                                "Lokationen findes ikke. Opret den under Lokationer først.",
                            )
                            continue
                        location_cache[raw_location] = location_id
            if location_id is None:
                location_id = vehicle.home_at(_local_day(start))
                if location_id is None:
                    error(
                        row_number,
                        label["location"] if i_location is not None else "Lokation",
                        "",
                        "Køretøjet har ingen lokation; angiv rundturens lokation i filen.",
                    )
                    continue
            rows_out.append((vehicle.id, start, end, km, minutes, location_id, row_number))
            if len(report.sample_rows) < 10:
                report.add_sample(
                    [
                        vehicle.fleet_id,
                        names.get(location_id, ""),
                        _local_text(start),
                        _local_text(end),
                        km,
                        "" if minutes is None else minutes,
                    ]
                )
        report.rows_read = read
        if report.rows_read == 0:
            report.file_error("Filen har overskrifter, men ingen rækker med data.")
        progress(None, "Tjekker for dubletter og overlap")
        plan.to_add = check_trips(plan.rows, report, columns.headers.get("start", "Start"))
        plan.rows = []  # to_add holds the same row tuples; nothing else needs the rest
        return plan

    def apply(self, plan: TripPlan, batch, report: ImportReport, progress) -> None:
        rows = plan.to_add
        report.rows_added = insert_round_trips(
            rows, batch.id, lambda share: progress(share, "Gemmer rundture")
        )


TRIP_COLUMNS_FIELDS = [c.field for c in TRIP_COLUMNS.columns]


def _fast_number(raw):
    """number() with a fast path for the common "12.5" and "12,5"."""
    if type(raw) is str and raw:
        if "," in raw:
            if "." in raw or raw.count(",") != 1:
                return number(raw)
            candidate = raw.replace(",", ".")
        else:
            candidate = raw
        try:
            result = float(candidate)
        except ValueError:
            return number(raw)
        if result - result == 0:  # finite (NaN and infinities are not)
            return result
    return number(raw)


def _local_day(naive_utc: datetime):
    from app.data.values import aware

    return aware(naive_utc).astimezone(LOCAL_TZ).date()


def _local_text(naive_utc: datetime) -> str:
    from app.data.values import aware
    from app.formatting import local

    return local(aware(naive_utc)).strftime("%d-%m-%Y %H:%M")


def check_trips(
    rows: list[TripRow],
    report: ImportReport,
    start_label: str,
    source: str = "række",
) -> list[TripRow]:
    """Dedupe and overlap-check trips against the file itself and the database.

    `rows` are (vehicle, start, end, km, minutes, location, row number), sorted here in
    place. Returns the rows to insert (the same tuples: a million-row file must not be
    copied again); counts skipped rows (already stored) and reports every overlap.
    """
    if not rows:
        return []
    rows.sort(key=itemgetter(0, 1, 2))
    # The check and the insert must be atomic: lock first, then read what is stored.
    lock_trip_writes()
    existing = _existing_trips(rows)
    to_add: list[TripRow] = []
    append = to_add.append
    previous = None
    for trip in rows:
        vehicle_id, start, end, row_number = trip[0], trip[1], trip[2], trip[6]
        if previous is not None and previous[0] == vehicle_id:
            if previous[1] == start and previous[2] == end:
                report.error(
                    row_number,
                    start_label,
                    _local_text(start),
                    f"Rundturen står to gange i filen (samme køretøj, start og slut som "
                    f"{source} {previous[6]}).",
                )
                continue
            if start < previous[2]:
                report.error(
                    row_number,
                    start_label,
                    _local_text(start),
                    f"Rundturen overlapper {source} {previous[6]} for samme køretøj.",
                )
                continue
        previous = trip
        known = existing.get(vehicle_id)
        if known is not None:
            if (start, end) in known[2]:
                report.rows_skipped += 1
                continue
            starts, ends = known[0], known[1]
            position = bisect.bisect_left(starts, end)
            if position and ends[position - 1] > start:
                report.error(
                    row_number,
                    start_label,
                    _local_text(start),
                    "Rundturen overlapper en rundtur, der allerede er gemt for samme køretøj "
                    f"({_local_text(starts[position - 1])}–{_local_text(ends[position - 1])}).",
                )
                continue
        append(trip)
    report.rows_added = len(to_add)
    if to_add:
        report.period_start = min(r[1] for r in to_add)
        report.period_end = max(r[2] for r in to_add)
    return to_add


# pg_advisory_xact_lock key of trip imports ("FOtr"): one at a time checks and writes trips.
TRIP_WRITE_LOCK = 0x464F7472
SQLITE_LOCK_WAIT_MS = 600_000


def lock_trip_writes() -> None:
    """Take the lock that makes an import's overlap check and its insert one atomic step,
    until the session's transaction ends (commit or rollback).

    PostgreSQL: a transaction-scoped advisory lock (one for all trip imports: overlaps are
    per vehicle and a file's vehicles may be anywhere; the check and the insert of even a
    large file take seconds). The check then reads (READ COMMITTED) everything the import
    before it committed. SQLite: BEGIN IMMEDIATE takes the database's write lock before the
    check reads, so no other writer can add trips between the check and the insert.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (TRIP_WRITE_LOCK,))
        return
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw.in_transaction:
        return  # this transaction has written already: it holds the write lock
    cursor = raw.cursor()
    previous = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    # wait for another import's commit rather than fail after the default 5 s
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_LOCK_WAIT_MS}")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


EXISTING_SQLITE = (
    "SELECT vehicle_id, start_time, end_time FROM round_trip "
    "WHERE end_time > ? AND start_time < ? ORDER BY vehicle_id, start_time"
)
EXISTING_POSTGRES = EXISTING_SQLITE.replace("?", "%s")


def _existing_trips(keys) -> dict[int, tuple[list, list, set]]:
    """Stored trips of the file's vehicles in the file's period (with a week's margin).

    Read through the driver: the ORM's per-row type processing costs seconds on a
    large database, and only vehicle, start and end are needed.
    """
    from app.data.values import aware

    first = min(k[1] for k in keys) - timedelta(days=8)
    last = max(k[2] for k in keys) + timedelta(days=1)
    vehicle_ids = {k[0] for k in keys}
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    sql = EXISTING_SQLITE if sqlite else EXISTING_POSTGRES
    params = (
        (first.strftime("%Y-%m-%d %H:%M:%S.%f"), last.strftime("%Y-%m-%d %H:%M:%S.%f"))
        if sqlite
        else (aware(first), aware(last))
    )
    found: dict[int, tuple[list, list, set]] = defaultdict(lambda: ([], [], set()))
    parse = datetime.fromisoformat
    for vehicle_id, start, end in connection.exec_driver_sql(sql, params):
        if vehicle_id not in vehicle_ids:
            continue
        if sqlite:
            start, end = parse(start), parse(end)
        else:
            start = start.astimezone(UTC).replace(tzinfo=None)
            end = end.astimezone(UTC).replace(tzinfo=None)
        entry = found[vehicle_id]
        entry[0].append(start)
        entry[1].append(end)
        entry[2].add((start, end))
    return dict(found)
