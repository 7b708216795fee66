"""Cache hit rates: how often a cached configuration token, TFO cookie or TLS ticket that
the client presented was honoured, with Wilson score intervals.

Works on the per-message frame alone. A client keeps what each server issued; behind a
farm whose front-ends do not share their secrets, a balancer without affinity sends it
where its cache is worthless (``smtpsim.model.FarmConfig``, draft-harris-early-pipe §3.2).
The record says, per message, whether each cache was offered and whether it hit
(``SessionRecord``: ``token_offered``/``token_hit``, ``tfo_offered``/``tfo_hit``,
``ticket_offered``/``tls_resumed``); every message that offered counts, whatever its outcome.

The interval is Wilson's score interval (E. B. Wilson, "Probable inference, the law of
succession, and statistical inference", JASA 22, 1927; recommended over the Wald interval by
Agresti and Coull, The American Statistician 52, 1998): with ``p`` = hits / offers, ``n``
offers and ``z`` the standard normal quantile at ``(1 + confidence) / 2``,
``(p + z²/2n ± z √(p(1 − p)/n + z²/4n²)) / (1 + z²/n)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from scipy import stats

from smtpsim.analysis.statistics import _groups, default_groups

__all__ = ["CACHES", "HIT_RATE_COLUMNS", "hit_rates", "wilson_interval"]

#: Each cache: name -> (offered column, hit column).
CACHES: dict[str, tuple[str, str]] = {
    "token": ("token_offered", "token_hit"),
    "tfo": ("tfo_offered", "tfo_hit"),
    "ticket": ("ticket_offered", "tls_resumed"),
}

#: ``hit_rates``' columns after the group's keys.
HIT_RATE_COLUMNS: list[str] = ["cache", "offered", "hits", "rate", "rate_low", "rate_high"]


def wilson_interval(hits: int, offers: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval of a proportion ``hits / offers``; NaN without offers."""
    if offers <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf((1 + confidence) / 2))
    p = hits / offers
    denominator = 1 + z * z / offers
    centre = (p + z * z / (2 * offers)) / denominator
    half = z * math.sqrt(p * (1 - p) / offers + z * z / (4 * offers * offers)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def hit_rates(df: pd.DataFrame, by: Sequence[str] | None = None,
              caches: Sequence[str] = tuple(CACHES), confidence: float = 0.95
              ) -> pd.DataFrame:
    """A tidy frame: one row per group of ``by`` (default ``default_groups``: the sweep
    axes, profile and variant; in order of first appearance) and cache (``CACHES``, in the
    order of ``caches``), with the group's columns then ``HIT_RATE_COLUMNS``: ``offered``
    the messages that presented the cache, ``hits`` those of them it was honoured for,
    ``rate`` their ratio (NaN without an offer) and its Wilson interval.

    Raises ``ValueError`` for an unknown cache, a confidence outside (0, 1) or a missing
    column.
    """
    unknown = [c for c in caches if c not in CACHES]
    if unknown:
        raise ValueError(f"unknown cache {', '.join(unknown)}; allowed: {', '.join(CACHES)}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    groups = list(default_groups(df) if by is None else by)
    needed = [*groups, *(col for c in caches for col in CACHES[c])]
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        raise ValueError(f"hit_rates needs columns {', '.join(missing)}")
    rows: list[dict[str, Any]] = []
    for key, group in _groups(df, groups):
        for cache in caches:
            offered_column, hit_column = CACHES[cache]
            offered = group[offered_column].astype(bool)
            n = int(offered.sum())
            hits = int((offered & group[hit_column].astype(bool)).sum())
            low, high = wilson_interval(hits, n, confidence)
            row: dict[str, Any] = dict(zip(groups, key, strict=True))
            row |= {"cache": cache, "offered": n, "hits": hits,
                    "rate": hits / n if n else math.nan, "rate_low": low, "rate_high": high}
            rows.append(row)
    out = pd.DataFrame(rows, columns=[*groups, *HIT_RATE_COLUMNS])
    for column in ("offered", "hits"):
        out[column] = out[column].astype("int64")
    return out
