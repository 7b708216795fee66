"""smtpsim.analysis.statistics.summarize on small hand-made frames: every expected figure is
derived by hand in the test's docstring (Student t quantiles from the usual table)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from smtpsim.analysis.statistics import STATISTICS_COLUMNS, summarize

#: t_{0.975, 2}, two-sided 95 % with 2 degrees of freedom (any t table).
T_975_2 = 4.303


def _scenario(rows: list[tuple[int, float, str, str, str, float, int]]) -> pd.DataFrame:
    """A scenario frame: scenario, point, the axis ``network.rtt_ms``, then the record's
    columns (profile, variant, outcome, user_s, rtt_user), as ``record_schema`` orders them."""
    df = pd.DataFrame(rows, columns=["point", "network.rtt_ms", "profile", "variant",
                                     "outcome", "user_s", "rtt_user"])
    df.insert(0, "scenario", "s")
    return df


def test_two_sweep_points_are_never_pooled() -> None:
    """Point 0 (RTT 50 ms) has times 1, 2, 3 and point 1 (RTT 500 ms) 10, 20, 30: two rows,
    means 2 and 20 (pooled, one row would say 11), keyed by the axis value."""
    df = _scenario([(0, 50.0, "p", "baseline", "accepted", t, 4) for t in (1.0, 2.0, 3.0)]
                   + [(1, 500.0, "p", "baseline", "accepted", t, 4) for t in (10.0, 20.0, 30.0)])
    s = summarize(df)
    assert list(s.columns) == ["network.rtt_ms", "profile", "variant", *STATISTICS_COLUMNS]
    assert s["network.rtt_ms"].tolist() == [50.0, 500.0]
    assert s["mean_s"].tolist() == pytest.approx([2.0, 20.0])
    assert s["n"].tolist() == [3, 3]


def test_mean_t_interval_and_quantiles_by_hand() -> None:
    """Times 1, 2, 3: mean 2, s = 1, half-width t_{0.975,2} · 1/√3 = 4.303/1.732 = 2.484.
    Linear quantiles at position (n−1)q = 2q over the sorted values: median 2, p90 at 1.8 ->
    2.8, p95 at 1.9 -> 2.9, p99 at 1.98 -> 2.98. Round trips 4, 4, 7 -> 5; bytes up + down
    100+50, 100+50, 130+80 -> 170; packets 3+2, 3+2, 6+5 -> 7. The failed row counts in
    ``n`` and ``failed`` and nowhere else."""
    df = pd.DataFrame({
        "profile": ["p"] * 4, "variant": ["v"] * 4,
        "outcome": ["accepted", "accepted", "accepted", "failed"],
        "user_s": [1.0, 2.0, 3.0, math.nan], "rtt_user": [4, 4, 7, -1],
        "bytes_up": [100, 100, 130, 999], "bytes_down": [50, 50, 80, 999],
        "packets_up": [3, 3, 6, 99], "packets_down": [2, 2, 5, 99],
    })
    r = summarize(df).iloc[0]
    assert (r.n, r.accepted, r.failed) == (4, 3, 1)
    half = T_975_2 / math.sqrt(3)
    assert r.mean_s == pytest.approx(2.0)
    assert r.mean_low_s == pytest.approx(2.0 - half, abs=1e-3)
    assert r.mean_high_s == pytest.approx(2.0 + half, abs=1e-3)
    assert (r.median_s, r.p90_s, r.p95_s, r.p99_s) == pytest.approx((2.0, 2.8, 2.9, 2.98))
    assert r.mean_rtt == pytest.approx(5.0)
    assert r.bytes_per_message == pytest.approx(170.0)
    assert r.packets_per_message == pytest.approx(7.0)


def test_bootstrap_interval_of_two_values() -> None:
    """Times 1 and 3: a resample is {1,1}, {1,3} or {3,3} with probability 1/4, 1/2, 1/4,
    its median 1, 2 or 3 and its p90 1, 2.8 or 3. A quarter of the resamples sit at each end,
    far more than the 2.5 % each tail of the 95 % percentile interval cuts, so every
    quantile's interval is [1, 3]. A constant sample (2, 2, 2) has the interval [2, 2]."""
    df = pd.DataFrame({"profile": "p", "variant": ["a", "a", "b", "b", "b"],
                       "outcome": "accepted", "user_s": [1.0, 3.0, 2.0, 2.0, 2.0],
                       "rtt_user": 1})
    a, b = summarize(df).itertuples()
    for stem in ("median", "p90", "p95", "p99"):
        assert (getattr(a, f"{stem}_low_s"), getattr(a, f"{stem}_high_s")) == (1.0, 3.0)
        assert (getattr(b, f"{stem}_low_s"), getattr(b, f"{stem}_high_s")) == (2.0, 2.0)


