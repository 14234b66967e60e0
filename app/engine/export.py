"""Write a `Problem` as the command line's input files, and read a result JSON back.

`write_problem(problem, directory)` writes trips.csv, vehicles.csv, candidates.csv,
parameters.json and counts.csv exactly in the formats of docs/data-formats.md, so that the
readers in `app.engine.io` give back the same problem: numbers are written with `repr`
(shortest text that parses to the same float; whole numbers without `.0`), times as ISO 8601
in Copenhagen local time with their UTC offset (the same instant, never ambiguous at the
autumn DST change), parameters as `Parameters.to_dict()` (every key, defaults filled in).
counts.csv holds today's fleet for `simulate`: every (pool, group) line `baseline` reports,
with its current count.

`result_from_dict(json.loads(text))` rebuilds a `Result` from `io.result_to_json`'s output,
so that the independent validator (`app.engine.validate`) can check a result the command
line wrote.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.engine.io import CANDIDATE_COLUMNS, COUNT_COLUMNS, TRIP_COLUMNS, VEHICLE_COLUMNS
from app.engine.parameters import Parameters
from app.engine.prepare import LOCAL_TZ
from app.engine.types import (
    Alternative,
    CandidateModel,
    FleetCount,
    FleetLine,
    Fuel,
    PeakUse,
    Problem,
    Result,
    Totals,
    Trip,
    Vehicle,
    VehicleType,
    VehicleUsage,
)

TRIP_FILE_COLUMNS = (*TRIP_COLUMNS, "driving_minutes")
VEHICLE_FILE_COLUMNS = (
    *VEHICLE_COLUMNS,
    "km_per_litre",
    "wh_per_km",
    "range_km",
    "make",
    "model",
    "lease_end",
    "yearly_km_allowance",
)
CANDIDATE_FILE_COLUMNS = (
    *CANDIDATE_COLUMNS,
    "km_per_litre",
    "wh_per_km",
    "range_km",
    "make",
    "model",
    "max_count",
    "yearly_km_allowance",
)
FILE_NAMES = {
    "trips": "trips.csv",
    "vehicles": "vehicles.csv",
    "candidates": "candidates.csv",
    "parameters": "parameters.json",
    "fleet": "counts.csv",
}


# ---------------------------------------------------------------------------- cells
def _number(value: float | int | None, where: str) -> str:
    """Exact text for a number: `repr` round-trips every float; whole numbers lose `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: {value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        raise ValueError(f"{where}: NaN cannot be written (the reader rejects it)")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _text(value: str | None, where: str, *, required: bool = False) -> str:
    value = value or ""
    if value != value.strip():
        raise ValueError(f"{where}: {value!r} has surrounding spaces the reader would strip")
    if required and not value:
        raise ValueError(f"{where}: must not be empty")
    return value


def _moment(value: datetime) -> str:
    """ISO 8601 with the Copenhagen offset; a naive time is already local and stays naive."""
    if value.tzinfo is None:
        return value.isoformat()
    return value.astimezone(LOCAL_TZ).isoformat()


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------------------- files
def write_trips(trips: list[Trip], path: str | Path) -> None:
    rows = []
    for t in trips:
        where = f"trip {t.trip_id!r}"
        rows.append(
            {
                "trip_id": _text(t.trip_id, where, required=True),
                "vehicle_id": _text(t.vehicle_id, where),
                "location": _text(t.location, where, required=True),
                "start_time": _moment(t.start),
                "end_time": _moment(t.end),
                "distance_km": _number(t.distance_km, f"{where} distance_km"),
                "driving_minutes": _number(t.driving_minutes, f"{where} driving_minutes"),
            }
        )
    _write_csv(Path(path), TRIP_FILE_COLUMNS, rows)


def write_vehicles(vehicles: list[Vehicle], path: str | Path) -> None:
    rows = []
    for v in vehicles:
        where = f"vehicle {v.vehicle_id!r}"
        if v.plug_in_hybrid:
            raise ValueError(f"{where}: plug_in_hybrid has no column in vehicles.csv")
        rows.append(
            {
                "vehicle_id": _text(v.vehicle_id, where, required=True),
                "location": _text(v.location, where, required=True),
                "type": VehicleType(v.type).value,
                "fuel": Fuel(v.fuel).value,
                "yearly_cost_dkk": _number(v.yearly_cost_dkk, f"{where} yearly_cost_dkk"),
                "km_per_litre": _number(v.km_per_litre, f"{where} km_per_litre"),
                "wh_per_km": _number(v.wh_per_km, f"{where} wh_per_km"),
                "range_km": _number(v.range_km, f"{where} range_km"),
                "make": _text(v.make, where),
                "model": _text(v.model, where),
                "lease_end": _day(v.lease_end),
                "yearly_km_allowance": _number(v.yearly_km_allowance, f"{where} allowance"),
            }
        )
    _write_csv(Path(path), VEHICLE_FILE_COLUMNS, rows)


def write_candidates(candidates: list[CandidateModel], path: str | Path) -> None:
    rows = []
    for c in candidates:
        where = f"candidate {c.model_id!r}"
        rows.append(
            {
                "model_id": _text(c.model_id, where, required=True),
                "type": VehicleType(c.type).value,
                "fuel": Fuel(c.fuel).value,
                "yearly_cost_dkk": _number(c.yearly_cost_dkk, f"{where} yearly_cost_dkk"),
                "km_per_litre": _number(c.km_per_litre, f"{where} km_per_litre"),
                "wh_per_km": _number(c.wh_per_km, f"{where} wh_per_km"),
                "range_km": _number(c.range_km, f"{where} range_km"),
                "make": _text(c.make, where),
                "model": _text(c.model, where),
                "max_count": _number(c.max_count, f"{where} max_count"),
                "yearly_km_allowance": _number(c.yearly_km_allowance, f"{where} allowance"),
            }
        )
    _write_csv(Path(path), CANDIDATE_FILE_COLUMNS, rows)


def write_parameters(parameters: Parameters | None, path: str | Path) -> None:
    data = (parameters if parameters is not None else Parameters()).to_dict()
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_counts(counts: list[FleetCount], path: str | Path) -> None:
    rows = [
        {
            "pool": _text(c.pool, "count pool", required=True),
            "group": _text(c.group, "count group", required=True),
            "count": _number(int(c.count), f"count {c.pool}/{c.group}"),
        }
        for c in counts
    ]
    _write_csv(Path(path), COUNT_COLUMNS, rows)


def today_counts(problem: Problem) -> list[FleetCount]:
    """Today's fleet as `simulate` counts: each line of `baseline`'s fleet, current count."""
    from app.engine.operations import baseline

    return [
        FleetCount(line.pool, line.group, line.current_count) for line in baseline(problem).fleet
    ]


def write_problem(
    problem: Problem, directory: str | Path, *, counts: list[FleetCount] | None = None
) -> dict[str, Path]:
    """Write the five CLI input files into `directory`; returns {CLI option: path}.

    `counts` defaults to today's fleet (`today_counts`, which runs `baseline` once).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {option: directory / name for option, name in FILE_NAMES.items()}
    write_trips(problem.trips, paths["trips"])
    write_vehicles(problem.vehicles, paths["vehicles"])
    write_candidates(problem.candidates, paths["candidates"])
    write_parameters(problem.parameters, paths["parameters"])
    write_counts(today_counts(problem) if counts is None else counts, paths["fleet"])
    return paths


# ---------------------------------------------------------------------------- result JSON
def _totals(data: dict[str, Any] | None) -> Totals | None:
    if data is None:
        return None
    fields = set(Totals.__dataclass_fields__)
    return Totals(**{k: v for k, v in data.items() if k in fields})


def _fleet_line(data: dict[str, Any]) -> FleetLine:
    return FleetLine(
        **{
            **data,
            "type": VehicleType(data["type"]),
            "fuel": Fuel(data["fuel"]),
            "vehicle_ids": list(data.get("vehicle_ids") or []),
        }
    )


def result_from_dict(data: dict[str, Any]) -> Result:
    """The `Result` that `io.result_to_dict` turned into `data` (derived keys dropped)."""
    return Result(
        operation=data["operation"],
        status=data["status"],
        message=data.get("message", ""),
        objective=data.get("objective"),
        best_bound=data.get("best_bound"),
        gap=data.get("gap"),
        timings_s=dict(data.get("timings_s") or {}),
        parameters=dict(data.get("parameters") or {}),
        totals=_totals(data["totals"]),
        baseline=_totals(data.get("baseline")),
        fleet=[_fleet_line(line) for line in data.get("fleet") or []],
        plan=dict(data.get("plan") or {}),
        vehicles=[
            VehicleUsage(**{**u, "type": VehicleType(u["type"]), "fuel": Fuel(u["fuel"])})
            for u in data.get("vehicles") or []
        ],
        peak_use=[
            PeakUse(
                location=p["location"],
                type=VehicleType(p["type"]),
                max_in_use=p["max_in_use"],
                at=datetime.fromisoformat(p["at"]) if p.get("at") else None,
            )
            for p in data.get("peak_use") or []
        ],
        alternatives=[
            Alternative(
                label=a["label"],
                co2_value_dkk_per_t=a["co2_value_dkk_per_t"],
                totals=_totals(a["totals"]),
                fleet=[_fleet_line(line) for line in a.get("fleet") or []],
            )
            for a in data.get("alternatives") or []
        ],
        warnings=list(data.get("warnings") or []),
    )


def read_result(path: str | Path) -> Result:
    return result_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
