"""Trip-length distribution by vehicle type, today and in the scenario.

The incumbent's histogram dropped the longest trips (bins ended before the maximum). Here
the last bin is open-ended ("200+ km") and always starts at or below the longest trip, so
every trip is counted exactly once; `count_by_bin` is the single place that bins.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from itertools import pairwise

from matplotlib.figure import Figure

from app.charts import style
from app.charts.artists import bars
from app.charts.base import Chart, Margins, make_chart, no_data_chart

TITLE = "Turlængder fordelt på køretøjstype"
# Bin edges in km. 15 and 25 are the default bike and e-bike limits, so the bins show what a
# bike could take over.
NICE_EDGES_KM = (0, 2, 5, 10, 15, 25, 40, 60, 100, 150, 200, 300, 500)


def trip_length_bins(longest_km: float) -> list[float]:
    """Lower edges of the bins; the last bin is open-ended and holds the longest trip."""
    edges = [edge for edge in NICE_EDGES_KM if edge < longest_km]
    if len(edges) < 2:
        edges = list(NICE_EDGES_KM[:2])
    return edges


def bin_labels(edges: Sequence[float]) -> list[str]:
    """["0–2", "2–5", ..., "200+"] (km); a bin holds lengths from its lower edge up to,
    not including, the next edge."""
    labels = [f"{style.number(low)}–{style.number(high)}" for low, high in pairwise(edges)]
    return [*labels, f"{style.number(edges[-1])}+"]


def count_by_bin(lengths_km: Sequence[float], edges: Sequence[float]) -> list[int]:
    """How many trips fall in each bin. Every trip lands in exactly one bin: lengths below
    the first edge (only 0 or bad data) go in the first, anything long in the last."""
    counts = [0] * len(edges)
    for length in lengths_km:
        if not math.isfinite(length):
            # A trip without a length is a data error upstream; dropping it silently is the
            # exact bug this module exists to avoid.
            raise ValueError(f"trip length must be a finite number of km, got {length!r}")
        index = bisect.bisect_right(edges, length) - 1
        counts[max(index, 0)] += 1
    return counts


def trip_length_distribution(
    today_lengths_by_type: Mapping[str, Sequence[float]],
    scenario_lengths_by_type: Mapping[str, Sequence[float]],
) -> Chart:
    """Histogram of trip lengths (km), stacked by vehicle type, today and in the scenario.

    Keys are vehicle types ("fossil", "ev", "ebike", "bike"; "unserved" for trips no vehicle
    in the scenario takes); unknown keys are drawn with their own style, never dropped.
    Values are the lengths in km of every trip of that type.
    """
    panels = {"I dag": today_lengths_by_type, "Scenarie": scenario_lengths_by_type}
    types = style.order_vehicle_types(key for by_type in panels.values() for key in by_type)
    styles = {key: style.vehicle_type_style(key, position) for position, key in enumerate(types)}
    all_lengths = [
        length
        for lengths_by_type in panels.values()
        for lengths in lengths_by_type.values()
        for length in lengths
    ]
    header = ["Turlængde (km)"] + [
        f"{panel}: {styles[key].label}" for panel in panels for key in types
    ]
    if not all_lengths:
        return no_data_chart("trip-lengths", TITLE, [*header, "I dag i alt", "Scenarie i alt"])

    edges = trip_length_bins(max(all_lengths))
    labels = bin_labels(edges)
    counts = {
        panel: {key: count_by_bin(lengths_by_type.get(key, ()), edges) for key in types}
        for panel, lengths_by_type in panels.items()
    }
    totals = {
        panel: [sum(column) for column in zip(*by_type.values(), strict=True)]
        for panel, by_type in counts.items()
    }

    rows = [[*header, *(f"{panel} i alt" for panel in panels)]]
    for index, label in enumerate(labels):
        rows.append(
            [label]
            + [style.number(counts[panel][key][index]) for panel in panels for key in types]
            + [style.number(totals[panel][index]) for panel in panels]
        )
    rows.append(
        ["I alt"]
        + [style.number(sum(counts[panel][key])) for panel in panels for key in types]
        + [style.number(sum(totals[panel])) for panel in panels]
    )

    sentences = []
    for panel in panels:
        parts = [
            f"{styles[key].label} {style.number(sum(counts[panel][key]))}"
            for key in types
            if sum(counts[panel][key])
        ]
        sentences.append(
            f"{panel}: {style.count(sum(totals[panel]), 'tur', 'ture')}"
            + (f" ({', '.join(parts)})" if parts else "")
        )
    overall = [a + b for a, b in zip(totals["I dag"], totals["Scenarie"], strict=True)]
    common = labels[overall.index(max(overall))]
    alt_text = (
        "Histogram over turlængder i km, fordelt på køretøjstype. "
        + ". ".join(sentences)
        + f". Længste tur {style.km(max(all_lengths), 1 if max(all_lengths) < 10 else 0)}; "
        f"flest ture er {common} km."
    )

    def draw(fig: Figure) -> None:
        axes = fig.subplots(1, 2, sharey=True)
        positions = list(range(len(edges)))
        for ax, panel in zip(axes, panels, strict=True):
            bottoms = [0] * len(edges)
            for key in types:
                heights = counts[panel][key]
                series = styles[key]
                bars(
                    ax,
                    positions,
                    heights,
                    bottom=bottoms,
                    width=0.85,
                    color=series.color,
                    hatch=series.hatch,
                    edgecolor=series.edgecolor,
                    linewidth=0.5,
                    # Legend entries name the type and its trip count: a direct reading.
                    # A leading "_" keeps types without trips in this panel out of it.
                    label=f"{'' if sum(heights) else '_'}{series.label} "
                    f"({style.number(sum(heights))})",
                )
                bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
            # Each bin's total above it: a bin of one trip (the longest) is a sliver of a
            # bar but still reads as "1".
            for position, total in zip(positions, totals[panel], strict=True):
                if total:
                    ax.annotate(
                        style.number(total),
                        (position, total),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=6.5,
                    )
            ax.margins(y=0.12)
            ax.set_xlim(-0.6, len(edges) - 0.4)
            ax.set_title(f"{panel}: {style.count(sum(totals[panel]), 'tur', 'ture')}")
            ax.set_xticks(positions, labels, rotation=45, ha="right", rotation_mode="anchor")
            ax.set_xlabel("Turlængde (km)")
            ax.yaxis.set_major_formatter(style.DanishFormatter())
            ax.grid(axis="y")
            if any(not label.startswith("_") for label in ax.get_legend_handles_labels()[1]):
                ax.legend(loc="upper right", fontsize=7)
        axes[0].set_ylabel("Antal ture")

    return make_chart(
        key="trip-lengths",
        title=TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(7.0, 3.6),
        margins=Margins(left=0.6, right=0.15, bottom=0.85, top=0.3, wspace=0.08),
    )