def test_fewer_than_two_accepted_gives_nan_intervals() -> None:
    """One accepted time (5): the estimates are 5 and every interval NaN; no accepted row:
    everything NaN, the group still reported."""
    df = pd.DataFrame({"profile": "p", "variant": ["one", "one", "none"],
                       "outcome": ["accepted", "timeout", "failed"],
                       "user_s": [5.0, math.nan, math.nan], "rtt_user": [3, -1, -1]})
    one, none = summarize(df).itertuples()
    assert (one.mean_s, one.median_s, one.p99_s) == (5.0, 5.0, 5.0)
    bounds = [c for c in STATISTICS_COLUMNS if "_low" in c or "_high" in c]
    assert all(math.isnan(getattr(one, c)) for c in bounds)
    assert (none.n, none.failed) == (1, 1)
    assert math.isnan(none.mean_s) and math.isnan(none.median_s)


def test_by_any_columns_and_intervals_do_not_depend_on_row_order() -> None:
    """``by=["profile"]`` pools the variants: 1, 2 (a) and 3, 4 (b) -> mean 2.5; ``by=[]``
    one row of all. The bootstrap seed follows the group key, so reversing the rows leaves
    every interval as it was."""
    df = pd.DataFrame({"profile": ["p", "p", "p", "p", "q"], "variant": ["a", "a", "b", "b", "a"],
                       "outcome": "accepted", "user_s": [1.0, 2.0, 3.0, 4.0, 9.0],
                       "rtt_user": 1})
    by_profile = summarize(df, by=["profile"])
    assert by_profile["profile"].tolist() == ["p", "q"]
    assert by_profile["mean_s"].tolist() == pytest.approx([2.5, 9.0])
    everything = summarize(df, by=[])
    assert everything["n"].tolist() == [5]
    assert everything["mean_s"].tolist() == pytest.approx([3.8])  # 19 / 5
    spread = pd.DataFrame({"profile": "p", "variant": np.repeat(["a", "b"], 12),
                           "outcome": "accepted", "rtt_user": 1,
                           "user_s": np.random.default_rng(3).exponential(1.0, 24)})
    forward = summarize(spread, resamples=199).set_index("variant").sort_index()
    backward = summarize(spread.iloc[::-1], resamples=199).set_index("variant").sort_index()
    pd.testing.assert_frame_equal(forward, backward, check_exact=True)


def test_metric_and_errors() -> None:
    """``metric="accept"`` reads ``accept_s`` and ``rtt_accept``; an unknown metric, a
    confidence outside (0, 1) and a missing column are errors."""
    df = pd.DataFrame({"profile": "p", "variant": "v", "outcome": "accepted",
                       "accept_s": [1.0, 3.0], "rtt_accept": [2, 4]})
    r = summarize(df, metric="accept").iloc[0]
    assert (r.mean_s, r.mean_rtt) == (2.0, 3.0)
    with pytest.raises(ValueError, match="unknown summary metric"):
        summarize(df, metric="fast")
    with pytest.raises(ValueError, match="confidence"):
        summarize(df, metric="accept", confidence=95)
    with pytest.raises(ValueError, match="user_s"):
        summarize(df)


def test_t_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    """400 samples of 10 normal times (mean 2, sd 0.5, numpy seed 11): the t interval is
    exact for normal data, so the count covering 2 is Binomial(400, 0.95): mean 380, sd
    √(400·0.95·0.05) = 4.36; within ±3 sd is 367..393."""
    rng = np.random.default_rng(11)
    n, size = 400, 10
    df = pd.DataFrame({"sample": np.repeat(np.arange(n), size), "outcome": "accepted",
                       "user_s": rng.normal(2.0, 0.5, n * size), "rtt_user": 1})
    s = summarize(df, by=["sample"], resamples=99)
    covered = int(((s["mean_low_s"] <= 2.0) & (s["mean_high_s"] >= 2.0)).sum())
    assert 367 <= covered <= 393
