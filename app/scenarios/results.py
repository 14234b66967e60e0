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


# How a run ended, in Danish. Only a usable state's result may be acted on or reported.
STATE_LABELS = {
    "optimal": "Færdig",
    "feasible": "Færdig, ikke bevist optimal",
    "unreachable": "Målet kan ikke nås",
    "failed": "Fejlet",
}
USABLE_STATES = ("optimal", "feasible")
RUN_STATUS_OF_STATE = {
    "optimal": "finished",
    "feasible": "finished",
    "unreachable": "unreachable",
    "failed": "failed",
}
EFFECT_KEYS = ("yearly_cost_dkk", "co2e_t", "co2e_value_dkk", "vehicles", "unserved_trips")


def _pct(value: float) -> str:
    return f"{value * 100:.2f}".replace(".", ",")


def run_state(result: Result, problems: list[str]) -> tuple[str, str]:
    """(state, Danish explanation) of an engine result and what the validator found."""
    if problems:
        shown = "; ".join(problems[:3])
        return (
            "failed",
            f"Planen bestod ikke den uafhængige kontrol ({len(problems)} fejl): {shown}",
        )
    if result.status == "unreachable":
        return "unreachable", result.message
    if result.status == "time_limit":
        return "failed", (
            "Tidsgrænsen nåedes, før beregningen fandt en gyldig plan. Vælg en kortere periode"
            " eller færre lokationer, eller bed en administrator hæve tidsgrænsen."
            + (f" ({result.message})" if result.message else "")
        )
    if result.status in ("infeasible", "error"):
        return "failed", result.message or "Beregningen fandt ingen gyldig plan."
    if result.replanned is None and result.operation != "baseline":
        return "failed", (
            "Dagens flåde kunne ikke planlægges efter de samme regler, så forslaget kan ikke"
            " sammenlignes ligeværdigt. " + (result.message or "")
        ).strip()
    if result.status == "feasible":
        message = result.message or ""
        if message.startswith("Planen er gyldig"):
            return "feasible", message  # the engine said it whole, gap included
        gap = f" Afstanden til den bedste grænse er {_pct(result.gap)} %." if result.gap else ""
        text = "Planen er gyldig, men ikke bevist optimal." + gap
        return "feasible", f"{text} {message}".strip()
    return "optimal", "Planen er gyldig og bevist optimal."


TIMING_LABELS = {
    "data_prep": "dataforberedelse",
    "solve_wall": "løsning (ur)",
    "model_build": "modelopbygning",
    "solve": "løser",
    "plan": "køreplan",
    "report": "opgørelse",
    "parallel_failed": "parallel kørsel faldt tilbage",
}


def timing_rows(summary: dict) -> list[tuple[str, float]]:
    """The engine's phase timings with Danish names (unknown phases keep their key)."""
    return [(TIMING_LABELS.get(k, k), v) for k, v in (summary.get("timings_s") or {}).items()]


def effects(comparison: dict) -> dict:
    """Planning (re-planned − as driven), fleet change (proposal − re-planned), total."""

    def delta(new: dict, old: dict) -> dict:
        return {key: new[key] - old[key] for key in EFFECT_KEYS}

    as_driven, replanned, proposal = (
        comparison["as_driven"],
        comparison["replanned"],
        comparison["proposal"],
    )
    return {
        "planning": delta(replanned, as_driven),
        "fleet_change": delta(proposal, replanned),
        "total": delta(proposal, as_driven),
    }


def _target_summary(data: dict, comparison: dict | None) -> dict | None:
    target = data.get("target")
    if target is None:
        return None
    out = dict(target)
    if comparison is not None:
        key = "co2e_t" if target["kind"] == "co2e" else "yearly_cost_dkk"
        # the reduction against today as driven, split into its two causes
        out["from_planning"] = comparison["as_driven"][key] - comparison["replanned"][key]
        out["from_fleet_change"] = comparison["replanned"][key] - comparison["proposal"][key]
    return out


