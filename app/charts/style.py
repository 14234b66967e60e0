"""Look and language of every chart: palette, second carriers of meaning, Danish numbers.

Danish numbers and dates come from `app.formatting`, the one home of those rules (1.234,5;
"−" as minus sign; "12 %"); it imports neither Flask nor the models, so charts stay plain
lists in, SVG out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from matplotlib.ticker import Formatter

# Re-exported: the chart modules format through `style.number`, `style.date_long`, ...
from app.formatting import (  # noqa: F401
    MINUS,
    MONTHS,
    date_long,
    date_short,
    dkk,
    number,
    percent,
)

# --- Palette -------------------------------------------------------------------------------
# Okabe & Ito (2008): eight colours distinguishable with the common colour-vision
# deficiencies. Colour is never the only carrier: every series also has a hatch, marker or
# line style (see SeriesStyle) and a direct label or legend entry.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#6E6E6E"
LIGHT_GREY = "#D9D9D9"
TEXT = "#1A1A1A"

# A sequential colour map that grows monotonically in lightness and is designed for colour
# vision deficiencies: a heatmap read in greyscale still reads right.
SEQUENTIAL_CMAP = "cividis"


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: colour plus at least one carrier that is not colour."""

    label: str
    color: str
    hatch: str = ""
    marker: str = "o"
    linestyle: str = "-"
    # matplotlib draws hatches in the edge colour: white on dark fills, near-black on light.
    edgecolor: str = "white"


VEHICLE_TYPE_STYLES: dict[str, SeriesStyle] = {
    "fossil": SeriesStyle("Fossilbil", VERMILLION, hatch="xx", marker="s", linestyle="-"),
    # Cars on HVO: a combustion car (engine type "fossil") on a fossil-free fuel.
    "hvo": SeriesStyle(
        "HVO-bil", ORANGE, hatch="x|", marker="p", linestyle=(0, (3, 1, 1, 1, 1, 1)), edgecolor=TEXT
    ),
    "ev": SeriesStyle("Elbil", BLUISH_GREEN, hatch="//", marker="o", linestyle="--"),
    "ebike": SeriesStyle("Elcykel", BLUE, hatch="\\\\", marker="^", linestyle="-."),
    "bike": SeriesStyle("Cykel", SKY_BLUE, hatch="--", marker="D", linestyle=":", edgecolor=TEXT),
    # Trips no vehicle in the scenario can take: shown, never dropped from a distribution.
    "unserved": SeriesStyle("Uløst", GREY, hatch="||", marker="x", linestyle=(0, (1, 3))),
}
VEHICLE_TYPE_ORDER = ("fossil", "hvo", "ev", "ebike", "bike", "unserved")
# One rule everywhere (the incumbent counted HVO as fossil in one statistic and fossil-free in
# another): fossil-free is decided by fuel, as app.models.FOSSIL_FREE_FUELS says. Callers that
# split km by fossil-free-ness pass HVO cars as "hvo"; only "fossil" counts as fossil.
FOSSIL_TYPES = frozenset({"fossil"})

# Hatches are line patterns only: dot and circle hatches ("..", "o") are drawn as hundreds of
# tiny circles and made a single SVG 70 KiB heavier.
# Styles for series that are not vehicle types, e.g. today vs scenario; cycled in order.
_EXTRA_STYLES = (
    SeriesStyle("", ORANGE, hatch="++", marker="v", linestyle="-", edgecolor=TEXT),
    SeriesStyle("", REDDISH_PURPLE, hatch="//--", marker="P", linestyle="--"),
    SeriesStyle("", YELLOW, hatch="\\\\||", marker="*", linestyle="-.", edgecolor=TEXT),
    SeriesStyle("", BLACK, hatch="xx--", marker="h", linestyle=":"),
)


def vehicle_type_style(key: str, position: int = 0) -> SeriesStyle:
    """The style of a vehicle type; unknown keys get a distinct style labelled by the key."""
    if key in VEHICLE_TYPE_STYLES:
        return VEHICLE_TYPE_STYLES[key]
    extra = _EXTRA_STYLES[position % len(_EXTRA_STYLES)]
    return SeriesStyle(
        key, extra.color, extra.hatch, extra.marker, extra.linestyle, extra.edgecolor
    )


def order_vehicle_types(keys: Iterable[str]) -> list[str]:
    """Known types in a fixed order (stable stacking and legends), then unknown ones sorted."""
    keys = set(keys)
    known = [key for key in VEHICLE_TYPE_ORDER if key in keys]
    return known + sorted(keys - set(VEHICLE_TYPE_ORDER))


# --- rcParams ------------------------------------------------------------------------------
FONT_FAMILY = "DejaVu Sans"
# Written into the SVG in place of matplotlib's single family, so a browser or WeasyPrint
# without DejaVu falls back to a sans-serif face instead of a serif one.
SVG_FONT_STACK = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"

