"""smtpsim.analysis.statistics.compare: paired differences against the reference variant,
checked on small hand-made frames whose figures are derived by hand in each docstring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from smtpsim.analysis.statistics import COMPARE_COLUMNS, compare

#: t_{0.975, 2}, two-sided 95 % with 2 degrees of freedom (any t table).
T_975_2 = 4.303

COLUMNS = ["point", "network.rtt_ms", "profile", "variant", "seed", "replication", "client",
           "message", "outcome", "user_s", "rtt_user"]


def _frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """A scenario frame (scenario, point, the axis, then record columns), rows as given."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.insert(0, "scenario", "s")
    return df


def _three_pairs() -> pd.DataFrame:
    """Replications 0, 1, 2 of one message: baseline 1.0, 2.0, 4.0 s in 8 round trips;
    pipelining 0.5, 1.8, 3.0 s in 5, 5, 6 round trips; the pipelining rows listed in reverse
    so that pairing by position would be wrong."""
    base = [(0, 50.0, "p", "baseline", 7, r, 0, 0, "accepted", t, 8)
            for r, t in enumerate([1.0, 2.0, 4.0])]
    pipe = [(0, 50.0, "p", "pipelining", 7, r, 0, 0, "accepted", t, k)
            for r, t, k in reversed(list(zip(range(3), [0.5, 1.8, 3.0], [5, 5, 6], strict=True)))]
    return _frame(base + pipe)


def test_paired_difference_interval_ratio_and_round_trips_saved() -> None:
    """Differences (variant − reference) by replication: −0.5, −0.2, −1.0, mean −1.7/3 =
    −0.56667; deviations 0.06667, 0.36667, −0.43333, squares sum 0.32667, s² = 0.16333,
    s = 0.40415; half-width 4.303 · 0.40415/√3 = 1.00403. Means 5.3/3 and 7/3, ratio 5.3/7 =
    0.75714. Round trips saved 3, 3, 2: mean 8/3, s = 0.57735, half-width 4.303 · 0.57735/√3
    = 1.43433. Paired by position (reversed rows) the differences would be 2.0, −0.2, −3.5."""
    c = compare(_three_pairs())
    assert list(c.columns) == ["network.rtt_ms", "profile", "variant", *COMPARE_COLUMNS]
    assert c["variant"].tolist() == ["pipelining"]
    r = c.iloc[0]
    assert (r.reference, r.pairs, r.unpaired) == ("baseline", 3, 0)
    assert r.diff_s == pytest.approx(-1.7 / 3)
    assert r.diff_low_s == pytest.approx(-1.7 / 3 - 1.00403, abs=1e-3)
    assert r.diff_high_s == pytest.approx(-1.7 / 3 + 1.00403, abs=1e-3)
    assert (r.mean_s, r.reference_mean_s) == pytest.approx((5.3 / 3, 7 / 3))
    assert r.ratio == pytest.approx(5.3 / 7)
    assert r.rtt_saved == pytest.approx(8 / 3)
    assert r.rtt_saved_low == pytest.approx(8 / 3 - 1.43433, abs=1e-3)
    assert r.rtt_saved_high == pytest.approx(8 / 3 + 1.43433, abs=1e-3)


def test_sweep_points_are_neither_pooled_nor_paired_across() -> None:
    """Two points share replication, client and message numbers. Point 0 (50 ms): baseline
    1.0, variant 0.6 (−0.4); point 1 (500 ms): baseline 10.0, variant 6.0 (−4.0). One row
    per point with its own difference; paired across points the differences would mix
    (0.6 − 10.0 = −9.4, 6.0 − 1.0 = 5.0)."""
    df = _frame([
        (0, 50.0, "p", "baseline", 7, 0, 0, 0, "accepted", 1.0, 8),
        (1, 500.0, "p", "baseline", 7, 0, 0, 0, "accepted", 10.0, 8),
        (1, 500.0, "p", "v", 7, 0, 0, 0, "accepted", 6.0, 5),
        (0, 50.0, "p", "v", 7, 0, 0, 0, "accepted", 0.6, 5),
    ])
    c = compare(df).sort_values("network.rtt_ms")
    assert c["network.rtt_ms"].tolist() == [50.0, 500.0]
    assert c["pairs"].tolist() == [1, 1]
    assert c["diff_s"].tolist() == pytest.approx([-0.4, -4.0])
    assert c["diff_low_s"].isna().all()  # one pair: no interval


