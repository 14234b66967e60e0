"""Money and climate: yearly cost and CO2e today vs scenarios, and the cost/CO2e trade-off."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from app.charts import style
from app.charts.artists import bars
from app.charts.base import Chart, Margins, make_chart, no_data_chart

COST_CO2_TITLE = "Årlig omkostning og CO2e"
TRADEOFF_TITLE = "Omkostning og CO2e for alternativerne"


@dataclass(frozen=True)
class CostCo2Item:
    """One bar pair: yearly cost split in three, and yearly CO2e. The first item is the base."""

    label: str  # "I dag", "Forslag A"
    fixed_dkk: float  # leasing/ownership, insurance, service
    energy_dkk: float  # fuel and electricity
    allowance_dkk: float  # mileage allowance (kørselsgodtgørelse) for trips in own cars
    co2e_tonnes: float

    @property
    def total_dkk(self) -> float:
        return self.fixed_dkk + self.energy_dkk + self.allowance_dkk


# (attribute, label, style): the stack order from the axis up. Fixed has no hatch, the others
# two different hatches, so the parts read apart without colour.
COST_PARTS = (
    ("fixed_dkk", "Faste omkostninger", style.SeriesStyle("", style.BLUE)),
    ("energy_dkk", "Energi", style.SeriesStyle("", style.ORANGE, hatch="//", edgecolor=style.TEXT)),
    (
        "allowance_dkk",
        "Kørselsgodtgørelse",
        style.SeriesStyle("", style.REDDISH_PURPLE, hatch="xx"),
    ),
)


ELLIPSIS = "…"
# Scenario names under the bars: at most this many lines, each as wide as a bar's slot
# allows (a little less: WeasyPrint and browsers do not kern as matplotlib measures).
TICK_LABEL_LINES = 3
_SLOT_SHARE = 0.92
# Below the axis: tick and padding, then the label lines, a gap and the legend (points).
_TICK_PAD_PT = 7.0
_LEGEND_PT = 24.0


def fit_label(text: str, max_width: float, measure: Callable[[str], float]) -> str:
    """A name as at most TICK_LABEL_LINES lines, none wider than `max_width`.

    Lines break at spaces only: Danish names keep their words whole, and "50 %" stays
    together. A word wider than a line is cut and ends in "…" (the words after it still
    follow), and a name that needs more lines ends in "…" after the last whole word that
    fits. `measure` gives a text's width. The full name stays in the text alternative and
    the data table.
    """

    def shortened(part: str) -> str:
        part = part.rstrip(" ,;:")
        while len(part) > 1 and measure(part + ELLIPSIS) > max_width:
            part = part[:-1].rstrip(" ,;:")
        return part + ELLIPSIS

    # A sign without letters or digits ("%", "–") stays with the word before it: "-50 %".
    words: list[str] = []
    for word in text.split():
        if words and not any(character.isalnum() for character in word):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    lines: list[str] = []
    used = 0
    while used < len(words) and len(lines) < TICK_LABEL_LINES:
        line = words[used]
        used += 1
        if measure(line) > max_width:
            lines.append(shortened(line))
            continue
        while used < len(words) and measure(f"{line} {words[used]}") <= max_width:
            line = f"{line} {words[used]}"
            used += 1
        lines.append(line)
    if used < len(words) and not lines[-1].endswith(ELLIPSIS):
        # Out of lines: drop whole words from the last one until "…" fits after it.
        kept = lines[-1].split(" ")
        while len(kept) > 1 and measure(" ".join(kept) + ELLIPSIS) > max_width:
            kept.pop()
        lines[-1] = shortened(" ".join(kept))
    return "\n".join(lines) or text


def _tick_labels(fig: Figure, axes: Sequence[Axes], names: Sequence[str]) -> list[str]:
    """The names fitted to the narrowest panel's bar slots, measured in the chart's font.

    If they take more than two lines, the plot area moves up so that the labels never run
    into the legend at the bottom of the picture.
    """
    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=matplotlib.rcParams["xtick.labelsize"])
    points_per_pixel = 72 / fig.dpi

    def measure(text: str) -> float:
        width, _, _ = renderer.get_text_width_height_descent(text, font, ismath=False)
        return width * points_per_pixel

    slot = min(ax.get_position().width for ax in axes) * fig.get_figwidth() * 72 / len(names)
    labels = [fit_label(name, slot * _SLOT_SHARE, measure) for name in names]
    lines = max(label.count("\n") + 1 for label in labels)
    line_height = font.get_size_in_points() * 1.2  # matplotlib's line spacing
    needed = (_TICK_PAD_PT + lines * line_height + _LEGEND_PT) / 72 / fig.get_figheight()
    if needed > fig.subplotpars.bottom:
        fig.subplots_adjust(bottom=needed)
    return labels


def cost_and_co2_comparison(items: Sequence[CostCo2Item]) -> Chart:
    """Two panels: yearly cost stacked (fixed, energy, mileage allowance) and yearly CO2e.

    `items[0]` is the baseline (normally "I dag"); the others show their change against it.
    """
    header = [
        "Scenarie",
        "Faste omkostninger",
        "Energi",
        "Kørselsgodtgørelse",
        "Omkostning i alt",
        "Ændring",
        "CO2e (t)",
        "Ændring CO2e",
    ]
    if not items:
        return no_data_chart("cost-co2", COST_CO2_TITLE, header)
    base = items[0]
    rows = [header]
    cost_sentences, co2_sentences = [], []
    for item in items:
        is_base = item is base
        cost_change = "" if is_base else style.change_text(base.total_dkk, item.total_dkk)
        co2_change = "" if is_base else style.change_text(base.co2e_tonnes, item.co2e_tonnes)
        rows.append(
            [
                item.label,
                style.dkk(item.fixed_dkk),
                style.dkk(item.energy_dkk),
                style.dkk(item.allowance_dkk),
                style.dkk(item.total_dkk),
                cost_change,
                style.number(item.co2e_tonnes, 1),
                co2_change,
            ]
        )
        cost_sentences.append(
            f"{item.label} {style.dkk_compact(item.total_dkk)}"
            + (f" ({cost_change})" if cost_change else "")
        )
        co2_sentences.append(
            f"{item.label} {style.tonnes(item.co2e_tonnes)} CO2e"
            + (f" ({co2_change})" if co2_change else "")
        )
    alt_text = style.sentences(
        "Søjlediagram i to dele",
        "Årlig omkostning: " + "; ".join(cost_sentences),
        "Årlig udledning: " + "; ".join(co2_sentences),
    )

    def draw(fig: Figure) -> None:
        cost_ax, co2_ax = fig.subplots(1, 2, width_ratios=[1.35, 1])
        positions = list(range(len(items)))
        labels = _tick_labels(fig, (cost_ax, co2_ax), [item.label for item in items])
        scale, unit = style.money_scale(max(item.total_dkk for item in items))

        bottoms = [0.0] * len(items)
        for attribute, label, part in COST_PARTS:
            heights = [getattr(item, attribute) for item in items]
            bars(
                cost_ax,
                positions,
                heights,
                bottom=bottoms,
                width=0.6,
                color=part.color,
                hatch=part.hatch,
                edgecolor=part.edgecolor,
                linewidth=0.6,
                label=label,
            )
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        for position, item in zip(positions, items, strict=True):
            change = "" if item is base else style.change_text(base.total_dkk, item.total_dkk)
            text = style.number(item.total_dkk / scale, 1 if scale > 1 else 0)
            cost_ax.annotate(
                text + (f"\n{change}" if change else ""),
                (position, item.total_dkk),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        cost_ax.set_title("Omkostning pr. år")
        cost_ax.set_ylabel(f"{unit} pr. år")
        cost_ax.yaxis.set_major_formatter(style.DanishFormatter(scale=scale))
        cost_ax.set_xticks(positions, labels)
        cost_ax.set_xlim(-0.6, len(items) - 0.4)
        cost_ax.margins(y=0.22)
        cost_ax.grid(axis="y")
        # Below both panels, in the bottom margin, so it never covers a bar.
        fig.legend(
            *cost_ax.get_legend_handles_labels(),
            loc="lower left",
            ncols=3,
            bbox_to_anchor=(0.01, 0.0),
            fontsize=8,
        )

        co2_values = [item.co2e_tonnes for item in items]
        bars(
            co2_ax,
            positions,
            co2_values,
            width=0.6,
            color=style.BLUISH_GREEN,
            edgecolor="white",
            hatch="",
        )
        for position, item in zip(positions, items, strict=True):
            change = "" if item is base else style.change_text(base.co2e_tonnes, item.co2e_tonnes)
            co2_ax.annotate(
                style.number(item.co2e_tonnes, 1) + (f"\n{change}" if change else ""),
                (position, item.co2e_tonnes),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        co2_ax.set_title("CO2e pr. år")
        co2_ax.set_ylabel("t CO2e pr. år")
        co2_ax.yaxis.set_major_formatter(style.DanishFormatter())
        co2_ax.set_xticks(positions, labels)
        co2_ax.set_xlim(-0.6, len(items) - 0.4)
        co2_ax.margins(y=0.22)
        co2_ax.grid(axis="y")

    width = max(7.0, 4.0 + 1.1 * len(items))
    return make_chart(
        key="cost-co2",
        title=COST_CO2_TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(width, 3.6),
        margins=Margins(left=0.8, right=0.15, bottom=0.8, top=0.3, wspace=0.35),
    )


@dataclass(frozen=True)
class TradeoffPoint:
    """One solution on the cost/CO2e trade-off (or today's fleet)."""

    label: str
    cost_dkk: float  # yearly
    co2e_tonnes: float  # yearly
    recommended: bool = False


def tradeoff_curve(points: Sequence[TradeoffPoint], today: TradeoffPoint | None = None) -> Chart:
    """Yearly cost against yearly CO2e for the alternatives, today marked, recommended starred.

    Each point also carries a direct label; marker shapes (circle, star, square) tell
    alternative, recommended and today apart without colour.
    """
    header = ["Alternativ", "Omkostning pr. år", "Ændring", "CO2e pr. år (t)", "Ændring CO2e", ""]
    if not points:
        return no_data_chart("tradeoff", TRADEOFF_TITLE, header)
    alternatives = sorted(points, key=lambda point: (point.co2e_tonnes, point.cost_dkk))
    rows = [header]
    sentences = []
    if today is not None:
        rows.append(
            [today.label, style.dkk(today.cost_dkk), "", style.number(today.co2e_tonnes, 1), "", ""]
        )
        sentences.append(
            f"{today.label}: {style.dkk_compact(today.cost_dkk)} og "
            f"{style.tonnes(today.co2e_tonnes)} CO2e"
        )
    for point in alternatives:
        cost_change = style.change_text(today.cost_dkk, point.cost_dkk) if today else ""
        co2_change = style.change_text(today.co2e_tonnes, point.co2e_tonnes) if today else ""
        rows.append(
            [
                point.label,
                style.dkk(point.cost_dkk),
                cost_change,
                style.number(point.co2e_tonnes, 1),
                co2_change,
                "Anbefalet" if point.recommended else "",
            ]
        )
        sentence = (
            f"{point.label}{' (anbefalet)' if point.recommended else ''}: "
            f"{style.dkk_compact(point.cost_dkk)}"
            + (f" ({cost_change})" if cost_change else "")
            + f" og {style.tonnes(point.co2e_tonnes)} CO2e"
            + (f" ({co2_change})" if co2_change else "")
        )
        sentences.append(sentence)
    alt_text = (
        f"Punktdiagram over årlig omkostning mod årlig CO2e for "
        f"{style.count(len(alternatives), 'alternativ', 'alternativer')}. "
        + "; ".join(sentences)
        + "."
    )

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        everything = [*alternatives, *([today] if today else [])]
        scale, unit = style.money_scale(max(point.cost_dkk for point in everything))
        ax.plot(
            [point.co2e_tonnes for point in alternatives],
            [point.cost_dkk for point in alternatives],
            linestyle="--",
            color=style.GREY,
            marker="o",
            markersize=7,
            markerfacecolor=style.BLUE,
            markeredgecolor="white",
            zorder=2,
        )
        handles = [
            Line2D(
                [],
                [],
                linestyle="--",
                color=style.GREY,
                marker="o",
                markersize=7,
                markerfacecolor=style.BLUE,
                markeredgecolor="white",
                label="Alternativer",
            ),
        ]
        recommended = [point for point in alternatives if point.recommended]
        if recommended:
            ax.scatter(
                [point.co2e_tonnes for point in recommended],
                [point.cost_dkk for point in recommended],
                marker="*",
                s=260,
                color=style.ORANGE,
                edgecolor=style.BLACK,
                linewidth=0.8,
                zorder=3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker="*",
                    markersize=13,
                    color=style.ORANGE,
                    markeredgecolor=style.BLACK,
                    label="Anbefalet",
                )
            )
        if today is not None:
            ax.scatter(
                [today.co2e_tonnes],
                [today.cost_dkk],
                marker="s",
                s=70,
                color=style.BLACK,
                zorder=3,
            )
            handles.append(
                Line2D(
                    [], [], linestyle="", marker="s", markersize=8, color=style.BLACK, label="I dag"
                )
            )
        for point in everything:
            text = point.label + (" (anbefalet)" if point.recommended else "")
            ax.annotate(
                text,
                (point.co2e_tonnes, point.cost_dkk),
                xytext=(7, 5),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold" if point.recommended or point is today else "normal",
            )
        ax.set_xlabel("t CO2e pr. år")
        ax.set_ylabel(f"{unit} pr. år")
        ax.xaxis.set_major_formatter(style.DanishFormatter())
        ax.yaxis.set_major_formatter(style.DanishFormatter(scale=scale))
        ax.margins(x=0.18, y=0.15)
        ax.grid(True)
        ax.legend(handles=handles, loc="best")

    return make_chart(
        key="tradeoff",
        title=TRADEOFF_TITLE,
        alt_text=alt_text,
        data_table=rows,
        draw=draw,
        size=(7.0, 3.8),
        margins=Margins(left=0.8, right=0.2, bottom=0.5, top=0.15),
    )
