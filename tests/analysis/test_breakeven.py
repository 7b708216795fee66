"""smtpsim.analysis.breakeven: where along an axis a variant starts to beat the reference,
checked on hand-made frames (each figure derived in the docstring: linear interpolation of
the mean paired difference between the two neighbouring axis values)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import smtpsim
from smtpsim.analysis.breakeven import BREAKEVEN_COLUMNS, breakeven, crossing

COLUMNS = ["profile", "variant", "seed", "replication", "client", "message", "size",
           "outcome", "user_s", "rtt_user"]


def test_crossing_interpolates_where_the_variant_starts_to_win() -> None:
    """d = 0.2 at 2000 and −1.0 at 4000: 2000 + 2000 · 0.2 / 1.2 = 2333.33, the variant
    winning above it; one change."""
    at, wins, changes = crossing([1000, 2000, 4000, 8000], [0.5, 0.2, -1.0, -2.0])
    assert at == pytest.approx(2000 + 2000 * 0.2 / 1.2)
    assert (wins, changes) == ("above", 1)


def test_crossing_where_the_variant_stops_winning() -> None:
    """d = −1 at 0 and +1 at 10: zero at 5; the variant wins below it."""
    assert crossing([0, 10], [-1.0, 1.0]) == (5.0, "below", 1)


def test_a_tie_does_not_count_as_winning() -> None:
    """d = 0 at 0 (no win) then −1 at 10: the line is zero at 0 + 10 · 0 / 1 = 0; d = −2 at
    0 then 0 at 10: 0 + 10 · (−2) / (−2) = 10, winning below."""
    assert crossing([0, 10], [0.0, -1.0]) == (0.0, "above", 1)
    assert crossing([0, 10], [-2.0, 0.0]) == (10.0, "below", 1)


def test_no_crossing_says_which_side_wins() -> None:
    at, wins, changes = crossing([1, 2, 3], [-0.1, -0.2, -0.3])
    assert math.isnan(at) and (wins, changes) == ("everywhere", 0)
    at, wins, changes = crossing([1, 2, 3], [0.1, 0.0, 0.3])
    assert math.isnan(at) and (wins, changes) == ("nowhere", 0)
    at, wins, changes = crossing([1, 2], [math.nan, math.nan])
    assert math.isnan(at) and (wins, changes) == ("unknown", 0)
    at, wins, changes = crossing([7], [-1.0])
    assert math.isnan(at) and wins == "everywhere"


def test_nan_points_are_skipped_and_later_crossings_counted() -> None:
    """d = 0.5 at 0, NaN at 5 (no pair), −0.5 at 10: zero at 0 + 10 · 0.5 / 1.0 = 5.
    d = 1, −1, 1 at 0, 1, 2: first change at 0.5 (above), two changes in all."""
    assert crossing([0, 5, 10], [0.5, math.nan, -0.5]) == (5.0, "above", 1)
    assert crossing([0, 1, 2], [1.0, -1.0, 1.0]) == (0.5, "above", 2)


def _frame() -> pd.DataFrame:
    """Two replications per size. Profile lte: baseline 1.0, 1.2 s at 1000 bytes and 2.0,
    3.0 s at 10000; burl 1.5, 1.9 s and 1.5, 2.0 s: paired differences +0.5, +0.7 (mean
    +0.6) and −0.5, −1.0 (mean −0.75). Profile 3g: burl always 1 s slower. A third burl
    replication at 10000 on lte failed (unpaired, ignored). Rows listed with burl first so
    that pairing by position would be wrong."""
    rows = []
    for profile, table in (("lte", {1000: ([1.0, 1.2], [1.5, 1.9]),
                                     10000: ([2.0, 3.0], [1.5, 2.0])}),
                           ("3g", {1000: ([2.0, 2.0], [3.0, 3.0]),
                                   10000: ([4.0, 4.0], [5.0, 5.0])})):
        for size, (base, burl) in table.items():
            for r, t in enumerate(burl):
                rows.append((profile, "burl", 1, r, 0, 0, size, "accepted", t, 5))
            for r, t in enumerate(base):
                rows.append((profile, "baseline", 1, r, 0, 0, size, "accepted", t, 6))
    rows.append(("lte", "burl", 1, 2, 0, 0, 10000, "failed", math.nan, -1))
    return pd.DataFrame(rows, columns=COLUMNS)


def test_breakeven_per_profile_by_hand() -> None:
    """lte: mean differences +0.6 at 1000 and −0.75 at 10000: 1000 + 9000 · 0.6 / 1.35 =
    5000 bytes, burl faster above. 3g: +1 at both, no break-even, burl faster nowhere."""
    out = breakeven(_frame(), "burl", axis="size")
    assert list(out.columns) == ["profile", *BREAKEVEN_COLUMNS]
    lte, g3 = out.set_index("profile").loc["lte"], out.set_index("profile").loc["3g"]
    assert lte["breakeven"] == pytest.approx(1000 + 9000 * 0.6 / 1.35)
    assert (lte["variant_wins"], lte["crossings"], lte["points"]) == ("above", 1, 2)
    assert math.isnan(g3["breakeven"]) and g3["variant_wins"] == "nowhere"
    assert (lte["variant"], lte["reference"]) == ("burl", "baseline")


def test_breakeven_refuses_what_it_cannot_compute() -> None:
    df = _frame()
    with pytest.raises(ValueError, match="not numeric"):
        breakeven(df, "burl", axis="profile", by=[])
    with pytest.raises(ValueError, match="'tfo' is not in the frame"):
        breakeven(df, "tfo", axis="size")
    with pytest.raises(ValueError, match="cannot also be a group"):
        breakeven(df, "burl", axis="size", by=["size"])
    with pytest.raises(ValueError, match="axis column workload.size_bytes"):
        breakeven(df, "burl", axis="workload.size_bytes")


def test_breakeven_on_a_real_frame_has_one_row_per_profile() -> None:
    """Two sizes of a real run: one row per profile with both sizes paired; the sign of the
    break-even agrees with the mean times at the two sizes."""
    df = pd.concat([smtpsim.simulate(["dsl", "3g"], variant=["baseline", "burl"], size=size,
                                     executor="serial") for size in (1000, 200_000)],
                   ignore_index=True)
    out = breakeven(df, "burl", axis="size")
    assert list(out["profile"]) == ["dsl", "3g"]
    assert (out["points"] == 2).all()
    for row in out.itertuples():
        mean = df[df.profile == row.profile].groupby(["size", "variant"])["user_s"].mean()
        d = [mean[(s, "burl")] - mean[(s, "baseline")] for s in (1000, 200_000)]
        beats = [v < 0 for v in d]
        if beats[0] == beats[1]:
            assert math.isnan(row.breakeven)
        else:
            assert 1000 < row.breakeven < 200_000
