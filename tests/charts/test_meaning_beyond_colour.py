"""No meaning is carried by colour alone, and the text alternatives state the key numbers."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D

from app import charts
from app.charts import style
from tests.charts.conftest import cost_items, in_use_inputs


def legend_series(figure):
    """(label, hatch, marker, linestyle) for each legend entry of the figure."""
    entries = []
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend()] + list(figure.legends)
    for legend in legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
            hatch = handle.get_hatch() if hasattr(handle, "get_hatch") else None
            marker = handle.get_marker() if isinstance(handle, Line2D) else None
            linestyle = handle.get_linestyle() if isinstance(handle, Line2D) else None
            entries.append((text.get_text(), hatch, marker, linestyle))
    return entries


def test_vehicle_types_differ_by_hatch_and_marker_and_linestyle():
    types = list(style.VEHICLE_TYPE_STYLES.values())
    for a, b in combinations(types, 2):
        assert a.hatch != b.hatch
        assert a.marker != b.marker
        assert a.linestyle != b.linestyle


def test_unknown_types_get_distinct_patterns_too():
    keys = ["fossil", "ev", "ebike", "bike", "unserved", "brint", "gas", "hvo-truck", "el-van"]
    hatches = [style.vehicle_type_style(key, position).hatch for position, key in enumerate(keys)]
    assert len(set(hatches)) == len(hatches)


def test_stacked_series_in_bar_charts_differ_by_hatch(rendered):
    for name in ("cost_and_co2_comparison", "trip_length_distribution", "km_per_day"):
        entries = legend_series(rendered[name].build_figure())
        per_legend = {}
        for label, hatch, _, _ in entries:
            per_legend.setdefault(label.split(" (")[0], hatch)
        hatches = list(per_legend.values())
        assert len(hatches) >= 2, name
        assert len(set(hatches)) == len(hatches), f"{name}: two series share a hatch"


def test_tradeoff_today_and_recommended_have_own_markers_and_labels(rendered):
    figure = rendered["tradeoff_curve"].build_figure()
    entries = legend_series(figure)
    markers = {label: marker for label, _, marker, _ in entries}
    assert markers == {"Alternativer": "o", "Anbefalet": "*", "I dag": "s"}
    ax = figure.axes[0]
    scatter_paths = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatter_paths) == 2  # recommended star and today's square, drawn on top
    # Direct labels on the points, not only the legend.
    texts = [text.get_text() for text in ax.texts]
    assert "I dag" in texts
    assert "Forslag A (anbefalet)" in texts


def test_scenario_and_today_lines_differ_by_linestyle_and_are_labelled(rendered):
    figure = rendered["vehicles_in_use_by_hour"].build_figure()
    for ax in figure.axes[:3]:
        lines = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
        assert lines["Scenarie"] == "--"
        assert lines["I dag"] == ":"
        labels = [text.get_text() for text in ax.texts]
        assert any(label.startswith("Scenarie: ") for label in labels)
        assert any(label.startswith("I dag: ") for label in labels)
        # The busiest hour is marked by a hatch, not by a colour change.
        hatched = [patch for patch in ax.patches if patch.get_hatch()]
        assert len(hatched) == 1


def test_heatmap_marks_low_use_with_a_hatch_and_uses_a_lightness_scale(rendered):
    figure = rendered["utilisation_heatmap"].build_figure()
    ax = figure.axes[0]
    assert ax.images[0].get_cmap().name.startswith(style.SEQUENTIAL_CMAP)
    assert any(patch.get_hatch() for patch in ax.patches)


def test_cost_alt_text_states_the_key_numbers_in_danish(rendered):
    alt = rendered["cost_and_co2_comparison"].alt_text
    assert alt.startswith("Søjlediagram")
    assert "I dag 4,1 mio. kr." in alt
    assert "Forslag A 3,6 mio. kr. (−12 %)" in alt
    assert "I dag 120,5 t CO2e" in alt
    assert "Forslag A 80,2 t CO2e (−33 %)" in alt
    table = rendered["cost_and_co2_comparison"].data_table
    assert table[1][:5] == ["I dag", "2.900.000 kr.", "900.000 kr.", "300.000 kr.", "4.100.000 kr."]


def test_tradeoff_alt_text(rendered):
    alt = rendered["tradeoff_curve"].alt_text
    assert "I dag: 4,1 mio. kr. og 120,5 t CO2e" in alt
    assert "Forslag A (anbefalet): 3,6 mio. kr. (−12 %) og 80,2 t CO2e (−33 %)" in alt


def test_in_use_alt_text(rendered):
    alt = rendered["vehicles_in_use_by_hour"].alt_text
    assert "3 lokationer" in alt
    assert "Område Nord: flest i brug kl. 10–11" in alt
    assert "scenariet har" in alt


def test_unserved_alt_text(rendered):
    alt = rendered["unserved_trips_per_day"].alt_text
    assert "8 uløste ture i alt på 3 af 365 dage" in alt
    assert "1. januar 2025 – 31. december 2025" in alt
    assert "Flest den 3. marts 2025 (5 ture)" in alt


def test_km_alt_text_states_totals_and_fossil_free_share():
    days = [date(2025, 3, 3), date(2025, 3, 4)]
    chart = charts.km_per_day(days, {"fossil": [1500.0, 0.0], "ev": [400.0, 600.0]})
    assert chart.alt_text == (
        "Stablet diagram over kørte km pr. dag fra 3. marts 2025 til 4. marts 2025: i alt "
        "2.500 km, heraf 40 % fossilfrit og 60 % fossilt. Fossilbil 1.500 km; Elbil 1.000 km. "
        "Flest km den 3. marts 2025 (1.900 km)."
    )


def test_hvo_is_fossil_everywhere():
    """HVO cars are VehicleType.FOSSIL in the engine; the charts count them as fossil too."""
    assert {"fossil"} == style.FOSSIL_TYPES
    chart = charts.km_per_day([date(2025, 1, 1)], {"fossil": [75.0], "ev": [25.0]})
    assert "25 % fossilfrit og 75 % fossilt" in chart.alt_text


def test_first_item_is_the_base_for_changes():
    items = cost_items()
    chart = charts.cost_and_co2_comparison(items[1:])
    assert "Forslag A 3,6 mio. kr.;" in chart.alt_text  # the new base has no change


def test_many_locations_share_one_axes_with_labelled_lines():
    """20 locations: one axes of mini charts (fast), every count still a labelled line."""
    series, scenario, today = in_use_inputs(locations=20)
    chart = charts.vehicles_in_use_by_hour(series, scenario, today)
    figure = chart.build_figure()
    assert len(figure.axes) == 1
    ax = figure.axes[0]
    styles = {
        collection.get_label(): collection.get_linestyle()[0]
        for collection in ax.collections
        if isinstance(collection, LineCollection)
        and collection.get_label() in ("Scenarie", "I dag")
    }
    assert styles["Scenarie"] != styles["I dag"]
    texts = [text.get_text() for text in ax.texts]
    assert "Lokation 20" in texts
    assert sum(text.startswith("Scenarie: ") for text in texts) == 20
    assert sum(text.startswith("I dag: ") for text in texts) == 20
    assert "20 lokationer" in chart.alt_text
    assert len(chart.data_table[0]) == 21  # "Time" + one column per location
