"""Per (profile, variant) summaries of the per-message DataFrame.

Works on the tidy frame alone (one row per message, as ``smtpsim.api.simulate`` returns it);
it never runs the simulator.
"""

from __future__ import annotations

import math

import pandas as pd

from smtpsim.analysis.statistics import sweep_axes
from smtpsim.model.records import METRICS, ROUND_TRIPS

__all__ = ["METRICS", "SUMMARY_COLUMNS", "summarize"]

SUMMARY_COLUMNS: list[str] = [
    "profile",
    "variant",
    "n",
    "accepted",
    "failed",
    "median_s",
    "p95_s",
    "mean_rtt",
    "median_occupancy_s",
    "ratio",
]


def summarize(df: pd.DataFrame, reference: str = "baseline", metric: str = "done") -> pd.DataFrame:
    """One row per (profile, variant), in the order each profile and then each variant first
    appears in ``df`` (profile-major); for the frame of a sweep, per sweep point too: the
    axis columns (``statistics.sweep_axes``) come first and two points are never pooled. It
    summarises the time ``metric`` names: a key of
    ``METRICS`` (``accept``, ``done``, ``user`` or ``occupancy``), read from that column
    (``accept_s``, ``done_s``, ``user_s`` or ``occupancy_s``). The default, ``done``, counts
    the save to Sent of a send-and-save variant, so ``baseline+save`` and ``burl`` compare
    on the whole operation. The result's ``attrs["metric"]`` is ``metric``.

    Columns (``SUMMARY_COLUMNS``):

    * ``n`` rows in the group; ``accepted`` rows whose ``outcome`` is ``"accepted"``;
      ``failed`` every other row (``n - accepted``): failures are counted, never dropped.
    * ``median_s``, ``p95_s``: median and 95th percentile (linear interpolation, pandas'
      default) of the metric's column over the accepted rows, in seconds; NaN if none
      (pandas skips a NaN time of an accepted row).
    * ``mean_rtt``: mean of the metric's round trips (``ROUND_TRIPS``: ``rtt_accept``,
      ``rtt_done`` or ``rtt_user``, the client -> server -> client turns on the critical path
      to that time) over the same accepted rows, so it describes the sessions the latency
      figures describe; NaN for ``occupancy``, which has no such path.
    * ``median_occupancy_s``: median of ``occupancy_s`` (how long the server held the
      connection) over the same accepted rows, the server's cost beside the user's time; NaN
      when the frame has no ``occupancy_s``.
    * ``ratio``: ``median_s`` divided by the ``median_s`` of the ``reference`` variant on
      the same profile (the same metric); NaN when that reference is absent, has no accepted
      row, or has a median of zero.

    Raises ``ValueError`` for a ``metric`` not in ``METRICS`` (naming the allowed ones) or
    if a needed column (``profile``, ``variant``, ``outcome``, the metric's time and round
    trips) is missing.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown summary metric {metric!r}; allowed: {', '.join(METRICS)}")
    column = METRICS[metric]
    rtt = ROUND_TRIPS.get(metric)
    needed = ("profile", "variant", "outcome", column) + ((rtt,) if rtt else ())
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"summary needs columns {', '.join(missing)}")

    axes = sweep_axes(df)
    rows: list[dict[str, object]] = []
    for key, group in df.groupby([*axes, "profile", "variant"], sort=False, dropna=False):
        *point, profile, variant = key
        ok = group[group["outcome"] == "accepted"]
        times = ok[column].astype(float)
        rows.append(
            {
                **dict(zip(axes, point, strict=True)),
                "profile": profile,
                "variant": variant,
                "n": len(group),
                "accepted": len(ok),
                "failed": len(group) - len(ok),
                "median_s": times.median(),
                "p95_s": times.quantile(0.95),
                "mean_rtt": ok[rtt].astype(float).mean() if rtt else math.nan,
                "median_occupancy_s": (ok["occupancy_s"].astype(float).median()
                                       if "occupancy_s" in ok.columns else math.nan),
            }
        )
    out = pd.DataFrame(rows, columns=[*axes, *SUMMARY_COLUMNS[:-1]])

    where = [*axes, "profile"]  # the reference of the same sweep point and profile
    reference_median = {tuple(r[c] for c in where): r["median_s"]
                        for _, r in out.iterrows() if r["variant"] == reference}
    out["ratio"] = [
        _ratio(r["median_s"], reference_median.get(tuple(r[c] for c in where), math.nan))
        for _, r in out.iterrows()
    ]

    profile_rank = {p: i for i, p in enumerate(pd.unique(df["profile"]))}
    variant_rank = {v: i for i, v in enumerate(pd.unique(df["variant"]))}
    point_rank = {p: i for i, p in enumerate(dict.fromkeys(
        df[axes].itertuples(index=False, name=None)))} if axes else {}
    order = sorted(
        range(len(out)),
        key=lambda i: (
            point_rank.get(tuple(out.loc[i, axes]), 0) if axes else 0,
            profile_rank.get(out.at[i, "profile"], len(profile_rank)),
            variant_rank.get(out.at[i, "variant"], len(variant_rank)),
        ),
    )
    out = out.iloc[order].reset_index(drop=True)
    for col in ("n", "accepted", "failed"):
        out[col] = out[col].astype("int64")
    out.attrs["metric"] = metric
    return out


def _ratio(value: float, reference: float) -> float:
    """``value / reference``, NaN when either is NaN or the reference is zero."""
    if math.isnan(value) or math.isnan(reference) or reference == 0:
        return math.nan
    return float(value) / float(reference)
