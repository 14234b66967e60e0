"""Service and capacity: vehicles in use over the day per location, unserved trips per day."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.collections import LineCollection
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from app.charts import style
from app.charts.artists import bars
from app.charts.base import Chart, Margins, make_chart, no_data_chart

IN_USE_TITLE = "Køretøjer i brug over døgnet"
# Above this many locations, one axes holds all the mini charts (see _draw_compact_grid).
COMPACT_FROM = 6
SCENARIO_LINE = style.SeriesStyle("Scenarie", style.VERMILLION, linestyle="--")
TODAY_LINE = style.SeriesStyle("I dag", style.BLACK, linestyle=":")
UNSERVED_TITLE = "Uløste ture pr. dag"
HOURS = 24


def _grid(count: int) -> tuple[int, int]:
    """Rows and columns for small multiples: 1-20 locations stay readable on an A4 page."""
    columns = 1 if count == 1 else 2 if count <= 4 else 3 if count <= 9 else 4
    return math.ceil(count / columns), columns


def _hour_span(hour: int) -> str:
    return f"kl. {hour:02d}–{(hour + 1) % 24:02d}"


def vehicles_in_use_by_hour(
    series_by_location: Mapping[str, Sequence[float]],
    scenario_count_by_location: Mapping[str, int],
    today_count_by_location: Mapping[str, int] | None = None,
) -> Chart:
    """Most vehicles in use at once in each hour of the day (0-23), one panel per location.

    `series_by_location[name]` has 24 values: for hour h, the largest number of vehicles
    in use at the same moment between h:00 and h+1:00 over the period (the busiest moment,
    which is what drives the fleet size). The scenario's vehicle count is a dashed line,
    today's (optional) a dotted one; both carry a direct label.
    """
    today_count_by_location = today_count_by_location or {}
    header = ["Time", *series_by_location]
    if not series_by_location:
        return no_data_chart("in-use-by-hour", IN_USE_TITLE, header)
    for name, series in series_by_location.items():
        if len(series) != HOURS:
            raise ValueError(f"{name}: expected {HOURS} hourly values, got {len(series)}")

    rows = [header]
    for hour in range(HOURS):
        rows.append(
            [f"{hour:02d}–{(hour + 1) % 24:02d}"]
            + [style.number(series[hour]) for series in series_by_location.values()]
        )
    rows.append(
        ["Køretøjer i scenariet"]
        + [style.number(scenario_count_by_location.get(name)) for name in series_by_location]
    )
    if today_count_by_location:
        rows.append(
            ["Køretøjer i dag"]
            + [style.number(today_count_by_location.get(name)) for name in series_by_location]
        )

    sentences = []
    for name, series in series_by_location.items():
        peak = max(series)
        peak_hour = list(series).index(peak)
        sentence = (
            f"{name}: flest i brug {_hour_span(peak_hour)} ({style.number(peak)})"
            if peak
            else f"{name}: ingen køretøjer i brug"
        )
        if name in today_count_by_location:
            sentence += f"; i dag {style.number(today_count_by_location[name])} køretøjer"
        if name in scenario_count_by_location:
            sentence += f"; scenariet har {style.number(scenario_count_by_location[name])}"
        sentences.append(sentence)
    alt_text = (
        f"Søjlediagram over det største antal køretøjer i brug samtidig i hver time af døgnet, "
        f"{style.count(len(series_by_location), 'lokation', 'lokationer')}. "
        + ". ".join(sentences)
        + "."
    )

    rows_count, columns = _grid(len(series_by_location))
    count_lines = (
        (scenario_count_by_location, SCENARIO_LINE),
        (today_count_by_location, TODAY_LINE),
    )
    if len(series_by_location) > COMPACT_FROM:

        def draw(fig: Figure) -> None:
            _draw_compact_grid(fig, series_by_location, count_lines)

        return make_chart(
            key="in-use-by-hour",
            title=IN_USE_TITLE,
            alt_text=alt_text,
            data_table=rows,
            draw=draw,
            size=(7.0, 1.15 * rows_count + 0.5),
            margins=Margins(left=0.15, right=0.15, bottom=0.45, top=0.05),
        )

    def draw(fig: Figure) -> None:
        axes = fig.subplots(rows_count, columns, squeeze=False).flatten()
        hours = list(range(HOURS))
        for index, (ax, (name, series)) in enumerate(
            zip(axes, series_by_location.items(), strict=False)
        ):
            peak = max(series)
            peak_hour = list(series).index(peak)
            bars(ax, hours, series, color=style.SKY_BLUE, edgecolor=style.BLUE, linewidth=0.4)
            # The busiest hour gets a hatch and its number: it decides how many are needed.
            bars(
                ax,
                [peak_hour],
                [peak],
                color=style.SKY_BLUE,
                edgecolor=style.BLACK,
                hatch="///",
                linewidth=0.8,
            )
            ax.annotate(
                style.number(peak),
                (peak_hour, peak),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
            )
            top = peak
            for counts, line in count_lines:
                if name not in counts:
                    continue
                value = counts[name]
                top = max(top, value)
                ax.axhline(
                    value,
                    color=line.color,
                    linestyle=line.linestyle,
                    linewidth=1.4,
                    label=line.label,
                )
                # Today's label at the left end, the scenario's at the right: two close
                # counts never print on top of each other.
                at_right = line is SCENARIO_LINE
                ax.annotate(
                    f"{line.label}: {style.number(value)}",
                    (1.0 if at_right else 0.0, value),
                    xycoords=("axes fraction", "data"),
                    xytext=(-2 if at_right else 2, 2),
                    textcoords="offset points",
                    ha="right" if at_right else "left",
                    va="bottom",
                    fontsize=7,
                    color=line.color,
                )
            ax.set_ylim(0, max(1, top) * 1.3)
            ax.set_title(name, fontsize=9)
            ax.set_xlim(-0.6, 23.6)
            # Few ticks on purpose: tick objects are most of the render time of small panels.
            ax.set_xticks([0, 6, 12, 18], ["00", "06", "12", "18"])
            ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
            ax.yaxis.set_major_formatter(style.DanishFormatter())
            ax.grid(axis="y")
            if index % columns == 0:
                ax.set_ylabel("Køretøjer")
            if index >= len(series_by_location) - columns:
                ax.set_xlabel("Time på dagen")
        for ax in axes[len(series_by_location) :]:
            ax.set_axis_off()

    panel_height = 2.6 if rows_count == 1 else 1.75
    return make_chart(
        key="in-use-by-hour",
        title=IN_USE_TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(7.0, panel_height * rows_count + 0.3),
        margins=Margins(left=0.6, right=0.15, bottom=0.5, top=0.3, wspace=0.3, hspace=0.75),
    )


def _draw_compact_grid(
    fig: Figure,
    series_by_location: Mapping[str, Sequence[float]],
    count_lines: Sequence[tuple[Mapping[str, int], style.SeriesStyle]],
) -> None:
    """Many locations as a grid of mini charts inside ONE axes.

    Twenty real axes cost seconds (each builds its own ticks); here every panel is scaled
    to its own largest value and carries its numbers as direct labels (busiest hour,
    scenario and today's count), so no y-axis is needed.
    """
    ax = fig.add_subplot()
    ax.set_axis_off()
    rows_count, columns = _grid(len(series_by_location))
    panel_width, gap, row_height = HOURS, 5.0, 1.75
    plain, peaks, lines = [], [], {id(line): [] for _, line in count_lines}
    baselines = []
    for index, (name, series) in enumerate(series_by_location.items()):
        x0 = (index % columns) * (panel_width + gap)
        y0 = -(index // columns) * row_height
        peak = max(series)
        peak_hour = list(series).index(peak)
        values = [(counts[name], line) for counts, line in count_lines if name in counts]
        scale = max([peak, 1, *(value for value, _ in values)]) / 0.85
        plain += [(x0 + hour, y0, value / scale) for hour, value in enumerate(series)]
        peaks.append((x0 + peak_hour, y0, peak / scale))
        baselines.append([(x0 - 0.6, y0), (x0 + 23.6, y0)])
        ax.text(x0 - 0.6, y0 + 1.12, name, fontsize=8, fontweight="bold", va="bottom")
        ax.text(
            x0 + peak_hour,
            y0 + peak / scale + 0.03,
            style.number(peak),
            fontsize=6.5,
            ha="center",
            va="bottom",
        )
        for value, line in values:
            at_right = line is SCENARIO_LINE
            lines[id(line)].append(
                [(x0 - 0.6, y0 + value / scale), (x0 + 23.6, y0 + value / scale)]
            )
            ax.text(
                x0 + (23.6 if at_right else -0.6),
                y0 + value / scale + 0.03,
                f"{line.label}: {style.number(value)}",
                fontsize=6.5,
                color=line.color,
                ha="right" if at_right else "left",
                va="bottom",
            )
        if index // columns == rows_count - 1 or index + columns >= len(series_by_location):
            for hour in (0, 6, 12, 18):
                ax.text(x0 + hour, y0 - 0.06, f"{hour:02d}", fontsize=6.5, ha="center", va="top")
    for points, hatch, edge in ((plain, "", style.BLUE), (peaks, "///", style.BLACK)):
        x, bottom, height = zip(*points, strict=True)
        bars(
            ax,
            x,
            height,
            bottom=bottom,
            color=style.SKY_BLUE,
            edgecolor=edge,
            hatch=hatch,
            linewidth=0.4 if not hatch else 0.8,
        )
    ax.add_collection(LineCollection(baselines, colors=style.GREY, linewidths=0.6))
    for _, line in count_lines:
        if lines[id(line)]:
            ax.add_collection(
                LineCollection(
                    lines[id(line)],
                    colors=line.color,
                    linestyles=line.linestyle,
                    linewidths=1.2,
                    label=line.label,
                )
            )
    ax.set_xlim(-1.0, columns * (panel_width + gap) - gap)
    ax.set_ylim(-(rows_count - 1) * row_height - 0.25, 1.45)
    fig.text(
        0.01,
        0.01,
        "Time på dagen (00–23). Hver lokation har sin egen skala; tallene står ved søjlerne.",
        fontsize=7,
        color=style.GREY,
    )


def unserved_trips_per_day(days: Sequence[date], counts: Sequence[int]) -> Chart:
    """Unserved trips on each day of the period; readable from a week to a full year.

    `days` are the period's dates (days without unserved trips may be given with 0 or left
    out; the axis spans first to last day given). Days are summed if a date repeats.
    """
    header = ["Dato", "Uløste ture"]
    if len(days) != len(counts):
        raise ValueError(f"{len(days)} days but {len(counts)} counts")
    if not days:
        return no_data_chart("unserved-per-day", UNSERVED_TITLE, header)
    by_day: dict[date, int] = {}
    for day, value in zip(days, counts, strict=True):
        by_day[day] = by_day.get(day, 0) + int(value)
    first, last = min(by_day), max(by_day)
    span_days = (last - first).days + 1
    total = sum(by_day.values())
    days_with = sorted(day for day, value in by_day.items() if value > 0)

    # Days without unserved trips are left out of the table: a year would be 365 rows of 0.
    rows = [header] + [[style.date_short(day), style.number(by_day[day])] for day in days_with]
    rows.append(["I alt", style.number(total)])
    period = f"{style.date_long(first)} – {style.date_long(last)}"
    if total == 0:
        alt_text = f"Søjlediagram: ingen uløste ture i perioden {period}."
    else:
        worst = max(days_with, key=lambda day: (by_day[day], -day.toordinal()))
        alt_text = (
            f"Søjlediagram: {style.count(total, 'uløst tur', 'uløste ture')} i alt på "
            f"{style.number(len(days_with))} af {style.number(span_days)} dage i perioden "
            f"{period}. Flest den {style.date_long(worst)} "
            f"({style.count(by_day[worst], 'tur', 'ture')})."
        )

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        x = [date2num(day) for day in days_with]
        heights = [by_day[day] for day in days_with]
        # Only days with unserved trips get a bar; zero-height bars would just add weight.
        bars(
            ax,
            x,
            heights,
            width=0.8 if span_days <= 62 else 1.0,
            color=style.VERMILLION,
            edgecolor=style.VERMILLION,
            linewidth=0.3,
        )
        ax.set_xlim(date2num(first) - 0.7, date2num(last) + 0.7)
        if total == 0:
            ax.set_ylim(0, 1)
            ax.text(
                0.5,
                0.5,
                "Ingen uløste ture i perioden",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=11,
                color=style.GREY,
            )
        else:
            worst = max(days_with, key=lambda day: (by_day[day], -day.toordinal()))
            # Keep the label inside the axes near either end of the period.
            where = (worst - first).days / max(1, span_days - 1)
            align = "left" if where < 0.15 else "right" if where > 0.85 else "center"
            ax.annotate(
                f"Flest: {style.number(by_day[worst])} ({worst.day}. "
                f"{style.MONTHS_SHORT[worst.month - 1]})",
                (date2num(worst), by_day[worst]),
                xytext=(0, 3),
                textcoords="offset points",
                ha=align,
                va="bottom",
                fontsize=7.5,
            )
            ax.set_ylim(0, max(heights) * 1.2)
        _date_axis(ax, first, last)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.yaxis.set_major_formatter(style.DanishFormatter())
        ax.set_ylabel("Uløste ture")
        ax.grid(axis="y")

    return make_chart(
        key="unserved-per-day",
        title=UNSERVED_TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(7.0, 2.8),
        margins=Margins(left=0.6, right=0.15, bottom=0.55, top=0.15),
    )


def _date_axis(ax, first: date, last: date) -> None:
    """Danish date ticks: months for long periods, days for short ones."""
    from matplotlib.dates import DayLocator, MonthLocator

    span_days = (last - first).days + 1
    if span_days > 62:
        interval = max(1, math.ceil(span_days / 31 / 12))
        ax.xaxis.set_major_locator(MonthLocator(interval=interval))
    else:
        ax.xaxis.set_major_locator(DayLocator(interval=max(1, math.ceil(span_days / 10))))
    ax.xaxis.set_major_formatter(FuncFormatter(style.danish_date_formatter(span_days)))
