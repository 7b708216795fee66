"""What every figure shares: its axes, its labels with units, the checks on its frame."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from smtpsim.analysis.statistics import sweep_axes
from smtpsim.model.records import METRICS
from smtpsim.plots.palette import OKABE_ITO, variant_colors

__all__ = [
    "axis_label", "hue_colors", "metric_column", "metric_label", "new_axes", "one_point",
    "require", "time_scale",
]

#: What each metric's time is, for labels (``smtpsim.model.records.METRICS``).
METRIC_NAMES: dict[str, str] = {
    "accept": "time to the final 250",
    "done": "time to accepted and saved",
    "user": 'time until the user is told "sent"',
    "occupancy": "server occupancy",
}

#: Units of the sweep axis and record columns by the end of their name.
_UNITS: tuple[tuple[str, str], ...] = (
    ("_per_s", "1/s"), ("_kbps", "kbit/s"), ("_bytes", "bytes"), ("_ms", "ms"),
    ("_s", "s"), ("size", "bytes"), ("affinity", "probability"), ("loss", "probability"),
    ("recipients", "count"), ("frontends", "count"), ("clients", "count"),
    ("messages", "count"), ("workers", "count"), ("iw", "segments"), ("mss", "bytes"),
)


def new_axes(ax: Axes | None) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure with one axes (not shown, not kept by
    pyplot's figure manager beyond the caller's reference once closed)."""
    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):  # a SubFigure: draw there, return the top figure
            figure = figure.figure if figure is not None else plt.figure()
        return figure, ax
    figure, axes = plt.subplots(figsize=(7.0, 4.5), layout="constrained")
    return figure, axes


def time_scale(seconds: Iterable[float]) -> tuple[float, str]:
    """``(factor, unit)`` to show times given in seconds: milliseconds when the largest
    finite magnitude is under one second (or there is none), else seconds."""
    values = np.abs(np.asarray(list(seconds), dtype=float))
    values = values[np.isfinite(values)]
    largest = float(values.max()) if len(values) else 0.0
    return (1000.0, "ms") if largest < 1.0 else (1.0, "s")


def metric_label(metric: str, unit: str) -> str:
    """``user time until the user is told "sent" (ms)``: the metric, what it is, its unit."""
    return f"{metric}: {METRIC_NAMES.get(metric, metric)} ({unit})"


def axis_label(column: str) -> str:
    """A column's name with its unit when the name says it (``workload.size_bytes
    (bytes)``, ``profile.up_kbps (kbit/s)``, ``server.farm.affinity (probability)``)."""
    last = column.rsplit(".", 1)[-1]
    for end, unit in _UNITS:
        if last.endswith(end):
            return f"{column} ({unit})"
    return column


def require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise ``ValueError`` naming the columns ``what`` (a figure's name) needs and ``df``
    lacks, or when ``df`` has no row."""
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(missing)}")
    if not len(df):
        raise ValueError(f"{what}: the frame has no rows")


def metric_column(metric: str) -> str:
    """The record column of ``metric``; ``ValueError`` naming the allowed ones."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    return METRICS[metric]



def one_point(df: pd.DataFrame, shown: Sequence[str], what: str) -> None:
    """Raise ``ValueError`` when ``df`` holds several profiles or sweep points that the
    figure would pool (``profile`` and the sweep axes not among ``shown``), naming them and
    their values: a figure compares like with like, as ``summarize`` never pools two sweep
    points."""
    pooled = [c for c in ["profile", *sweep_axes(df)] if c in df.columns and c not in shown]
    several = {c: list(pd.unique(df[c])) for c in pooled if df[c].nunique(dropna=False) > 1}
    if several:
        names = "; ".join(f"{c} = {', '.join(map(str, v))}" for c, v in several.items())
        raise ValueError(f"{what} would pool {names}: select one value of each "
                         "(df[df[column] == value]) or show it on an axis")


def hue_colors(df: pd.DataFrame, hue: str) -> dict[object, str]:
    """A colour per value of ``hue`` in order of first appearance: the variants' fixed
    colours (``palette.variant_colors``) when ``hue`` is ``variant``, else Okabe and Ito's
    colours in turn."""
    keys = list(pd.unique(df[hue]))
    if hue == "variant":
        fixed = variant_colors(str(k) for k in keys)
        return {k: fixed[str(k)] for k in keys}
    cycle = list(OKABE_ITO.values())
    return {k: cycle[i % len(cycle)] for i, k in enumerate(keys)}
