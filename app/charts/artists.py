"""Drawing helpers shared by the chart families."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path

_RECTANGLE_CODES = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]


def bars(
    ax: Axes,
    x: Sequence[float],
    heights: Sequence[float],
    *,
    bottom: Sequence[float] | None = None,
    width: float = 0.8,
    color: str,
    hatch: str = "",
    edgecolor: str = "white",
    linewidth: float = 0.5,
    label: str | None = None,
    zorder: float = 2,
) -> PathPatch:
    """Vertical bars of one series as ONE compound path instead of a Rectangle per bar.

    `Axes.bar` adds an artist per bar and recomputes the data limits each time: a year of
    days or 20 panels of 24 hours took seconds. One path draws the same picture, carries
    one hatch and one legend entry, and in the SVG is one element with one pattern fill,
    which WeasyPrint paints once instead of once per bar.
    """
    x = np.asarray(x, dtype=float)
    heights = np.asarray(heights, dtype=float)
    bottom = np.zeros_like(heights) if bottom is None else np.asarray(bottom, dtype=float)
    # Zero-height bars would still draw their outline as a stray line across the stack.
    drawn = heights != 0
    x, heights, bottom = x[drawn], heights[drawn], bottom[drawn]
    left, right, top = x - width / 2, x + width / 2, bottom + heights
    vertices = np.stack(
        [
            np.column_stack([left, bottom]),
            np.column_stack([left, top]),
            np.column_stack([right, top]),
            np.column_stack([right, bottom]),
            np.column_stack([left, bottom]),
        ],
        axis=1,
    ).reshape(-1, 2)
    path = Path(vertices, _RECTANGLE_CODES * len(x)) if len(x) else Path(np.zeros((0, 2)))
    patch = PathPatch(
        path,
        facecolor=color,
        edgecolor=edgecolor,
        linewidth=linewidth,
        hatch=hatch or None,
        label=label,
        zorder=zorder,
    )
    # Bars stand on zero: autoscaling must not add a margin below it.
    patch.sticky_edges.y.append(0)
    # add_artist, not add_patch: add_patch walks every Bezier segment of the path to find
    # the data limits (seconds for thousands of rectangles); the corners are known here.
    ax.add_artist(patch)
    if len(x):
        ax.update_datalim([(left.min(), min(bottom.min(), 0)), (right.max(), max(top.max(), 0))])
        ax.autoscale_view()
    return patch
