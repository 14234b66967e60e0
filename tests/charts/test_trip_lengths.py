"""The trip-length histogram keeps every trip, the longest included.

The incumbent's histogram dropped the longest trips: its bins ended below the maximum.
"""

from __future__ import annotations

import random

import pytest

from app import charts
from app.charts.trips import bin_labels, count_by_bin, trip_length_bins


def test_a_300_km_trip_is_counted_in_the_open_last_bin():
    lengths = [1.0, 4.2, 12.0, 15.0, 48.0, 300.0]
    edges = trip_length_bins(max(lengths))
    counts = count_by_bin(lengths, edges)
    assert sum(counts) == len(lengths)
    assert counts[-1] == 1
    assert bin_labels(edges)[-1] == "200+"


@pytest.mark.parametrize("longest", [0.0, 0.4, 2.0, 15.0, 100.0, 150.0, 300.0, 501.0, 12_000.0])
def test_counts_over_all_bins_equal_the_number_of_trips(longest):
    rng = random.Random(int(longest))
    lengths = [rng.uniform(0, longest) for _ in range(500)] + [longest, 0.0]
    edges = trip_length_bins(max(lengths))
    counts = count_by_bin(lengths, edges)
    assert sum(counts) == len(lengths)
    # The longest trip is in the last bin: that bin starts below it (or there are only the
    # two smallest bins, for very short trips).
    assert edges[-1] < longest or edges == [0, 2]
    assert counts[-1] >= 1 or longest < 2


def test_a_length_on_a_bin_edge_goes_to_the_bin_it_starts():
    edges = trip_length_bins(30)
    assert edges[:6] == [0, 2, 5, 10, 15, 25]
    assert count_by_bin([15.0], edges) == [0, 0, 0, 0, 1, 0]
    assert bin_labels(edges) == ["0–2", "2–5", "5–10", "10–15", "15–25", "25+"]


def test_a_trip_without_a_length_is_an_error_not_a_silent_drop():
    with pytest.raises(ValueError, match="finite"):
        count_by_bin([3.0, float("nan")], [0, 2, 5])


def test_chart_table_and_text_count_every_trip_including_the_longest():
    today = {"fossil": [3.0, 7.5, 22.0, 300.0], "ev": [4.0, 9.0]}
    scenario = {"ev": [3.0, 7.5, 22.0, 300.0, 4.0], "bike": [9.0]}
    chart = charts.trip_length_distribution(today, scenario)
    header, *rows = chart.data_table
    total_row = rows[-1]
    assert total_row[0] == "I alt"
    assert total_row[header.index("I dag i alt")] == "6"
    assert total_row[header.index("Scenarie i alt")] == "6"
    last_bin = rows[-2]
    assert last_bin[0] == "200+"
    assert last_bin[header.index("I dag: Fossilbil")] == "1"
    assert last_bin[header.index("Scenarie: Elbil")] == "1"
    assert "Længste tur 300 km" in chart.alt_text
    assert "200+" in chart.svg


def test_unknown_vehicle_type_is_drawn_not_dropped():
    chart = charts.trip_length_distribution({"hydrogen": [5.0, 8.0]}, {"ev": [5.0, 8.0]})
    assert "hydrogen (2)" in chart.svg
    assert "I dag: hydrogen" in chart.data_table[0]


def test_alt_text_in_danish_with_thousands_separator(rendered):
    alt = rendered["trip_length_distribution"].alt_text
    assert "I dag: 1.301 ture (Fossilbil 701, Elbil 600)" in alt
    assert "Scenarie: 1.301 ture (Fossilbil 200, Elbil 1.001, Cykel 100)" in alt
