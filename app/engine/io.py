"""CSV/JSON readers for the CLI (errors name file, row and problem) and result to JSON."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path

from app.engine.errors import EngineError
from app.engine.parameters import Parameters
from app.engine.prepare import LOCAL_TZ
from app.engine.types import CandidateModel, FleetCount, Fuel, Result, Trip, Vehicle, VehicleType

TRIP_COLUMNS = ("trip_id", "vehicle_id", "location", "start_time", "end_time", "distance_km")
VEHICLE_COLUMNS = ("vehicle_id", "location", "type", "fuel", "yearly_cost_dkk")
CANDIDATE_COLUMNS = ("model_id", "type", "fuel", "yearly_cost_dkk")
COUNT_COLUMNS = ("pool", "group", "count")


class _Row:
    """One CSV row with typed getters whose errors name file, row and column."""

    def __init__(self, path: Path, number: int, values: dict[str, str]):
        self.path, self.line, self.values = path, number, values

    def fail(self, text: str) -> EngineError:
        return EngineError(f"{self.path.name}, række {self.line}: {text}")

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            raise self.fail(f"kolonnen {column!r} er tom")
        return value

    def number(self, column: str, *, required: bool = True, minimum: float = 0.0) -> float | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            raise self.fail(f"{column}: {value!r} er ikke et tal") from None
        if number != number or number < minimum:
            raise self.fail(f"{column}: {value!r} skal være et tal >= {minimum:g}")
        return number

    def integer(self, column: str, *, required: bool = True) -> int | None:
        value = self.number(column, required=required)
        if value is None:
            return None
        if value != int(value):
            raise self.fail(f"{column}: {value!r} skal være et helt tal")
        return int(value)

    def moment(self, column: str) -> datetime:
        value = self.text(column)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(
                f"{column}: {value!r} er ikke et tidspunkt (ÅÅÅÅ-MM-DD TT:MM[:SS][+01:00])"
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)

    def day(self, column: str) -> date | None:
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(f"{column}: {value!r} er ikke en dato (ÅÅÅÅ-MM-DD)") from None

    def choice(self, column: str, enum: type[Enum]):
        value = self.text(column).lower()
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise self.fail(f"{column}: {value!r} er ikke en af {allowed}") from None


def _rows(path: str | Path, required: tuple[str, ...]) -> list[_Row]:
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise EngineError(f"{path.name}, række 1: mangler kolonnen {missing[0]!r}")
            reader.fieldnames = header
            return [_Row(path, i, row) for i, row in enumerate(reader, start=2)]
    except OSError as error:
        raise EngineError(f"{path}: kan ikke læses ({error.strerror})") from None
    except UnicodeDecodeError:
        raise EngineError(f"{path.name}: filen er ikke UTF-8") from None


def read_trips(path: str | Path) -> list[Trip]:
    trips = []
    seen: set[str] = set()
    for row in _rows(path, TRIP_COLUMNS):
        trip_id = row.text("trip_id")
        if trip_id in seen:
            raise row.fail(f"trip_id {trip_id!r} findes to gange")
        seen.add(trip_id)
        start, end = row.moment("start_time"), row.moment("end_time")
        if end < start:
            raise row.fail("end_time ligger før start_time")
        trips.append(
            Trip(
                trip_id=trip_id,
                vehicle_id=row.text("vehicle_id", required=False) or None,
                location=row.text("location"),
                start=start,
                end=end,
                distance_km=row.number("distance_km"),
                driving_minutes=row.number("driving_minutes", required=False),
            )
        )
    return trips


def read_vehicles(path: str | Path) -> list[Vehicle]:
    vehicles = []
    seen: set[str] = set()
    for row in _rows(path, VEHICLE_COLUMNS):
        vehicle_id = row.text("vehicle_id")
        if vehicle_id in seen:
            raise row.fail(f"vehicle_id {vehicle_id!r} findes to gange")
        seen.add(vehicle_id)
        vehicles.append(
            Vehicle(
                vehicle_id=vehicle_id,
                location=row.text("location"),
                type=row.choice("type", VehicleType),
                fuel=row.choice("fuel", Fuel),
                yearly_cost_dkk=row.number("yearly_cost_dkk"),
                km_per_litre=row.number("km_per_litre", required=False),
                wh_per_km=row.number("wh_per_km", required=False),
                range_km=row.number("range_km", required=False),
                make=row.text("make", required=False),
                model=row.text("model", required=False),
                lease_end=row.day("lease_end"),
                yearly_km_allowance=row.number("yearly_km_allowance", required=False),
            )
        )
    return vehicles


def read_candidates(path: str | Path) -> list[CandidateModel]:
    out = []
    for row in _rows(path, CANDIDATE_COLUMNS):
        out.append(
            CandidateModel(
                model_id=row.text("model_id"),
                type=row.choice("type", VehicleType),
                fuel=row.choice("fuel", Fuel),
                yearly_cost_dkk=row.number("yearly_cost_dkk"),
                km_per_litre=row.number("km_per_litre", required=False),
                wh_per_km=row.number("wh_per_km", required=False),
                range_km=row.number("range_km", required=False),
                make=row.text("make", required=False),
                model=row.text("model", required=False),
                max_count=row.integer("max_count", required=False),
                yearly_km_allowance=row.number("yearly_km_allowance", required=False),
            )
        )
    return out


def read_counts(path: str | Path) -> list[FleetCount]:
    return [
        FleetCount(pool=row.text("pool"), group=row.text("group"), count=row.integer("count"))
        for row in _rows(path, COUNT_COLUMNS)
    ]


def read_parameters(path: str | Path | None) -> Parameters:
    if path is None:
        return Parameters()
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EngineError(f"{path}: kan ikke læses ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise EngineError(
            f"{path.name}, linje {error.lineno}: ugyldig JSON ({error.msg})"
        ) from None
    try:
        return Parameters.from_dict(data)
    except EngineError as error:
        raise EngineError(f"{path.name}: {error}") from None


def _plain(value):
    if is_dataclass(value):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


def result_to_dict(result: Result) -> dict:
    data = _plain(result)
    data["totals"]["objective_dkk"] = result.totals.objective_dkk
    if result.baseline is not None:
        data["baseline"]["objective_dkk"] = result.baseline.objective_dkk
    return data


def result_to_json(result: Result) -> str:
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=1)
