"""Summaries with confidence intervals, and paired comparisons against a reference variant.

Works on the tidy per-message frame alone (``smtpsim.api.simulate``, ``run_scenario``, or the
same records read back from Parquet or CSV); it never runs the simulator.

``summarize`` groups by every sweep axis present, the profile and the variant (so two sweep
points are never pooled), or by any columns the caller names. ``compare`` pairs each message
of a variant with the same message of the reference variant: the runs of one profile, sweep
point, seed and replication share their network randomness (common random numbers), so the
paired difference has far less variance than the difference of two independent means.

The estimators are the textbook ones, computed by scipy:

* the mean's interval is Student's t: ``mean ± t_{(1+c)/2, n-1} · s / √n`` with ``s`` the
  sample standard deviation (``scipy.stats.t.ppf``);
* a quantile is numpy's default (linear interpolation, what pandas' ``quantile`` gives), and
  its interval the bootstrap percentile interval (``scipy.stats.bootstrap``,
  ``method="percentile"``) over the group's sorted values with a seed derived from the
  group's key, so the same rows, in any order, always give the same intervals.

An interval needs two accepted values; with fewer it is NaN (never a zero-width interval).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from smtpsim.model.records import METRICS, ROUND_TRIPS

__all__ = [
    "COMPARE_COLUMNS", "QUANTILES", "STATISTICS_COLUMNS", "compare", "default_groups",
    "mean_interval", "quantile_intervals", "summarize", "sweep_axes",
]  # fmt: skip

#: The quantiles ``summarize`` reports: column stem -> probability.
QUANTILES: dict[str, float] = {"median": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}

#: ``summarize``'s columns after the group's keys.
STATISTICS_COLUMNS: list[str] = [
    "n", "accepted", "failed",
    "mean_s", "mean_low_s", "mean_high_s",
    *(f"{stem}{part}_s" for stem in QUANTILES for part in ("", "_low", "_high")),
    "mean_rtt", "bytes_per_message", "packets_per_message",
]  # fmt: skip

#: ``compare``'s columns after the group's keys.
COMPARE_COLUMNS: list[str] = [
    "reference", "pairs", "unpaired",
    "mean_s", "reference_mean_s",
    "diff_s", "diff_low_s", "diff_high_s",
    "ratio",
    "rtt_saved", "rtt_saved_low", "rtt_saved_high",
]  # fmt: skip

#: The columns that name one message of one run, apart from the variant: the runs of all
#: variants of one profile, sweep point, seed and replication share their randomness.
_MESSAGE_KEY = ("scenario", "point", "profile", "seed", "replication", "client", "message")

#: Bootstrap resamples per group (scipy's default).
RESAMPLES = 9999


def sweep_axes(df: pd.DataFrame) -> list[str]:
    """The sweep axis columns of a scenario frame: those between ``point`` and ``profile``
    (``smtpsim.execution.columns.record_schema``); none when either is missing."""
    cols = list(df.columns)
    if "point" not in cols or "profile" not in cols:
        return []
    start, stop = cols.index("point"), cols.index("profile")
    return cols[start + 1:stop] if start < stop else []


def default_groups(df: pd.DataFrame) -> list[str]:
    """Every sweep axis present, then ``profile`` and ``variant`` when present."""
    return sweep_axes(df) + [c for c in ("profile", "variant") if c in df.columns]


def mean_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95
                  ) -> tuple[float, float, float]:
    """``(mean, low, high)``: the sample mean and its Student t interval
    ``mean ± t.ppf((1 + confidence) / 2, n - 1) · s / √n`` (``s`` with ``ddof=1``); the
    interval is NaN with fewer than two values, the mean too with none."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    t = float(stats.t.ppf((1 + confidence) / 2, len(x) - 1))
    half = t * float(x.std(ddof=1)) / math.sqrt(len(x))
    return mean, mean - half, mean + half


def quantile_intervals(values: Sequence[float] | np.ndarray, probabilities: Sequence[float],
                       confidence: float = 0.95, seed: int = 0, resamples: int = RESAMPLES
                       ) -> list[tuple[float, float, float]]:
    """``(quantile, low, high)`` per probability: numpy's linear-interpolation quantile and
    its bootstrap percentile interval (``scipy.stats.bootstrap``, ``rng`` seeded with
    ``seed``); NaN interval with fewer than two values, NaN throughout with none."""
    x = np.asarray(values, dtype=float)
    qs = list(probabilities)
    if len(x) == 0:
        return [(math.nan, math.nan, math.nan) for _ in qs]
    point = np.quantile(x, qs)
    if len(x) < 2:
        return [(float(p), math.nan, math.nan) for p in point]

    def statistic(sample: np.ndarray, axis: int) -> np.ndarray:
        return np.quantile(sample, qs, axis=axis)

    ci = stats.bootstrap((x,), statistic, confidence_level=confidence, n_resamples=resamples,
                         method="percentile", rng=np.random.default_rng(seed)).confidence_interval
    return [(float(p), float(lo), float(hi))
            for p, lo, hi in zip(point, np.atleast_1d(ci.low), np.atleast_1d(ci.high), strict=True)]


