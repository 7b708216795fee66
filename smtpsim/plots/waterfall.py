"""Where the time goes: the mean phase durations per variant as stacked bars
(``smtpsim.analysis.phases``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from smtpsim.analysis.phases import phases as phase_table
from smtpsim.model.records import PHASES
from smtpsim.plots.figure import new_axes, one_point, require, time_scale

__all__ = ["PHASE_COLORS", "phases"]

#: A colour per phase, in time order: viridis (perceptually uniform, readable with the common
#: colour-vision deficiencies; van der Walt and Smith, matplotlib 2.0) at nine even steps, so
#: that no phase looks like a variant's colour.
PHASE_COLORS: dict[str, str] = {
    name: "#{:02X}{:02X}{:02X}".format(*(round(255 * c) for c in rgba[:3]))
    for name, rgba in zip(PHASES, colormaps["viridis"](np.linspace(0.0, 1.0, len(PHASES))),
                          strict=True)
}


def phases(df: pd.DataFrame, by: str = "variant", ax: Axes | None = None) -> Figure:
    """A horizontal bar per value of ``by`` (top to bottom in order of first appearance,
    labelled with its accepted messages ``n``), made of its phases' mean durations over the
    accepted messages in time order (save, connect, greeting, tls, ehlo, auth, envelope,
    data, quit), each phase in its ``PHASE_COLORS`` colour, the mean ``close_s`` written at
    its end. A phase that takes no time in any group is left out of the bars and the
    legend; a group without an accepted message draws no bar.

    Raises ``ValueError`` for a missing column, no accepted message at all, or several
    profiles or sweep points ``by`` does not show (``one_point``).
    """
    require(df, [by, "outcome"], "phases")
    one_point(df, [by], "phases")
    table = phase_table(df, by=[by])
    if not (table["n"] > 0).any():
        raise ValueError("phases: no accepted message in the frame")
    groups = list(pd.unique(table[by]))
    means = table.pivot(index=by, columns="phase", values="mean_s").reindex(
        index=groups, columns=list(PHASES))
    totals = means.sum(axis=1, min_count=1)
    factor, unit = time_scale(totals)
    counts = table.groupby(by, sort=False)["n"].first().reindex(groups)
    figure, ax = new_axes(ax)
    positions = np.arange(len(groups), dtype=float)
    left = np.zeros(len(groups))
    for name in PHASES:
        width = means[name].to_numpy(dtype=float) * factor
        if not np.nansum(np.abs(width)):
            continue
        ax.barh(positions, width, left=left, color=PHASE_COLORS[name], label=name,
                edgecolor="white", linewidth=0.5)
        left = left + np.nan_to_num(width)
    for y, total in zip(positions, totals.to_numpy(dtype=float) * factor, strict=True):
        if not np.isnan(total):
            ax.text(total, y, f" {total:.3g} {unit}", va="center", ha="left")
    ax.set_yticks(positions, [f"{g} (n={n})" for g, n in zip(groups, counts, strict=True)])
    ax.invert_yaxis()
    ax.margins(x=0.12)
    ax.set_xlabel(f"mean time from the first SYN ({unit}), accepted messages")
    ax.set_ylabel(by)
    ax.set_title(f"Where the time goes: mean phase durations per {by}")
    ax.legend(title="phase", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return figure