RC_PARAMS = {
    # Text stays text: selectable, searchable, extractable from the PDF, read by screen readers.
    "svg.fonttype": "none",
    # Names come from users: "Budget $5 og $6 mio" must be text, not TeX math (which also
    # raised on "$\frac{1}$" and failed the whole report).
    "text.parse_math": False,
    # A fixed salt makes the ids of clip paths and hatches content-derived and stable; the
    # renderer then prefixes every id per chart so charts inlined on one page never clash.
    "svg.hashsalt": "fleetoptimiser-charts",
    "font.family": [FONT_FAMILY],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    # A fixed title height skips the per-axes search for overlapping top tick labels.
    "axes.titley": 1.02,
    "axes.labelsize": 9,
    "axes.edgecolor": GREY,
    "axes.labelcolor": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": False,
    "grid.color": LIGHT_GREY,
    "grid.linewidth": 0.6,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "hatch.linewidth": 0.8,
    "text.color": TEXT,
    "axes.unicode_minus": True,
    "path.simplify": True,
}

# --- Danish numbers ------------------------------------------------------------------------
MONTHS_SHORT = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def sentences(*parts: str) -> str:
    """Join sentences with single full stops: "4,1 mio. kr." must not end as "kr.."."""
    cleaned = [part.strip() for part in parts if part.strip()]
    return " ".join(part if part.endswith(".") else f"{part}." for part in cleaned)


def change_percent(before: float, after: float) -> float | None:
    """Relative change in % from `before` to `after`; None when there is no base to compare."""
    if before == 0:
        return None
    return (after - before) / abs(before) * 100


def change_text(before: float, after: float) -> str:
    """ "−12 %", "+3 %", "±0 %" or "" when the base is zero."""
    change = change_percent(before, after)
    if change is None:
        return ""
    decimals = 1 if 0 < abs(change) < 1 else 0
    if number(change, decimals) in ("0", "0,0"):
        return "±0 %"
    return percent(change, decimals, signed=True)


def dkk_compact(value: float) -> str:
    """Short money for titles and alt texts: "4,1 mio. kr.", "1,2 mia. kr.", "850.000 kr."."""
    size = abs(value)
    if size >= 1e9:
        return f"{number(value / 1e9, 1)} mia. kr."
    if size >= 1e6:
        return f"{number(value / 1e6, 1)} mio. kr."
    return f"{number(value)} kr."


def tonnes(value: float, decimals: int = 1) -> str:
    """123.45 -> "123,5 t" (the caller says "CO2e")."""
    return f"{number(value, decimals)} t"


def km(value: float, decimals: int = 0) -> str:
    return f"{number(value, decimals)} km"


def count(value: float, singular: str, plural: str) -> str:
    """3 -> "3 ture"; 1 -> "1 tur"."""
    return f"{number(value)} {singular if value == 1 else plural}"


def money_scale(largest: float) -> tuple[float, str]:
    """Divisor and unit for a money axis, so ticks read "4,1" under "mio. kr." not "4100000"."""
    if abs(largest) >= 1e9:
        return 1e9, "mia. kr."
    if abs(largest) >= 1e6:
        return 1e6, "mio. kr."
    return 1.0, "kr."


class DanishFormatter(Formatter):
    """Axis ticks in Danish: "1.000", "2,5"; decimals follow the tick spacing.

    `scale` divides the value first (money axes in mio. kr.); `suffix` is appended ("%").
    """

    def __init__(self, scale: float = 1.0, suffix: str = "", max_decimals: int = 2):
        self.scale = scale
        self.suffix = suffix
        self.max_decimals = max_decimals

    def _decimals(self) -> int:
        values = sorted({round(loc / self.scale, 9) for loc in self.locs})
        steps = [b - a for a, b in pairwise(values) if b > a]
        if not steps:
            value = values[0] if values else 0
            steps = [abs(value) or 1]
        step = min(steps)
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        # 0.25 steps need two decimals even though log10 says one.
        while decimals < self.max_decimals and abs(round(step, decimals) - step) > 1e-9:
            decimals += 1
        return min(decimals, self.max_decimals)

    def __call__(self, x: float, pos: int | None = None) -> str:
        decimals = self._decimals() if len(self.locs) else 0
        return number(x / self.scale, decimals) + self.suffix


def danish_date_formatter(span_days: int):
    """A tick label function for date axes (matplotlib date numbers) with Danish months.

    Locale modules are not relied on: servers often lack da_DK.
    """
    from matplotlib.dates import num2date

    def label(x: float, pos: int | None = None) -> str:
        day = num2date(x).date()
        if span_days > 62:
            # Month ticks; the year only where it changes the reading (January, first tick).
            text = MONTHS_SHORT[day.month - 1]
            return f"{text}\n{day.year}" if day.month == 1 or pos == 0 else text
        return f"{day.day}. {MONTHS_SHORT[day.month - 1]}"

    return label
