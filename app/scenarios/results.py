"""Stored scenario results and what the results page, exports and report read from them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from app.engine.types import Result


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def result_to_dict(result: Result) -> dict:
    return _jsonable(asdict(result))


def summarise(result: Result) -> dict:
    """The small part of a result kept queryable: lists, comparisons and KPIs."""
    data = result_to_dict(result)
    return {
        "operation": data["operation"],
        "status": data["status"],
        "message": data["message"],
        "objective": data["objective"],
        "best_bound": data["best_bound"],
        "gap": data["gap"],
        "timings_s": data["timings_s"],
        "totals": data["totals"],
        "baseline": data["baseline"],
        "fleet": data["fleet"],
        "alternatives": [
            {k: a[k] for k in ("label", "co2_value_dkk_per_t", "totals", "fleet")}
            for a in data["alternatives"]
        ],
        "warnings": data["warnings"],
        "parameters": data["parameters"],
    }


def change_pct(new: float | None, old: float | None) -> float | None:
    if new is None or not old:
        return None
    return 100.0 * (new - old) / old


@dataclass
class Kpi:
    label: str
    today: float | None
    scenario: float | None
    unit: str
    decimals: int = 0
    lower_is_better: bool = True

    @property
    def change(self) -> float | None:
        if self.today is None or self.scenario is None:
            return None
        return self.scenario - self.today

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.scenario, self.today)


def kpis(summary: dict) -> list[Kpi]:
    totals, base = summary["totals"], summary.get("baseline") or summary["totals"]
    return [
        Kpi("Årlig omkostning", base["yearly_cost_dkk"], totals["yearly_cost_dkk"], "kr."),
        Kpi("Årlig udledning", base["co2e_t"], totals["co2e_t"], "t CO2e", 1),
        Kpi("Køretøjer", base["vehicles"], totals["vehicles"], "stk."),
        Kpi("Uløste ture (periode)", base["unserved_trips"], totals["unserved_trips"], "ture"),
        Kpi("CO2e-værdi (samfund)", base["co2e_value_dkk"], totals["co2e_value_dkk"], "kr."),
    ]


def fleet_changes(summary: dict) -> list[dict]:
    """Per pool and group: today, scenario, change; groups with nothing on both sides skipped."""
    rows = []
    for line in summary["fleet"]:
        if line["count"] == 0 and line["current_count"] == 0:
            continue
        rows.append({**line, "change": line["count"] - line["current_count"]})
    rows.sort(key=lambda r: (r["pool"], r["candidate"], r["type"], r["label"]))
    return rows


def fleet_by_pool(summary: dict) -> dict[str, dict[str, int]]:
    """{pool: {"today": n, "scenario": m}} for the per-location overview."""
    pools: dict[str, dict[str, int]] = defaultdict(lambda: {"today": 0, "scenario": 0})
    for line in summary["fleet"]:
        pools[line["pool"]]["today"] += line["current_count"]
        pools[line["pool"]]["scenario"] += line["count"]
    return dict(pools)


_MINUTE = timedelta(minutes=1)


def _local(iso: str) -> datetime:
    from app.models import LOCAL_TZ

    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ)


def peak_use_by_hour(
    intervals: Iterable[tuple[str, datetime, datetime]],
) -> dict[str, list[int]]:
    """Per place, for each hour of the day, the most trips under way at once that hour.

    `intervals` are (place, start, end) in local time. This is what sizes a fleet: the
    busiest moment, not the average. A trip past midnight counts until 23:59 of its start day.
    """
    events: dict[tuple[str, date], list[tuple[datetime, int]]] = defaultdict(list)
    for place, start, end in intervals:
        events[(place, start.date())] += [(start, 1), (end, -1)]
    peaks: dict[str, list[int]] = defaultdict(lambda: [0] * 24)
    for (location, day), day_events in events.items():
        day_events.sort(key=lambda e: (e[0], e[1]))  # an end frees before a start takes
        hour_peak, active = peaks[location], 0
        for i, (moment, delta) in enumerate(day_events[:-1]):
            active += delta
            following = day_events[i + 1][0]
            if active <= 0 or following <= moment or moment.date() != day:
                continue
            last_hour = 23 if following.date() != day else (following - _MINUTE).hour
            for hour in range(moment.hour, last_hour + 1):
                hour_peak[hour] = max(hour_peak[hour], active)
    return {location: list(values) for location, values in sorted(peaks.items())}


def chart_data(snapshot: dict, result: dict) -> dict:
    """Precomputed series for the results page, downloads and the PDF (stored once)."""
    rows = snapshot["trips"]["rows"]
    vehicle_type = {v["vehicle_id"]: v["type"] for v in snapshot["vehicles"]}
    plan = result.get("plan") or {}
    usage_type = {u["vehicle"]: u["type"] for u in result.get("vehicles") or []}
    lengths_today: dict[str, list[float]] = defaultdict(list)
    lengths_scenario: dict[str, list[float]] = defaultdict(list)
    unserved_per_day: dict[str, int] = defaultdict(int)
    for row in rows:
        km = row[5]
        lengths_today[vehicle_type.get(row[1], "fossil")].append(km)
        assigned = plan.get(row[0]) if result["operation"] != "baseline" else row[1]
        if assigned is None:
            lengths_scenario["unserved"].append(km)
            unserved_per_day[_local(row[3]).date().isoformat()] += 1
        else:
            lengths_scenario[usage_type.get(assigned, vehicle_type.get(assigned, "fossil"))].append(
                km
            )
    scenario_counts: dict[str, int] = defaultdict(int)
    for line in result.get("fleet") or []:
        scenario_counts[line["pool"]] += line["count"]
    # Peaks per pool: a pooled fleet is sized by its locations' trips together.
    pool_of = {
        location: line["pool"]
        for line in result.get("fleet") or []
        for location in line["pool"].split("+")
    }
    intervals = ((pool_of.get(row[2], row[2]), _local(row[3]), _local(row[4])) for row in rows)
    return {
        "peak_use_by_hour": peak_use_by_hour(intervals),
        "scenario_count_by_pool": dict(scenario_counts),
        "trip_lengths_today": dict(lengths_today),
        "trip_lengths_scenario": dict(lengths_scenario),
        "unserved_per_day": dict(sorted(unserved_per_day.items())),
    }


def flatten_parameters(parameters: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in parameters.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value:
            flat.update(flatten_parameters(value, path))
        else:
            flat[path] = value
    return flat


def parameter_comparison(summaries: list[dict]) -> list[dict]:
    """Every parameter across scenarios, with `differs` set where they are not all equal."""
    flats = [flatten_parameters(s["parameters"]) for s in summaries]
    keys = sorted(set().union(*flats)) if flats else []
    rows = []
    for key in keys:
        values = [flat.get(key) for flat in flats]
        rows.append({"key": key, "values": values, "differs": len({repr(v) for v in values}) > 1})
    return rows


def fleet_comparison(summaries: list[dict]) -> list[dict]:
    """Rows of (pool, label) with today's count and each scenario's count."""
    rows: dict[tuple[str, str], dict] = {}
    for index, summary in enumerate(summaries):
        for line in summary["fleet"]:
            key = (line["pool"], line["label"])
            row = rows.setdefault(
                key,
                {"pool": line["pool"], "label": line["label"], "today": 0,
                 "counts": [0] * len(summaries)},
            )  # fmt: skip
            row["counts"][index] += line["count"]
            if index == 0:
                row["today"] += line["current_count"]
    return [r for r in sorted(rows.values(), key=lambda r: (r["pool"], r["label"]))
            if r["today"] or any(r["counts"])]  # fmt: skip