def group_seed(key: tuple[Hashable, ...]) -> int:
    """A seed that depends only on the group's key values (not on the order of the groups
    nor on the Python process): the first 8 bytes of the SHA-256 of their text."""
    text = "\x1f".join(_plain(v) for v in key)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _plain(value: Hashable) -> str:
    """A key value as text, numpy scalars as their Python value (``1.0``, not
    ``np.float64(1.0)``)."""
    item = getattr(value, "item", None)
    return repr(item() if callable(item) else value)


def summarize(df: pd.DataFrame, by: Sequence[str] | None = None, metric: str = "user",
              reference: str = "baseline", confidence: float = 0.95,
              resamples: int = RESAMPLES) -> pd.DataFrame:
    """One row per group of ``by`` (default ``default_groups``: the sweep axes, profile and
    variant), in the order the groups first appear, with the group's columns then
    ``STATISTICS_COLUMNS``:

    * ``n`` rows, ``accepted`` rows whose ``outcome`` is ``"accepted"``, ``failed`` the rest;
    * ``mean_s`` and its t interval ``mean_low_s``/``mean_high_s``, then ``median``, ``p90``,
      ``p95``, ``p99`` (``_s``, ``_low_s``, ``_high_s``) with bootstrap percentile intervals,
      of the ``metric``'s time (a key of ``METRICS``) over the accepted rows (NaN times of
      accepted rows dropped) at level ``confidence``;
    * ``mean_rtt`` the mean round trips on the metric's critical path (NaN for
      ``occupancy``), ``bytes_per_message`` the mean of ``bytes_up + bytes_down`` and
      ``packets_per_message`` of ``packets_up + packets_down``, over the same accepted rows
      (NaN when the frame lacks those columns).

    ``reference`` is not used by the figures; it is kept in ``attrs["reference"]`` beside
    ``attrs["metric"]`` and ``attrs["confidence"]`` for the tables and ``compare``. Raises
    ``ValueError`` for an unknown metric, a confidence outside (0, 1) or a missing column.
    """
    column, rtt = _metric_columns(metric)
    groups = list(default_groups(df) if by is None else by)
    _check(df, [*groups, "outcome", column], confidence)
    rows: list[dict[str, Any]] = []
    for key, group in _groups(df, groups):
        ok = group[group["outcome"] == "accepted"]
        times = np.sort(ok[column].astype(float).dropna().to_numpy())  # row order never counts
        row: dict[str, Any] = dict(zip(groups, key, strict=True))
        row |= {"n": len(group), "accepted": len(ok), "failed": len(group) - len(ok)}
        row["mean_s"], row["mean_low_s"], row["mean_high_s"] = mean_interval(times, confidence)
        estimates = quantile_intervals(times, list(QUANTILES.values()), confidence,
                                       group_seed(key), resamples)
        for stem, (value, low, high) in zip(QUANTILES, estimates, strict=True):
            row[f"{stem}_s"], row[f"{stem}_low_s"], row[f"{stem}_high_s"] = value, low, high
        row["mean_rtt"] = _mean(ok, [rtt]) if rtt else math.nan
        row["bytes_per_message"] = _mean(ok, ["bytes_up", "bytes_down"])
        row["packets_per_message"] = _mean(ok, ["packets_up", "packets_down"])
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*groups, *STATISTICS_COLUMNS])
    for col in ("n", "accepted", "failed"):
        out[col] = out[col].astype("int64")
    out.attrs.update(metric=metric, reference=reference, confidence=confidence)
    return out


