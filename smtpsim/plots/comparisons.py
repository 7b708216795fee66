"""A variant against the reference: the paired saving over two axes
(``smtpsim.analysis.statistics.compare``) and the break-even map
(``smtpsim.analysis.breakeven``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from smtpsim.analysis.breakeven import breakeven
from smtpsim.analysis.statistics import compare
from smtpsim.plots.figure import (
    axis_label,
    metric_column,
    new_axes,
    one_point,
    require,
    time_scale,
)
from smtpsim.plots.palette import variant_colors

__all__ = ["breakeven_map", "heatmap"]


def heatmap(df: pd.DataFrame, x: str, y: str, variant: str, reference: str = "baseline",
            metric: str = "user", ax: Axes | None = None) -> Figure:
    """The mean time ``variant`` saves against ``reference`` (``−diff_s`` of
    ``compare(df, reference, by=[y, x, "variant"])``: positive when the variant is faster,
    paired message by message) in a cell per value of ``x`` and ``y`` (increasing), each
    cell annotated with its value, ``–`` where no message pair exists. The diverging map
    (ColorBrewer's RdBu: blue saves, red costs) is centred on zero; the colour bar is the
    legend.

    Raises ``ValueError`` for a missing column or variant, no pair at all, or several
    profiles or sweep points neither axis shows (``one_point``).
    """
    column = metric_column(metric)
    require(df, [x, y, "variant", "outcome", column], "heatmap")
    one_point(df, [x, y, "variant"], "heatmap")
    if not (df["variant"] == variant).any():
        raise ValueError(f"heatmap: variant {variant!r} is not in the frame")
    rows = df[df["variant"].isin([variant, reference])]
    paired = compare(rows, reference=reference, by=[y, x, "variant"], metric=metric)
    paired = paired[(paired["variant"] == variant) & (paired["pairs"] > 0)]
    if not len(paired):
        raise ValueError(f"heatmap: no message of {variant!r} pairs with one of {reference!r}")
    xs = sorted(pd.unique(df[x]))
    ys = sorted(pd.unique(df[y]))
    grid = np.full((len(ys), len(xs)), np.nan)
    for xv, yv, diff in zip(paired[x], paired[y], paired["diff_s"], strict=True):
        grid[ys.index(yv), xs.index(xv)] = -float(diff)
    factor, unit = time_scale(grid.ravel())
    grid = grid * factor
    finite = np.abs(grid[np.isfinite(grid)])
    limit = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    figure, ax = new_axes(ax)
    image = ax.imshow(grid, cmap="RdBu", vmin=-limit, vmax=limit, origin="lower",
                      aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        text = "–" if np.isnan(value) else f"{value:.3g}"
        dark = not np.isnan(value) and abs(value) > 0.6 * limit
        ax.text(j, i, text, ha="center", va="center", color="white" if dark else "black")
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.set_title(f"{variant} against {reference}: mean {metric} time saved ({unit}), paired")
    figure.colorbar(image, ax=ax, label=f"{metric} time saved ({unit}); > 0: {variant} faster")
    return figure


def breakeven_map(df: pd.DataFrame, x: str, axis: str = "size",
                  variant: str | Sequence[str] = "burl", reference: str = "baseline",
                  metric: str = "user", ax: Axes | None = None) -> Figure:
    """The break-even value of ``axis`` (``smtpsim.analysis.breakeven.breakeven``: where the
    variant's mean paired ``metric`` time starts to beat the reference's) against ``x``, for
    example the message size at which BURL pays per uplink rate
    (``x="profile.up_kbps", axis="workload.size_bytes"``). One line per variant in its fixed
    colour through its break-even points (none without one), marked ``^`` where the variant
    is faster above the line and ``v`` where it is faster below; an ``x`` value without a
    break-even is marked at the edge of the axis range: a hollow ``v`` at the lowest
    ``axis`` value when the variant is faster at every value, a hollow ``^`` at the highest
    when it is faster at none.

    Raises ``ValueError`` for a missing column or variant, no ``x`` value with a pair, or
    several profiles or sweep points neither ``x`` nor ``axis`` shows (``one_point``).
    """
    names = [variant] if isinstance(variant, str) else list(variant)
    require(df, [x, axis, "variant", "outcome", metric_column(metric)], "breakeven_map")
    one_point(df, [x, axis, "variant"], "breakeven_map")
    tables = {v: breakeven(df, v, reference, axis, by=[x], metric=metric) for v in names}
    if all((t["variant_wins"] == "unknown").all() for t in tables.values()):
        raise ValueError(f"breakeven_map: no {x} value has a message of "
                         f"{', '.join(map(repr, names))} paired with one of {reference!r}")
    low, high = float(df[axis].min()), float(df[axis].max())
    colors = variant_colors(names)
    figure, ax = new_axes(ax)
    for name, table in tables.items():
        table = table.sort_values(x, kind="stable")
        color = colors[name]
        found = table[table["breakeven"].notna()]
        if len(found):
            ax.plot(found[x], found["breakeven"], color=color, label=f"{name}: break-even")
        for wins, marker, text in (("above", "^", "faster above"), ("below", "v",
                                                                    "faster below")):
            at = found[found["variant_wins"] == wins]
            if len(at):
                ax.scatter(at[x], at["breakeven"], marker=marker, color=color,
                           label=f"{name} {text}")
        for wins, marker, edge, text in (("everywhere", "v", low, "faster at every value"),
                                         ("nowhere", "^", high, "faster at no value")):
            at = table[table["variant_wins"] == wins]
            if len(at):
                ax.scatter(at[x], [edge] * len(at), marker=marker, facecolors="none",
                           edgecolors=color, label=f"{name} {text}")
    if high > low:
        pad = 0.05 * (high - low)
        ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(f"break-even {axis_label(axis)}")
    ax.set_title(f"Break-even {axis} against {reference} ({metric} time, paired means)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return figure
