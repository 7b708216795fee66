"""summarize() on small hand-made frames; every expected figure is computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from smtpsim.analysis.summary import SUMMARY_COLUMNS, summarize


def _frame(rows: list[tuple[str, str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["profile", "variant", "outcome", "accept_s", "waits"])


def test_counts_medians_and_ratio() -> None:
    df = _frame(
        [
            ("3g", "baseline", "accepted", 1.0, 8),
            ("3g", "baseline", "accepted", 3.0, 8),
            ("3g", "pipelining", "accepted", 0.5, 5),
            ("3g", "pipelining", "accepted", 1.5, 5),
            ("3g", "pipelining", "failed", math.nan, 2),
        ]
    )
    s = summarize(df)
    assert list(s.columns) == SUMMARY_COLUMNS
    base = s[s.variant == "baseline"].iloc[0]
    pipe = s[s.variant == "pipelining"].iloc[0]
    assert (base.n, base.accepted, base.failed) == (2, 2, 0)
    assert (pipe.n, pipe.accepted, pipe.failed) == (3, 2, 1)
    assert base.median_accept_s == pytest.approx(2.0)  # (1 + 3) / 2
    assert pipe.median_accept_s == pytest.approx(1.0)  # (0.5 + 1.5) / 2, the failure excluded
    assert base.ratio == pytest.approx(1.0)
    assert pipe.ratio == pytest.approx(0.5)  # 1.0 / 2.0
    assert pipe.mean_waits == pytest.approx(5.0)  # over accepted rows only
    # p95 with linear interpolation of [1, 3]: 1 + 0.95 * (3 - 1) = 2.9
    assert base.p95_accept_s == pytest.approx(2.9)


def test_other_outcomes_count_as_failed_and_all_failed_group_is_kept() -> None:
    df = _frame(
        [
            ("lte", "baseline", "accepted", 0.2, 4),
            ("lte", "tfo", "timeout", math.nan, 1),
            ("lte", "tfo", "reset", math.nan, 1),
        ]
    )
    s = summarize(df)
    tfo = s[s.variant == "tfo"].iloc[0]
    assert (tfo.n, tfo.accepted, tfo.failed) == (2, 0, 2)
    assert math.isnan(tfo.median_accept_s)
    assert math.isnan(tfo.p95_accept_s)
    assert math.isnan(tfo.ratio)
    assert int(s.n.sum()) == len(df)


def test_ratio_is_per_profile_and_nan_without_reference() -> None:
    df = _frame(
        [
            ("a", "baseline", "accepted", 4.0, 8),
            ("a", "quick", "accepted", 1.0, 2),
            ("b", "baseline", "accepted", 2.0, 8),
            ("b", "quick", "accepted", 1.0, 2),
            ("c", "quick", "accepted", 1.0, 2),  # no baseline on profile c
        ]
    )
    s = summarize(df).set_index(["profile", "variant"])
    assert s.loc[("a", "quick"), "ratio"] == pytest.approx(0.25)
    assert s.loc[("b", "quick"), "ratio"] == pytest.approx(0.5)
    assert math.isnan(s.loc[("c", "quick"), "ratio"])


def test_reference_can_be_any_variant() -> None:
    df = _frame(
        [
            ("a", "baseline", "accepted", 4.0, 8),
            ("a", "quick", "accepted", 1.0, 2),
        ]
    )
    s = summarize(df, reference="quick").set_index("variant")
    assert s.loc["baseline", "ratio"] == pytest.approx(4.0)
    assert s.loc["quick", "ratio"] == pytest.approx(1.0)


def test_order_of_first_appearance_profile_major() -> None:
    df = _frame(
        [
            ("z", "v2", "accepted", 1.0, 1),
            ("a", "v2", "accepted", 1.0, 1),
            ("a", "v1", "accepted", 1.0, 1),
            ("z", "v1", "accepted", 1.0, 1),
        ]
    )
    s = summarize(df)
    assert list(zip(s.profile, s.variant, strict=True)) == [
        ("z", "v2"),
        ("z", "v1"),
        ("a", "v2"),
        ("a", "v1"),
    ]


def test_extra_columns_are_ignored_and_empty_frame_gives_empty_summary() -> None:
    df = _frame([("a", "baseline", "accepted", 1.0, 3)]).assign(seed=0, bytes_up=100)
    assert len(summarize(df)) == 1
    empty = summarize(df.iloc[0:0])
    assert empty.empty
    assert list(empty.columns) == SUMMARY_COLUMNS


def test_missing_column_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="waits"):
        summarize(pd.DataFrame({"profile": [], "variant": [], "outcome": [], "accept_s": []}))
