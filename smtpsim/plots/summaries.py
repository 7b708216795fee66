"""Summaries with their confidence intervals (``smtpsim.analysis.statistics.summarize``):
grouped bars (profile × variant) and a metric along one sweep axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from smtpsim.analysis.statistics import QUANTILES, summarize
from smtpsim.plots.figure import (
    axis_label,
    hue_colors,
    metric_column,
    metric_label,
    new_axes,
    one_point,
    require,
    time_scale,
)

__all__ = ["STATISTICS", "bars", "line"]

#: The statistics a figure can show: ``summarize``'s mean (Student t interval) and its
#: quantiles (bootstrap percentile intervals).
STATISTICS = ("mean", *QUANTILES)


def _summary(df: pd.DataFrame, x: str, hue: str, metric: str, statistic: str,
             confidence: float, what: str) -> tuple[pd.DataFrame, float, str]:
    """``summarize`` by ``x`` and ``hue`` with the statistic as ``value``, ``low`` and
    ``high`` scaled to ms or s, the factor and the unit."""
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}; allowed: {', '.join(STATISTICS)}")
    require(df, [x, hue, "outcome", metric_column(metric)], what)
    one_point(df, [x, hue], what)
    table = summarize(df, by=[x, hue], metric=metric, confidence=confidence)
    stem = f"{statistic}_"
    if table[f"{stem}s"].isna().all():
        raise ValueError(f"{what}: no accepted message has a {metric_column(metric)} time")
    factor, unit = time_scale(table[f"{stem}s"])
    for part, column in (("value", f"{stem}s"), ("low", f"{stem}low_s"),
                         ("high", f"{stem}high_s")):
        table[part] = table[column].astype(float) * factor
    return table, factor, unit


def bars(df: pd.DataFrame, metric: str = "user", x: str = "profile", hue: str = "variant",
         statistic: str = "mean", confidence: float = 0.95, ax: Axes | None = None) -> Figure:
    """Grouped bars: per value of ``x`` (the groups, in order of first appearance) a bar per
    value of ``hue`` (a variant in its fixed colour), its height the ``statistic``
    (``STATISTICS``) of the ``metric``'s time over the accepted messages and its error bar
    the ``confidence`` interval, both from ``summarize(df, by=[x, hue])``. A bar whose group
    has no accepted message is missing (NaN); one with a single message has no error bar.

    Raises ``ValueError`` for a missing column, no accepted time at all, or a frame that
    holds several profiles or sweep points neither ``x`` nor ``hue`` shows (``one_point``).
    """
    table, _, unit = _summary(df, x, hue, metric, statistic, confidence, "bars")
    groups = list(pd.unique(table[x]))
    colors = hue_colors(table, hue)
    width = 0.8 / len(colors)
    figure, ax = new_axes(ax)
    positions = np.arange(len(groups), dtype=float)
    for j, (key, color) in enumerate(colors.items()):
        mine = table[table[hue] == key]
        rows = [mine[mine[x] == g] for g in groups]
        value = np.array([r["value"].iloc[0] if len(r) else np.nan for r in rows])
        low = np.array([r["low"].iloc[0] if len(r) else np.nan for r in rows])
        high = np.array([r["high"].iloc[0] if len(r) else np.nan for r in rows])
        offset = (j - (len(colors) - 1) / 2) * width
        ax.bar(positions + offset, value, width, color=color, label=str(key),
               yerr=np.vstack([value - low, high - value]), capsize=3,
               error_kw={"ecolor": "0.45", "elinewidth": 1.0})
    ax.set_xticks(positions, [str(g) for g in groups])
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(f"{statistic} {metric_label(metric, unit)}")
    ax.set_title(f"{statistic} {metric} time by {x} and {hue} "
                 f"({confidence:.0%} confidence intervals)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title=hue)
    return figure


def line(df: pd.DataFrame, x: str, metric: str = "user", hue: str = "variant",
         statistic: str = "mean", confidence: float = 0.95, ax: Axes | None = None) -> Figure:
    """The ``statistic`` (``STATISTICS``) of the ``metric``'s time along the sweep axis (or
    any column) ``x``, a line with markers per value of ``hue`` (a variant in its fixed
    colour) in increasing ``x``, and a band for its ``confidence`` interval, from
    ``summarize(df, by=[x, hue])``. A single ``x`` value draws a marker; an interval needs
    two accepted messages (no band otherwise).

    Raises ``ValueError`` as ``bars`` does.
    """
    table, _, unit = _summary(df, x, hue, metric, statistic, confidence, "line")
    table = table.sort_values(x, kind="stable")
    figure, ax = new_axes(ax)
    for key, color in hue_colors(df, hue).items():
        mine = table[table[hue] == key]
        ax.plot(mine[x], mine["value"], marker="o", color=color, label=str(key))
        ax.fill_between(mine[x], mine["low"].to_numpy(), mine["high"].to_numpy(),
                        color=color, alpha=0.2, linewidth=0)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(f"{statistic} {metric_label(metric, unit)}")
    ax.set_title(f"{statistic} {metric} time along {x} "
                 f"({confidence:.0%} confidence bands)")
    ax.grid(True, alpha=0.3)
    ax.legend(title=hue)
    return figure
