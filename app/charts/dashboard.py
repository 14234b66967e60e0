"""Small dashboard charts: km driven per day by vehicle type, utilisation heatmap."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib
import numpy as np
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from app.charts import style
from app.charts.base import Chart, Margins, make_chart, no_data_chart
from app.charts.capacity import _date_axis

KM_TITLE = "Kørte km pr. dag"
HEATMAP_TITLE = "Udnyttelse pr. køretøj og dag"


def km_per_day(dates: Sequence[date], km_by_type: Mapping[str, Sequence[float]]) -> Chart:
    """Km per day stacked by vehicle type, fossil at the bottom; fossil-free share in the text.

    `km_by_type[type][i]` is the km driven on `dates[i]` by vehicles of that type ("fossil",
    "ev", "ebike", "bike", and "hvo" for cars on HVO, which count as fossil-free).
    """
    types = style.order_vehicle_types(km_by_type)
    header = ["Dato", *(style.vehicle_type_style(key).label for key in types), "I alt"]
    for key in types:
        if len(km_by_type[key]) != len(dates):
            raise ValueError(f"{key}: {len(km_by_type[key])} values for {len(dates)} dates")
    if not dates or not types:
        return no_data_chart("km-per-day", KM_TITLE, header)
    order = sorted(range(len(dates)), key=lambda index: dates[index])
    days = [dates[index] for index in order]
    series = {key: [float(km_by_type[key][index]) for index in order] for key in types}
    styles = {key: style.vehicle_type_style(key, position) for position, key in enumerate(types)}
    daily_totals = [sum(values) for values in zip(*series.values(), strict=True)]
    total = sum(daily_totals)
    fossil = sum(sum(series[key]) for key in types if key in style.FOSSIL_TYPES)

    rows = [header]
    for index, day in enumerate(days):
        rows.append(
            [style.date_short(day)]
            + [style.number(series[key][index], 1) for key in types]
            + [style.number(daily_totals[index], 1)]
        )
    fossil_free_share = (total - fossil) / total * 100 if total else 0.0
    busiest = days[daily_totals.index(max(daily_totals))]
    period = f"fra {style.date_long(days[0])} til {style.date_long(days[-1])}"
    if total == 0:
        alt_text = f"Stablet diagram over kørte km pr. dag {period}: ingen kørsel."
    else:
        alt_text = (
            f"Stablet diagram over kørte km pr. dag {period}: i alt {style.km(total)}, heraf "
            f"{style.percent(fossil_free_share)} fossilfrit og "
            f"{style.percent(100 - fossil_free_share)} fossilt. "
            + "; ".join(f"{styles[key].label} {style.km(sum(series[key]))}" for key in types)
            + f". Flest km den {style.date_long(busiest)} ({style.km(max(daily_totals))})."
        )

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        x = np.array([date2num(day) for day in days])
        bottom = np.zeros(len(days))
        for key in types:
            values = np.array(series[key])
            # One stepped polygon per type instead of a bar per day: a year stays light.
            ax.fill_between(
                x,
                bottom,
                bottom + values,
                step="mid",
                facecolor=styles[key].color,
                hatch=styles[key].hatch,
                # No outline (a year of steps outlined is noise); the edge colour is
                # still the hatch colour.
                edgecolor=styles[key].edgecolor,
                linewidth=0,
                label=styles[key].label,
            )
            bottom = bottom + values
        ax.set_xlim(x[0] - 0.5, x[-1] + 0.5)
        ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.1)
        _date_axis(ax, days[0], days[-1])
        ax.yaxis.set_major_formatter(style.DanishFormatter())
        ax.set_ylabel("km pr. dag")
        ax.grid(axis="y")
        fig.legend(loc="lower left", bbox_to_anchor=(0.01, 0.0), ncols=len(types))

    return make_chart(
        key="km-per-day",
        title=KM_TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(7.0, 3.2),
        margins=Margins(left=0.7, right=0.15, bottom=0.85, top=0.15),
    )


def utilisation_heatmap(
    vehicles: Sequence[str],
    days: Sequence[date],
    values: Sequence[Sequence[float | None]],
    *,
    unit: str = "km",
    threshold: float | None = None,
) -> Chart:
    """Vehicles x days heatmap of use (km or %), cells under `threshold` hatched.

    `values[i][j]` is vehicle i on day j; None means no data for that day. The colour map
    grows in lightness (readable in greyscale and with colour-vision deficiencies) and the
    hatch marks low use without relying on colour. The data table summarises per vehicle:
    a 365-column table helps nobody.
    """
    header = ["Køretøj", f"Gennemsnit pr. dag ({unit})", f"Højeste ({unit})"]
    if threshold is not None:
        header.append(f"Dage under {style.number(threshold)} {unit}")
    if len(values) != len(vehicles) or any(len(row) != len(days) for row in values):
        raise ValueError("values must have one row per vehicle and one value per day")
    if not vehicles or not days:
        return no_data_chart("utilisation-heatmap", HEATMAP_TITLE, header)
    order = sorted(range(len(days)), key=lambda index: days[index])
    ordered = [days[index] for index in order]
    grid = np.ma.masked_invalid(
        np.array(
            [[np.nan if row[index] is None else row[index] for index in order] for row in values],
            dtype=float,
        )
    )
    decimals = 0 if unit == "km" else 1

    rows = [header]
    below_counts = []
    for index, vehicle in enumerate(vehicles):
        row_values = grid[index].compressed()
        below = int((row_values < threshold).sum()) if threshold is not None else 0
        below_counts.append(below)
        rows.append(
            [
                vehicle,
                style.number(float(row_values.mean()), decimals) if row_values.size else "–",
                style.number(float(row_values.max()), decimals) if row_values.size else "–",
            ]
            + ([style.number(below)] if threshold is not None else [])
        )
    overall = grid.compressed()
    alt_text = (
        f"Varmekort over {style.count(len(vehicles), 'køretøj', 'køretøjer')} og "
        f"{style.count(len(days), 'dag', 'dage')} fra {style.date_long(ordered[0])} til "
        f"{style.date_long(ordered[-1])}; "
        + (
            f"gennemsnit {style.number(float(overall.mean()), decimals)} {unit} pr. køretøj og dag."
            if overall.size
            else "ingen data."
        )
    )
    if threshold is not None:
        low = sum(
            1
            for index in range(len(vehicles))
            if grid[index].compressed().size and grid[index].compressed().mean() < threshold
        )
        alt_text += (
            f" {style.count(low, 'køretøj', 'køretøjer')} ligger i gennemsnit under "
            f"{style.number(threshold)} {unit}."
        )

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps[style.SEQUENTIAL_CMAP].with_extremes(bad=style.LIGHT_GREY)
        # The cells are an embedded raster: 100 vehicles x 365 days as vector rectangles
        # would make a multi-megabyte SVG.
        # interpolation="none": the SVG embeds one pixel per cell instead of a resampled
        # picture, and viewers scale it up with crisp edges.
        image = ax.imshow(grid, aspect="auto", cmap=cmap, interpolation="none")
        if threshold is not None:
            _hatch_cells(ax, grid.filled(np.inf) < threshold)
        colorbar = fig.colorbar(image, ax=ax, pad=0.02, fraction=0.035)
        colorbar.set_label(f"{unit} pr. dag")
        colorbar.formatter = style.DanishFormatter()
        colorbar.update_ticks()
        step = max(1, math.ceil(len(vehicles) / 30))
        ax.set_yticks(range(0, len(vehicles), step), list(vehicles)[::step], fontsize=7)
        if len(days) > 62:
            ticks = [index for index, day in enumerate(ordered) if day.day == 1]
            labels = [style.MONTHS_SHORT[ordered[index].month - 1] for index in ticks]
        else:
            ticks = list(range(0, len(days), max(1, math.ceil(len(days) / 10))))
            labels = [
                f"{ordered[i].day}. {style.MONTHS_SHORT[ordered[i].month - 1]}" for i in ticks
            ]
        ax.set_xticks(ticks, labels)
        ax.spines[:].set_visible(False)
        notes = []
        if threshold is not None:
            notes.append(f"Skraverede felter: under {style.number(threshold)} {unit}")
        if np.ma.count_masked(grid):
            notes.append("grå felter: ingen data")
        ax.set_xlabel("; ".join(notes))

    return make_chart(
        key="utilisation-heatmap",
        title=HEATMAP_TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(7.0, min(8.0, 1.2 + 0.16 * len(vehicles))),
        margins=Margins(left=0.85, right=0.8, bottom=0.55, top=0.1),
    )


def _hatch_cells(ax, mask: np.ndarray) -> None:
    """Hatch exactly the cells where mask is true, as one path of merged rectangles.

    Runs of days in a row become one rectangle, and a run repeated in the rows below (a
    weekend for the whole fleet) grows that rectangle downwards: far fewer shapes than
    cells, which keeps a year of 100 vehicles a light SVG.
    """
    rectangles = []  # (first column, last column + 1, first row, last row + 1)
    open_runs: dict[tuple[int, int], int] = {}
    for row in range(mask.shape[0] + 1):
        runs = set(_runs(mask[row])) if row < mask.shape[0] else set()
        for run in list(open_runs):
            if run not in runs:
                rectangles.append((*run, open_runs.pop(run), row))
        for run in sorted(runs):
            open_runs.setdefault(run, row)
    if not rectangles:
        return
    vertices, codes = [], []
    for start, stop, top, bottom in rectangles:
        # Cell (row r, column c) covers c-0.5..c+0.5 and r-0.5..r+0.5 in imshow coordinates.
        left, right, upper, lower = start - 0.5, stop - 0.5, top - 0.5, bottom - 0.5
        vertices += [(left, upper), (right, upper), (right, lower), (left, lower), (left, upper)]
        codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    # add_artist: the image already sets the limits, and add_patch would walk every segment.
    ax.add_artist(
        PathPatch(
            Path(vertices, codes),
            facecolor="none",
            # White: cells under the threshold sit at the dark end of the colour scale.
            edgecolor="white",
            linewidth=0,
            hatch="////",
        )
    )


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """[(start, stop)] of consecutive True values."""
    padded = np.concatenate([[False], row, [False]]).astype(int)
    changes = np.flatnonzero(np.diff(padded))
    return list(zip(changes[::2].tolist(), changes[1::2].tolist(), strict=True))