def test_failures_and_missing_partners_are_unpaired() -> None:
    """Variant rows: replication 0 accepted (paired with the baseline's 1.0: −0.5),
    replication 1 failed, replication 2 accepted but the baseline's replication 2 timed out,
    replication 3 accepted with no baseline row at all: 1 pair, 3 unpaired."""
    df = _frame([
        (0, 50.0, "p", "baseline", 7, 0, 0, 0, "accepted", 1.0, 8),
        (0, 50.0, "p", "baseline", 7, 1, 0, 0, "accepted", 2.0, 8),
        (0, 50.0, "p", "baseline", 7, 2, 0, 0, "timeout", math.nan, -1),
        (0, 50.0, "p", "v", 7, 0, 0, 0, "accepted", 0.5, 5),
        (0, 50.0, "p", "v", 7, 1, 0, 0, "failed", math.nan, -1),
        (0, 50.0, "p", "v", 7, 2, 0, 0, "accepted", 0.7, 5),
        (0, 50.0, "p", "v", 7, 3, 0, 0, "accepted", 0.9, 5),
    ])
    r = compare(df).iloc[0]
    assert (r.pairs, r.unpaired) == (1, 3)
    assert r.diff_s == pytest.approx(-0.5)
    assert r.rtt_saved == pytest.approx(3.0)


def test_clients_and_messages_pair_one_to_one() -> None:
    """Two clients × two messages in one replication: the baseline's times are 1, 2, 3, 4
    for (client, message) (0,0), (0,1), (1,0), (1,1) and the variant's each 0.1 s less,
    listed in another order; every paired difference is −0.1 exactly, so the mean is −0.1
    and s = 0, a zero-width interval (misaligned, the differences would spread)."""
    keys = [(0, 0), (0, 1), (1, 0), (1, 1)]
    base = [(0, 50.0, "p", "baseline", 7, 0, c, m, "accepted", 1.0 + i, 8)
            for i, (c, m) in enumerate(keys)]
    var = [(0, 50.0, "p", "v", 7, 0, c, m, "accepted", 0.9 + i, 6)
           for i, (c, m) in enumerate(keys)]
    r = compare(_frame(base + [var[2], var[0], var[3], var[1]])).iloc[0]
    assert r.pairs == 4
    assert (r.diff_s, r.diff_low_s, r.diff_high_s) == pytest.approx((-0.1, -0.1, -0.1))
    assert (r.rtt_saved, r.rtt_saved_low) == pytest.approx((2.0, 2.0))


def test_common_random_numbers_narrow_the_interval() -> None:
    """Each replication draws one network delay d ~ U(0, 5) (numpy seed 5) that both
    variants see; the baseline takes 1 + d, the variant 0.5 + d. Paired, every difference
    is −0.5 and the interval has zero width, while the spread of d alone (sd ≈ 1.4) would
    make an unpaired interval about ±1 s wide."""
    d = np.random.default_rng(5).uniform(0, 5, 8)
    rows = [(0, 50.0, "p", v, 7, r, 0, 0, "accepted", base + x, 4)
            for v, base in (("baseline", 1.0), ("v", 0.5)) for r, x in enumerate(d)]
    r = compare(_frame(rows)).iloc[0]
    assert r.pairs == 8
    assert r.diff_high_s - r.diff_low_s == pytest.approx(0.0, abs=1e-9)
    assert r.diff_s == pytest.approx(-0.5)


def test_reference_must_exist_and_be_unique() -> None:
    """An absent reference variant is an error, and so is a reference message that appears
    twice (the pairing would be ambiguous)."""
    df = _three_pairs()
    with pytest.raises(ValueError, match="reference variant 'burl'"):
        compare(df, reference="burl")
    with pytest.raises(ValueError, match="not unique"):
        compare(pd.concat([df, df.iloc[:1]]))


def test_a_frame_without_round_trips_compares_its_times() -> None:
    """Only the times were kept (no ``rtt_user``): the differences as usual, the round
    trips saved NaN (as ``summarize``'s ``mean_rtt``), never a KeyError."""
    import math

    import pandas as pd

    from smtpsim.analysis.statistics import compare

    df = pd.DataFrame({"profile": ["dsl"] * 4, "seed": [0, 1, 0, 1],
                       "variant": ["baseline", "baseline", "tfo", "tfo"],
                       "outcome": ["accepted"] * 4, "user_s": [1.0, 2.0, 0.5, 1.0]})
    out = compare(df)
    assert out["diff_s"].tolist() == [-0.75] and out["pairs"].tolist() == [2]
    assert math.isnan(out["rtt_saved"].iloc[0])