def compare(df: pd.DataFrame, reference: str = "baseline", by: Sequence[str] | None = None,
            metric: str = "user", confidence: float = 0.95) -> pd.DataFrame:
    """Each variant against ``reference``, message by message: one row per group of ``by``
    (default ``default_groups``; ``variant`` is added when missing) other than the reference
    variant's, with the group's columns then ``COMPARE_COLUMNS``.

    A message of the variant is paired with the reference's message that has the same
    ``scenario``, ``point``, ``profile``, ``seed``, ``replication``, ``client`` and
    ``message`` (those of the columns present) and the same values of ``by``; a pair counts
    when both were accepted with a time. ``pairs`` is their number, ``unpaired`` the
    variant's rows that are not in one (no partner, or either side not accepted).

    * ``mean_s``/``reference_mean_s``: the two means over the pairs;
    * ``diff_s`` = mean of (variant − reference), negative when the variant is faster, with
      its t interval ``diff_low_s``/``diff_high_s`` (``mean_interval`` of the differences);
    * ``ratio`` = ``mean_s / reference_mean_s`` (NaN when that is zero);
    * ``rtt_saved`` = mean of (reference − variant) round trips on the metric's critical
      path, positive when the variant saves round trips, with its t interval (NaN for
      ``occupancy``).

    Raises ``ValueError`` as ``summarize`` does, or when ``reference`` is not a variant of
    ``df``.
    """
    column, rtt = _metric_columns(metric)
    groups = list(default_groups(df) if by is None else by)
    if "variant" not in groups:
        groups.append("variant")
    _check(df, [*groups, "outcome", column], confidence)
    if not (df["variant"] == reference).any():
        raise ValueError(f"reference variant {reference!r} is not in the frame")
    match = [c for c in _MESSAGE_KEY if c in df.columns]
    match += [c for c in groups if c not in match and c != "variant"]
    if rtt is not None and rtt not in df.columns:
        rtt = None  # a frame without round trips: rtt_saved is NaN, as summarize's mean_rtt
    values = [column] + ([rtt] if rtt else [])
    ok = df[(df["outcome"] == "accepted") & df[column].notna()]
    base = ok[ok["variant"] == reference][match + values]
    if base.duplicated(match).any():
        raise ValueError(f"the reference's messages are not unique by {', '.join(match)}")
    base = base.rename(columns={c: f"{c}__ref" for c in values})

    rows: list[dict[str, Any]] = []
    for key, group in _groups(df[df["variant"] != reference], groups):
        accepted = group[(group["outcome"] == "accepted") & group[column].notna()]
        paired = accepted[match + values].merge(base, on=match, how="inner", validate="1:1")
        x = paired[column].astype(float).to_numpy()
        ref = paired[f"{column}__ref"].astype(float).to_numpy()
        row: dict[str, Any] = dict(zip(groups, key, strict=True))
        row |= {"reference": reference, "pairs": len(paired),
                "unpaired": len(group) - len(paired)}
        row["mean_s"] = float(x.mean()) if len(x) else math.nan
        row["reference_mean_s"] = float(ref.mean()) if len(ref) else math.nan
        row["diff_s"], row["diff_low_s"], row["diff_high_s"] = mean_interval(x - ref, confidence)
        row["ratio"] = (row["mean_s"] / row["reference_mean_s"]
                        if len(x) and row["reference_mean_s"] != 0 else math.nan)
        if rtt:
            saved = (paired[f"{rtt}__ref"].astype(float) - paired[rtt].astype(float)).to_numpy()
            row["rtt_saved"], row["rtt_saved_low"], row["rtt_saved_high"] = mean_interval(
                saved, confidence)
        else:
            row["rtt_saved"] = row["rtt_saved_low"] = row["rtt_saved_high"] = math.nan
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*groups, *COMPARE_COLUMNS])
    for col in ("pairs", "unpaired"):
        out[col] = out[col].astype("int64")
    out.attrs.update(metric=metric, reference=reference, confidence=confidence)
    return out


def _metric_columns(metric: str) -> tuple[str, str | None]:
    if metric not in METRICS:
        raise ValueError(f"unknown summary metric {metric!r}; allowed: {', '.join(METRICS)}")
    return METRICS[metric], ROUND_TRIPS.get(metric)


def _check(df: pd.DataFrame, needed: Sequence[str], confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        raise ValueError(f"summary needs columns {', '.join(missing)}")


def _groups(df: pd.DataFrame, groups: list[str]
            ) -> list[tuple[tuple[Hashable, ...], pd.DataFrame]]:
    """``(key, rows)`` per group, in order of first appearance; one group of every row when
    ``groups`` is empty (none when ``df`` is)."""
    if not groups:
        return [((), df)] if len(df) else []
    return [(key if isinstance(key, tuple) else (key,), rows)
            for key, rows in df.groupby(groups, sort=False, dropna=False)]


def _mean(rows: pd.DataFrame, cols: list[str]) -> float:
    """The mean over ``rows`` of the sum of ``cols``; NaN without rows or a column."""
    if not len(rows) or any(c not in rows.columns for c in cols):
        return math.nan
    return float(rows[cols].astype(float).sum(axis=1).mean())
