"""The latency distribution: the empirical CDF of a metric's time per variant."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from smtpsim.plots.figure import (
    hue_colors,
    metric_column,
    metric_label,
    new_axes,
    one_point,
    require,
    time_scale,
)

__all__ = ["cdf"]


def cdf(df: pd.DataFrame, metric: str = "user", by: str = "variant", ax: Axes | None = None
        ) -> Figure:
    """The empirical CDF of the ``metric``'s time (``smtpsim.model.records.METRICS``) over
    the accepted messages, one step line per value of ``by`` (in order of first appearance,
    a variant in its fixed colour), labelled with its number of messages; the fraction of
    accepted messages at or under each time. It never pools: a frame with several profiles or
    sweep points raises ``ValueError`` (``one_point``; select one first, to compare like with
    like).

    A group without an accepted message keeps its legend entry (``n=0``) and draws nothing;
    a frame without any raises ``ValueError``, as a missing column does.
    """
    column = metric_column(metric)
    require(df, [by, "outcome", column], "cdf")
    one_point(df, [by], "cdf")
    ok = df[(df["outcome"] == "accepted") & df[column].notna()]
    if not len(ok):
        raise ValueError(f"cdf: no accepted message has a {column} time")
    factor, unit = time_scale(ok[column])
    figure, ax = new_axes(ax)
    for key, color in hue_colors(df, by).items():
        times = np.sort(ok.loc[ok[by] == key, column].to_numpy(dtype=float)) * factor
        n = len(times)
        # the ECDF is 0 left of the first time and k/n from the k-th: a vertical rise at the
        # first time, so even one message draws a visible line
        xs = np.r_[times[:1], times]
        ys = np.r_[0.0, np.arange(1, n + 1) / n] if n else np.empty(0)
        ax.step(xs, ys, where="post", color=color, label=f"{key} (n={n})")
    ax.set_xlabel(metric_label(metric, unit))
    ax.set_ylabel("fraction of accepted messages")
    ax.set_ylim(0.0, 1.02)
    ax.set_title(f"CDF of the {metric} time per {by}")
    ax.grid(True, alpha=0.3)
    ax.legend(title=by, loc="lower right")
    return figure
