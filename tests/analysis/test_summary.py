"""summarize() on small hand-made frames; every expected figure is computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from smtpsim.analysis.summary import METRICS, SUMMARY_COLUMNS, summarize


def _frame(rows: list[tuple[str, str, str, float, int]]) -> pd.DataFrame:
    """Rows of variants that do not save: ``done_s`` is ``accept_s`` and ``rtt_done``
    ``rtt_accept`` (as the records have them)."""
    df = pd.DataFrame(rows, columns=["profile", "variant", "outcome", "accept_s", "rtt_accept"])
    return df.assign(done_s=df["accept_s"], rtt_done=df["rtt_accept"])


def _timed(rows: list[tuple[str, str, str, float, float, float, int, int]]) -> pd.DataFrame:
    """(profile, variant, outcome, accept_s, saved_s, done_s, rtt_accept, rtt_done); done_s
    given by hand as the later of accept_s and saved_s, accept_s when nothing is saved
    (saved_s NaN), and its round trips those of the later."""
    return pd.DataFrame(
        rows,
        columns=["profile", "variant", "outcome", "accept_s", "saved_s", "done_s",
                 "rtt_accept", "rtt_done"],
    )


def test_counts_medians_and_ratio() -> None:
    df = _frame(
        [
            ("3g", "baseline", "accepted", 1.0, 8),
            ("3g", "baseline", "accepted", 3.0, 8),
            ("3g", "pipelining", "accepted", 0.5, 5),
            ("3g", "pipelining", "accepted", 1.5, 5),
            ("3g", "pipelining", "failed", math.nan, -1),
        ]
    )
    s = summarize(df, metric="accept")
    assert list(s.columns) == SUMMARY_COLUMNS
    assert s.attrs["metric"] == "accept"
    base = s[s.variant == "baseline"].iloc[0]
    pipe = s[s.variant == "pipelining"].iloc[0]
    assert (base.n, base.accepted, base.failed) == (2, 2, 0)
    assert (pipe.n, pipe.accepted, pipe.failed) == (3, 2, 1)
    assert base.median_s == pytest.approx(2.0)  # (1 + 3) / 2
    assert pipe.median_s == pytest.approx(1.0)  # (0.5 + 1.5) / 2, the failure excluded
    assert base.ratio == pytest.approx(1.0)
    assert pipe.ratio == pytest.approx(0.5)  # 1.0 / 2.0
    assert pipe.mean_rtt == pytest.approx(5.0)  # over accepted rows only
    # p95 with linear interpolation of [1, 3]: 1 + 0.95 * (3 - 1) = 2.9
    assert base.p95_s == pytest.approx(2.9)


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
    assert math.isnan(tfo.median_s)
    assert math.isnan(tfo.p95_s)
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
    with pytest.raises(ValueError, match=r"^summary needs columns rtt_accept$"):
        summarize(
            pd.DataFrame({"profile": [], "variant": [], "outcome": [], "accept_s": []}),
            metric="accept",
        )
    # the default metric reads done_s and rtt_done: a frame with accept's alone lacks them
    with pytest.raises(ValueError, match=r"^summary needs columns done_s, rtt_done$"):
        summarize(pd.DataFrame({"profile": [], "variant": [], "outcome": [], "accept_s": [],
                                "rtt_accept": []}))


def test_metrics_name_their_record_columns() -> None:
    assert METRICS == {
        "accept": "accept_s", "done": "done_s", "user": "user_s", "occupancy": "occupancy_s"
    }


SAVE_ROWS = [
    # accept_s, saved_s, done_s = max(accept_s, saved_s) (accept_s when saved_s is NaN), and
    # the round trips to the 250 and to done (the saved OK's when it came later)
    ("dsl", "baseline", "accepted", 1.0, math.nan, 1.0, 8, 8),
    ("dsl", "baseline", "accepted", 2.0, math.nan, 2.0, 8, 8),
    ("dsl", "baseline+save", "accepted", 1.0, 3.0, 3.0, 9, 11),  # the APPEND ends later
    ("dsl", "baseline+save", "accepted", 2.0, 1.5, 2.0, 9, 9),
    ("dsl", "baseline+save", "failed", math.nan, math.nan, math.nan, -1, -1),
    ("dsl", "burl", "accepted", 1.5, 0.5, 1.5, 10, 10),  # saved, then submitted by reference
    ("dsl", "burl", "accepted", 2.5, 0.5, 2.5, 10, 10),
]


def test_default_metric_is_done_and_reads_done_s() -> None:
    s = summarize(_timed(SAVE_ROWS)).set_index("variant")
    assert s.attrs["metric"] == "done"
    # done_s: baseline [1, 2], baseline+save [3, 2] (failure left out), burl [1.5, 2.5]
    assert s.loc["baseline", "median_s"] == pytest.approx(1.5)  # (1 + 2) / 2
    assert s.loc["baseline+save", "median_s"] == pytest.approx(2.5)  # (3 + 2) / 2
    assert s.loc["burl", "median_s"] == pytest.approx(2.0)  # (1.5 + 2.5) / 2
    # p95 of [2, 3]: 2 + 0.95 * (3 - 2) = 2.95
    assert s.loc["baseline+save", "p95_s"] == pytest.approx(2.95)
    assert (s.loc["baseline+save", "n"], s.loc["baseline+save", "failed"]) == (3, 1)
    # the round trips of done: (11 + 9) / 2, the failure left out
    assert s.loc["baseline+save", "mean_rtt"] == pytest.approx(10.0)


def test_accept_metric_reads_accept_s_on_the_same_frame() -> None:
    s = summarize(_timed(SAVE_ROWS), metric="accept").set_index("variant")
    assert s.attrs["metric"] == "accept"
    # accept_s: baseline+save [1, 2] -> 1.5, burl [1.5, 2.5] -> 2.0: by accept time alone
    # baseline+save looks faster than burl; by done time (above) burl is faster
    assert s.loc["baseline+save", "median_s"] == pytest.approx(1.5)
    assert s.loc["burl", "median_s"] == pytest.approx(2.0)
    assert s.loc["baseline+save", "p95_s"] == pytest.approx(1.95)  # 1 + 0.95 * (2 - 1)
    assert s.loc["baseline+save", "mean_rtt"] == pytest.approx(9.0)  # to the 250: 9 and 9


def test_ratio_uses_the_chosen_metric() -> None:
    df = _timed(SAVE_ROWS)
    done = summarize(df, reference="baseline+save").set_index("variant")
    accept = summarize(df, metric="accept", reference="baseline+save").set_index("variant")
    assert done.loc["burl", "ratio"] == pytest.approx(0.8)  # 2.0 / 2.5
    assert accept.loc["burl", "ratio"] == pytest.approx(2.0 / 1.5)
    assert done.loc["baseline", "ratio"] == pytest.approx(0.6)  # 1.5 / 2.5
    assert accept.loc["baseline", "ratio"] == pytest.approx(1.0)  # 1.5 / 1.5


@pytest.mark.parametrize(
    ("metric", "median", "rtt"),
    # each column holds its own numbers: accept [1, 3], done [2, 4], user [3, 7], occupancy
    # [0.5, 0.7], round trips accept [8, 10], done [9, 11], user [10, 14]; the medians and
    # means by hand; occupancy has no round trips of its own (NaN)
    [("accept", 2.0, 9.0), ("done", 3.0, 10.0), ("user", 5.0, 12.0),
     ("occupancy", 0.6, math.nan)],
)
def test_each_metric_reads_its_own_columns(metric: str, median: float, rtt: float) -> None:
    df = pd.DataFrame({
        "profile": ["lte", "lte"], "variant": ["v", "v"], "outcome": ["accepted"] * 2,
        "accept_s": [1.0, 3.0], "done_s": [2.0, 4.0], "user_s": [3.0, 7.0],
        "occupancy_s": [0.5, 0.7], "rtt_accept": [8, 10], "rtt_done": [9, 11],
        "rtt_user": [10, 14],
    })
    s = summarize(df, reference="v", metric=metric)
    assert s.attrs["metric"] == metric
    assert s.at[0, "median_s"] == pytest.approx(median)
    assert s.at[0, "ratio"] == pytest.approx(1.0)
    assert s.at[0, "mean_rtt"] == pytest.approx(rtt, nan_ok=True)


def test_missing_metric_column_names_it() -> None:
    df = _timed(SAVE_ROWS)
    with pytest.raises(ValueError, match=r"^summary needs columns user_s, rtt_user$"):
        summarize(df, metric="user")
    with pytest.raises(ValueError, match=r"^summary needs columns occupancy_s$"):
        summarize(df, metric="occupancy")


@pytest.mark.parametrize("metric", ["bogus", "accept_s", "Done", ""])
def test_unknown_metric_is_a_value_error_naming_the_allowed_ones(metric: str) -> None:
    with pytest.raises(ValueError) as info:
        summarize(_timed(SAVE_ROWS), metric=metric)
    assert str(info.value) == (
        f"unknown summary metric {metric!r}; allowed: accept, done, user, occupancy"
    )


def test_a_sweep_is_summarised_per_point_never_pooled() -> None:
    """Two sweep points (``workload.size_bytes`` 1000 and 2000, the axis column between
    ``point`` and ``profile`` as a scenario run has it), one profile, two variants: four
    rows, the axis first, each median its own point's (1.0 and 3.0 for baseline, 2.0 and
    4.0 for tfo: a pooled median would be 2.0 and 3.0), each ratio against the baseline of
    the same point (2.0 / 1.0, 4.0 / 3.0)."""
    import pandas as pd

    from smtpsim.analysis.summary import summarize

    rows = [(p, size, v, t) for p, size, v, t in (
        (0, 1000, "baseline", 1.0), (0, 1000, "tfo", 2.0),
        (1, 2000, "baseline", 3.0), (1, 2000, "tfo", 4.0))]
    df = pd.DataFrame(
        [{"scenario": "s", "point": p, "workload.size_bytes": size, "profile": "dsl",
          "variant": v, "outcome": "accepted", "done_s": t, "rtt_done": 5,
          "occupancy_s": t} for p, size, v, t in rows])
    out = summarize(df)
    assert list(out.columns[:3]) == ["workload.size_bytes", "profile", "variant"]
    assert out["workload.size_bytes"].tolist() == [1000, 1000, 2000, 2000]
    assert out["median_s"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert out["ratio"].tolist() == [1.0, 2.0, 1.0, 4.0 / 3.0]
