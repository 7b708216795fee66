"""Where the time goes: the mean and median of each phase of the accepted messages.

Works on the per-message frame alone. The phases are ``smtpsim.model.records.PHASES`` (save,
connect, greeting, tls, ehlo, auth, envelope, data, quit), recorded as ``phase_<name>_s``;
for an accepted message they add up to ``close_s`` (``SessionRecord``), so the means of one
group add up to the group's mean ``close_s``. Only accepted messages count: a failed one
stopped in some phase and its durations describe no finished submission.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from smtpsim.analysis.statistics import _groups
from smtpsim.model.records import PHASES

__all__ = ["PHASE_COLUMNS", "PHASES_COLUMNS", "phase_column", "phases"]

#: The record column of each phase, in ``PHASES`` order.
PHASE_COLUMNS: list[str] = [f"phase_{name}_s" for name in PHASES]

#: ``phases``' columns after the group's keys.
PHASES_COLUMNS: list[str] = ["phase", "n", "mean_s", "median_s", "share"]


def phase_column(name: str) -> str:
    """``phase_<name>_s``, the record column of phase ``name``."""
    return f"phase_{name}_s"


def phases(df: pd.DataFrame, by: Sequence[str] = ("profile", "variant")) -> pd.DataFrame:
    """A tidy frame: one row per group of ``by`` (in order of first appearance) and phase (in
    ``PHASES`` order), with the group's columns then ``PHASES_COLUMNS``:

    * ``phase`` the phase's name (``connect``, ``tls``...);
    * ``n`` the group's accepted messages (``outcome == "accepted"``), the same on each of
      the group's rows; a group with none keeps its rows, ``n`` 0 and NaN times;
    * ``mean_s`` and ``median_s`` of the phase's duration over them, in seconds;
    * ``share`` the phase's mean divided by the sum of the group's phase means (the mean
      ``close_s``), NaN when that sum is zero or NaN.

    ``by`` may be empty: one group of every row. Raises ``ValueError`` naming the columns
    the frame lacks.
    """
    groups = list(by)
    missing = [c for c in dict.fromkeys([*groups, "outcome", *PHASE_COLUMNS])
               if c not in df.columns]
    if missing:
        raise ValueError(f"phases needs columns {', '.join(missing)}")
    rows: list[dict[str, Any]] = []
    for key, group in _groups(df, groups):
        ok = group.loc[group["outcome"] == "accepted", PHASE_COLUMNS].astype(float)
        means = ok.mean()
        medians = ok.median()
        total = float(means.sum(min_count=1))
        for name, column in zip(PHASES, PHASE_COLUMNS, strict=True):
            row: dict[str, Any] = dict(zip(groups, key, strict=True))
            mean = float(means[column])
            row |= {"phase": name, "n": len(ok), "mean_s": mean,
                    "median_s": float(medians[column]),
                    "share": mean / total if total and not math.isnan(total) else math.nan}
            rows.append(row)
    out = pd.DataFrame(rows, columns=[*groups, *PHASES_COLUMNS])
    out["n"] = out["n"].astype("int64")
    return out

