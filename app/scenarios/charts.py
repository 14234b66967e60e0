"""The scenario's charts, built from a stored run (results page, downloads and PDF)."""

from __future__ import annotations

from datetime import timedelta

from app.charts import (
    Chart,
    CostCo2Item,
    TradeoffPoint,
    cost_and_co2_comparison,
    download_caption,
    tradeoff_curve,
    trip_length_distribution,
    unserved_trips_per_day,
    vehicles_in_use_by_hour,
    with_caption,
)
from app.models.scenarios import Scenario, ScenarioRun

CHART_KEYS = ("omkostning", "afvejning", "travlhed", "uloeste", "turlaengder")


def _cost_item(label: str, totals: dict) -> CostCo2Item:
    return CostCo2Item(
        label=label,
        fixed_dkk=totals["fixed_dkk"],
        energy_dkk=totals["energy_dkk"],
        allowance_dkk=totals["allowance_dkk"],
        co2e_tonnes=totals["co2e_t"],
    )


def _reference(summary: dict) -> tuple[str, dict]:
    """What a fleet change is measured against: today re-planned (runs stored before the
    comparison existed have only today as driven)."""
    comparison = summary.get("comparison")
    if comparison:
        return "I dag, omplanlagt", comparison["replanned"]
    return "I dag", summary["baseline"] or summary["totals"]


def cost_chart(scenario: Scenario, summary: dict, alternatives: bool = True) -> Chart:
    comparison = summary.get("comparison")
    items = []
    if comparison:
        items.append(_cost_item("I dag, som kørt", comparison["as_driven"]))
    items.append(_cost_item(*_reference(summary)))
    items.append(_cost_item(scenario.name, summary["totals"]))
    if alternatives:
        items += [_cost_item(a["label"], a["totals"]) for a in summary["alternatives"][:4]]
    return cost_and_co2_comparison(items)


def tradeoff_chart(scenario: Scenario, summary: dict) -> Chart | None:
    if not summary["alternatives"]:
        return None
    label, base = _reference(summary)
    points = [
        TradeoffPoint(a["label"], a["totals"]["yearly_cost_dkk"], a["totals"]["co2e_t"])
        for a in summary["alternatives"]
    ]
    points.append(
        TradeoffPoint(
            scenario.name,
            summary["totals"]["yearly_cost_dkk"],
            summary["totals"]["co2e_t"],
            recommended=True,
        )
    )
    today = TradeoffPoint(label, base["yearly_cost_dkk"], base["co2e_t"])
    return tradeoff_curve(points, today)


def busy_hours_chart(summary: dict) -> Chart:
    charts = summary.get("charts", {})
    today_counts: dict[str, int] = {}
    for line in summary["fleet"]:
        today_counts[line["pool"]] = today_counts.get(line["pool"], 0) + line["current_count"]
    return vehicles_in_use_by_hour(
        charts.get("peak_use_by_hour", {}),
        charts.get("scenario_count_by_pool", {}),
        today_counts,
    )


def unserved_chart(scenario: Scenario, summary: dict) -> Chart:
    per_day = summary.get("charts", {}).get("unserved_per_day", {})
    days, counts = [], []
    day = scenario.period_start
    # Every day of the period, zeros included, so quiet days show as quiet.
    while day <= scenario.period_end:
        days.append(day)
        counts.append(per_day.get(day.isoformat(), 0))
        day += timedelta(days=1)
    return unserved_trips_per_day(days, counts)


def trip_length_chart(summary: dict) -> Chart:
    charts = summary.get("charts", {})
    return trip_length_distribution(
        charts.get("trip_lengths_today", {}), charts.get("trip_lengths_scenario", {})
    )


def scenario_charts(scenario: Scenario, run: ScenarioRun) -> dict[str, Chart]:
    """Every chart of a finished run, keyed for URLs; the trade-off only with alternatives."""
    summary = run.summary
    charts = {
        "omkostning": cost_chart(scenario, summary),
        "afvejning": tradeoff_chart(scenario, summary),
        "travlhed": busy_hours_chart(summary),
        "uloeste": unserved_chart(scenario, summary),
        "turlaengder": trip_length_chart(summary),
    }
    return {key: chart for key, chart in charts.items() if chart is not None}


def download_version(scenario: Scenario, chart: Chart) -> Chart:
    """The chart with title, period, locations and scenario name on the image."""
    return with_caption(
        chart,
        subtitle_lines=download_caption(
            period_start=scenario.period_start,
            period_end=scenario.period_end,
            locations=scenario.location_names,
            scenario_name=scenario.name,
        ),
    )


def comparison_chart(scenarios: list[Scenario]) -> Chart:
    first = scenarios[0].latest_run.summary
    items = [_cost_item("I dag, som kørt", first["baseline"] or first["totals"])]
    items += [_cost_item(s.name, s.latest_run.summary["totals"]) for s in scenarios]
    return cost_and_co2_comparison(items)
