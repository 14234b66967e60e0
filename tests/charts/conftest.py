"""Sample inputs for the chart tests: small, fixed, and shaped like real results."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app import charts

YEAR = [date(2025, 1, 1) + timedelta(days=offset) for offset in range(365)]


def cost_items() -> list[charts.CostCo2Item]:
    return [
        charts.CostCo2Item("I dag", 2_900_000, 900_000, 300_000, 120.5),
        charts.CostCo2Item("Forslag A", 2_700_000, 650_000, 250_000, 80.2),
        charts.CostCo2Item("Ambitiøs", 2_950_000, 500_000, 200_000, 40.0),
    ]


def tradeoff_points() -> tuple[list[charts.TradeoffPoint], charts.TradeoffPoint]:
    points = [
        charts.TradeoffPoint("Billigst", 3_800_000, 110.0),
        charts.TradeoffPoint("Forslag A", 3_600_000, 80.2, recommended=True),
        charts.TradeoffPoint("Ambitiøs", 3_900_000, 40.0),
    ]
    return points, charts.TradeoffPoint("I dag", 4_100_000, 120.5)


def hourly_use(peak: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    shape = [math.exp(-(((hour - 10) / 3) ** 2)) for hour in range(24)]
    return [max(0, round(peak * value + rng.random())) for value in shape]


def in_use_inputs(locations: int = 3):
    names = ["Område Nord", "Område Syd", "Område Øst"] + [
        f"Lokation {n}" for n in range(4, locations + 1)
    ]
    series = {name: hourly_use(8 + index, index) for index, name in enumerate(names[:locations])}
    scenario = {name: max(values) - 1 for name, values in series.items()}
    today = {name: max(values) + 3 for name, values in series.items()}
    return series, scenario, today


def unserved_inputs() -> tuple[list[date], list[int]]:
    counts = [0] * len(YEAR)
    counts[61] = 5  # 3 March 2025
    counts[10] = 2
    counts[200] = 1
    return YEAR, counts


def trip_lengths() -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    rng = random.Random(7)
    fossil = [round(rng.lognormvariate(2.3, 0.7), 1) for _ in range(700)] + [300.0]
    ev = [round(rng.lognormvariate(2.3, 0.7), 1) for _ in range(600)]
    today = {"fossil": fossil, "ev": ev}
    # The scenario moves most fossil trips (the 300 km one included) to EVs, and 100 trips
    # to bikes; the trips themselves are the same 1.301.
    scenario = {"fossil": fossil[:200], "ev": fossil[200:] + ev[100:], "bike": ev[:100]}
    return today, scenario


def km_inputs() -> tuple[list[date], dict[str, list[float]]]:
    rng = random.Random(3)
    weekday = [day.weekday() < 5 for day in YEAR]
    km = {
        "fossil": [rng.uniform(80, 160) if work else 10.0 for work in weekday],
        "ev": [rng.uniform(60, 140) if work else 5.0 for work in weekday],
        "bike": [rng.uniform(5, 20) if work else 0.0 for work in weekday],
    }
    return YEAR, km


def heatmap_inputs(vehicles: int = 30) -> tuple[list[str], list[date], list[list[float | None]]]:
    rng = random.Random(5)
    names = [f"Bil {number:02d}" for number in range(1, vehicles + 1)]
    values = [
        [None if day.month == 7 and row % 5 == 0 else
         (rng.uniform(20, 120) if day.weekday() < 5 else 0.0) for day in YEAR]
        for row in range(vehicles)
    ]  # fmt: skip
    return names, YEAR, values


def _tradeoff() -> charts.Chart:
    points, today = tradeoff_points()
    return charts.tradeoff_curve(points, today)


def _trip_lengths() -> charts.Chart:
    return charts.trip_length_distribution(*trip_lengths())


CHART_FACTORIES: dict[str, Callable[[], charts.Chart]] = {
    "cost_and_co2_comparison": lambda: charts.cost_and_co2_comparison(cost_items()),
    "tradeoff_curve": _tradeoff,
    "vehicles_in_use_by_hour": lambda: charts.vehicles_in_use_by_hour(*in_use_inputs()),
    "unserved_trips_per_day": lambda: charts.unserved_trips_per_day(*unserved_inputs()),
    "trip_length_distribution": _trip_lengths,
    "km_per_day": lambda: charts.km_per_day(*km_inputs()),
    "utilisation_heatmap": lambda: charts.utilisation_heatmap(*heatmap_inputs(), threshold=40),
}

EMPTY_FACTORIES: dict[str, Callable[[], charts.Chart]] = {
    "cost_and_co2_comparison": lambda: charts.cost_and_co2_comparison([]),
    "tradeoff_curve": lambda: charts.tradeoff_curve([], None),
    "vehicles_in_use_by_hour": lambda: charts.vehicles_in_use_by_hour({}, {}),
    "unserved_trips_per_day": lambda: charts.unserved_trips_per_day([], []),
    "trip_length_distribution": lambda: charts.trip_length_distribution({}, {"ev": []}),
    "km_per_day": lambda: charts.km_per_day([], {}),
    "utilisation_heatmap": lambda: charts.utilisation_heatmap([], [], []),
}

# Danish text each chart must carry as real <text> (title, axis labels, series names).
EXPECTED_TEXT = {
    "cost_and_co2_comparison": [
        "Årlig omkostning og CO2e",
        "mio. kr. pr. år",
        "t CO2e pr. år",
        "Faste omkostninger",
        "Kørselsgodtgørelse",
        "−12 %",
        "120,5",
    ],
    "tradeoff_curve": ["Omkostning og CO2e for alternativerne", "I dag", "Anbefalet", "3,9"],
    "vehicles_in_use_by_hour": [
        "Køretøjer i brug over døgnet",
        "Område Øst",
        "Time på dagen",
        "Scenarie: ",
        "I dag: ",
    ],
    "unserved_trips_per_day": ["Uløste ture pr. dag", "Uløste ture", "mar", "Flest: 5 (3. mar)"],
    "trip_length_distribution": [
        "Turlængder fordelt på køretøjstype",
        "Turlængde (km)",
        "Fossilbil (701)",
        "Elbil (600)",
        "200+",
        "1.301 ture",
    ],
    "km_per_day": ["Kørte km pr. dag", "km pr. dag", "Fossilbil", "Elbil", "Cykel", "jan"],
    "utilisation_heatmap": [
        "Udnyttelse pr. køretøj og dag",
        "Bil 01",
        "km pr. dag",
        "Skraverede felter: under 40 km",
    ],
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, charts.Chart]:
    """Every chart rendered once per test module (rendering is the slow part)."""
    return {name: factory() for name, factory in CHART_FACTORIES.items()}
