"""Break-even: where along a numeric axis a variant starts to beat the reference.

Works on the per-message frame alone. At each value of the axis (a record column such as
``size``, or a sweep axis column named by its key path, ``workload.size_bytes``,
``profile.up_kbps``: ``smtpsim.execution.columns.record_schema``) the variant's messages are
paired with the reference's (``smtpsim.analysis.statistics.compare``: same scenario, sweep
point, profile, seed, replication, client and message) and the mean paired difference
``d = mean(variant − reference)`` taken; the variant beats the reference where ``d < 0``.

Between two neighbouring axis values ``x₀ < x₁`` where it beats at one and not at the other,
the break-even is the zero of the straight line through ``(x₀, d₀)`` and ``(x₁, d₁)``:
``x₀ + (x₁ − x₀) · d₀ / (d₀ − d₁)`` (linear interpolation; ``d₀ ≠ d₁`` since exactly one of
them is negative). The first such change along the axis is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from smtpsim.analysis.statistics import _groups, compare, default_groups

__all__ = ["BREAKEVEN_COLUMNS", "WINS", "breakeven", "crossing"]

#: ``breakeven``'s columns after the group's keys.
BREAKEVEN_COLUMNS: list[str] = [
    "variant", "reference", "breakeven", "variant_wins", "crossings", "points",
]  # fmt: skip

#: ``variant_wins``: ``above`` the break-even (the reference wins below it), ``below`` it,
#: ``everywhere`` (at every axis value: no break-even), ``nowhere`` (at none), ``unknown``
#: (no axis value with a pair).
WINS = ("above", "below", "everywhere", "nowhere", "unknown")


def crossing(x: Sequence[float] | np.ndarray, d: Sequence[float] | np.ndarray
             ) -> tuple[float, str, int]:
    """``(breakeven, variant_wins, crossings)`` of the mean differences ``d`` at the
    increasing axis values ``x`` (NaN differences left out): the first place where ``d < 0``
    starts or stops holding, interpolated linearly, with ``"above"`` when it starts there
    (the variant wins above it) and ``"below"`` when it stops; NaN with ``"everywhere"`` or
    ``"nowhere"`` when it never changes, ``"unknown"`` without a value. ``crossings`` counts
    the changes (more than one: the difference changes sign back and forth)."""
    xs = np.asarray(x, dtype=float)
    ds = np.asarray(d, dtype=float)
    keep = ~np.isnan(ds)
    xs, ds = xs[keep], ds[keep]
    if len(xs) == 0:
        return math.nan, "unknown", 0
    beats = ds < 0
    changes = np.flatnonzero(beats[1:] != beats[:-1])
    if len(changes) == 0:
        return math.nan, ("everywhere" if beats[0] else "nowhere"), 0
    i = int(changes[0])
    x0, x1, d0, d1 = xs[i], xs[i + 1], ds[i], ds[i + 1]
    at = float(x0 + (x1 - x0) * d0 / (d0 - d1))
    return at, ("above" if beats[i + 1] else "below"), len(changes)


def breakeven(df: pd.DataFrame, variant: str, reference: str = "baseline", axis: str = "size",
              by: Sequence[str] | None = None, metric: str = "user") -> pd.DataFrame:
    """One row per group of ``by`` (default: the frame's sweep axes and ``profile``, less
    ``axis``), in order of first appearance, with the group's columns then
    ``BREAKEVEN_COLUMNS``: the ``variant`` and ``reference``; ``breakeven`` the value of the
    numeric column ``axis`` where the mean paired difference of the ``metric``'s time
    (``compare``'s ``diff_s``) changes sign (``crossing``: NaN when it never does);
    ``variant_wins`` which side of it the variant is faster on (``WINS``); ``crossings``
    how many sign changes there are; ``points`` the axis values with at least one pair.

    Raises ``ValueError`` for a missing column, a non-numeric axis, ``axis`` among ``by``,
    a variant or reference the frame lacks, and as ``compare`` does.
    """
    groups = [c for c in (default_groups(df) if by is None else by) if c != "variant"]
    if by is None:
        groups = [c for c in groups if c != axis]
    if axis in groups:
        raise ValueError(f"breakeven: the axis {axis!r} cannot also be a group column")
    if axis not in df.columns:
        raise ValueError(f"breakeven needs the axis column {axis}")
    if not pd.api.types.is_numeric_dtype(df[axis]) or pd.api.types.is_bool_dtype(df[axis]):
        raise ValueError(f"breakeven: the axis {axis!r} is not numeric")
    if "variant" not in df.columns or not (df["variant"] == variant).any():
        raise ValueError(f"breakeven: variant {variant!r} is not in the frame")
    rows = df[df["variant"].isin([variant, reference])]
    diffs = compare(rows, reference=reference, by=[*groups, axis, "variant"], metric=metric)
    diffs = diffs[(diffs["variant"] == variant) & (diffs["pairs"] > 0)]
    out: list[dict[str, Any]] = []
    for key, _ in _groups(df[df["variant"] == variant], groups):
        mine = diffs
        for column, value in zip(groups, key, strict=True):
            mine = mine[_same(mine[column], value)]
        mine = mine.sort_values(axis)
        at, wins, changes = crossing(mine[axis].to_numpy(), mine["diff_s"].to_numpy())
        row: dict[str, Any] = dict(zip(groups, key, strict=True))
        row |= {"variant": variant, "reference": reference, "breakeven": at,
                "variant_wins": wins, "crossings": changes, "points": len(mine)}
        out.append(row)
    result = pd.DataFrame(out, columns=[*groups, *BREAKEVEN_COLUMNS])
    for column in ("crossings", "points"):
        result[column] = result[column].astype("int64")
    result.attrs.update(metric=metric, reference=reference, axis=axis)
    return result


def _same(column: pd.Series, value: Any) -> pd.Series:
    """Where ``column`` equals ``value``, a NaN key matching NaN (as ``groupby`` with
    ``dropna=False`` groups them)."""
    if isinstance(value, float) and math.isnan(value):
        return column.isna()
    return column == value