def summarise(result: Result, state: str = "optimal", state_message: str = "") -> dict:
    """The small part of a result kept queryable: lists, comparisons and KPIs."""
    data = result_to_dict(result)
    comparison = None
    if state in USABLE_STATES and data["baseline"] and data["replanned"]:
        comparison = {
            "as_driven": data["baseline"],
            "replanned": data["replanned"],
            "proposal": data["totals"],
        }
    return {
        "operation": data["operation"],
        "status": data["status"],
        "state": state,
        "state_message": state_message,
        "message": data["message"],
        "objective": data["objective"],
        "best_bound": data["best_bound"],
        "gap": data["gap"],
        "timings_s": data["timings_s"],
        "totals": data["totals"],
        "baseline": data["baseline"],
        "comparison": comparison,
        "effects": effects(comparison) if comparison else None,
        "target": _target_summary(data, comparison),
        "fleet": data["fleet"],
        "alternatives": [
            {k: a[k] for k in ("label", "co2_value_dkk_per_t", "totals", "fleet")}
            for a in data["alternatives"]
        ],
        "alternatives_note": data.get("alternatives_note", ""),
        "warnings": data["warnings"],
        "parameters": data["parameters"],
    }


def is_comparable(summary: dict | None) -> bool:
    """A usable run stored with the like-for-like comparison (older runs lack it)."""
    return (
        bool(summary) and summary.get("state") in USABLE_STATES and bool(summary.get("comparison"))
    )


def change_pct(new: float | None, old: float | None) -> float | None:
    if new is None or not old:
        return None
    return 100.0 * (new - old) / old


@dataclass
class Kpi:
    """A key figure: today as driven, today re-planned by the same rules, the proposal."""

    label: str
    today: float | None  # as driven
    scenario: float | None  # the proposal
    unit: str
    decimals: int = 0
    lower_is_better: bool = True
    replanned: float | None = None

    @property
    def reference(self) -> float | None:
        """What the fleet change is measured against: today re-planned (like for like)."""
        return self.replanned if self.replanned is not None else self.today

    @property
    def change(self) -> float | None:
        """The fleet change's effect (proposal − today re-planned)."""
        if self.reference is None or self.scenario is None:
            return None
        return self.scenario - self.reference

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.scenario, self.reference)

    @property
    def planning(self) -> float | None:
        """The planning effect alone (today re-planned − today as driven)."""
        if self.replanned is None or self.today is None:
            return None
        return self.replanned - self.today


KPI_ROWS = (
    ("Årlig omkostning", "yearly_cost_dkk", "kr.", 0),
    ("Årlig udledning", "co2e_t", "t CO2e", 1),
    ("Køretøjer", "vehicles", "stk.", 0),
    ("Uløste ture (periode)", "unserved_trips", "ture", 0),
    ("CO2e-værdi (samfund)", "co2e_value_dkk", "kr.", 0),
)


def kpis(summary: dict) -> list[Kpi]:
    comparison = summary.get("comparison")
    if comparison:
        driven, replanned, proposal = (
            comparison["as_driven"],
            comparison["replanned"],
            comparison["proposal"],
        )
    else:  # stored before the comparison existed: as driven only
        proposal = summary["totals"]
        driven, replanned = summary.get("baseline") or proposal, None
    return [
        Kpi(label, driven[key], proposal[key], unit, decimals,
            replanned=None if replanned is None else replanned[key])
        for label, key, unit, decimals in KPI_ROWS
    ]  # fmt: skip


def comparison_rows(summary: dict) -> list[dict]:
    """The three columns and the two effects, per key figure (results page, XLSX)."""
    comparison = summary.get("comparison")
    if not comparison:
        return []
    rows = []
    for label, key, unit, decimals in KPI_ROWS:
        driven = comparison["as_driven"][key]
        replanned = comparison["replanned"][key]
        proposal = comparison["proposal"][key]
        rows.append(
            {
                "label": f"{label} ({unit})",
                "key": key,
                "decimals": decimals,
                "as_driven": driven,
                "replanned": replanned,
                "proposal": proposal,
                "planning": replanned - driven,
                "fleet_change": proposal - replanned,
            }
        )
    return rows


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
