"""Drawing helpers shared by the chart families."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection


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
) -> PolyCollection:
    """Vertical bars as ONE collection instead of one Rectangle artist per bar.

    `Axes.bar` adds an artist per bar and recomputes the data limits each time; a year of
    days or 20 panels of 24 hours took seconds. One collection draws the same picture (and
    carries one hatch, one legend entry) in a few milliseconds.
    """
    x = np.asarray(x, dtype=float)
    heights = np.asarray(heights, dtype=float)
    bottom = np.zeros_like(heights) if bottom is None else np.asarray(bottom, dtype=float)
    # Zero-height bars would still draw their outline as a stray line across the stack.
    drawn = heights != 0
    x, heights, bottom = x[drawn], heights[drawn], bottom[drawn]
    left, right = x - width / 2, x + width / 2
    top = bottom + heights
    vertices = np.stack(
        [
            np.column_stack([left, bottom]),
            np.column_stack([left, top]),
            np.column_stack([right, top]),
            np.column_stack([right, bottom]),
        ],
        axis=1,
    )
    collection = PolyCollection(
        vertices,
        facecolors=color,
        edgecolors=edgecolor,
        linewidths=linewidth,
        hatch=hatch or None,
        label=label,
        zorder=zorder,
    )
    # Bars stand on zero: autoscaling must not add a margin below it.
    collection.sticky_edges.y.append(0)
    ax.add_collection(collection, autolim=False)
    if len(x):
        corners = np.array(
            [[left.min(), min(bottom.min(), top.min(), 0)], [right.max(), top.max()]]
        )
        ax.update_datalim(corners)
        ax.autoscale_view()
    return collection
