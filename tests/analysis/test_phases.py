"""smtpsim.analysis.phases.phases: mean and median seconds per phase of the accepted
messages, checked on hand-made frames (figures derived in each docstring) and on a real
simulated frame, whose phases add up to close_s (smtpsim/model/records.py, ``PHASES``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import smtpsim
from smtpsim.analysis.phases import PHASE_COLUMNS, PHASES_COLUMNS, phases
from smtpsim.model.records import PHASES


def _row(profile: str, variant: str, outcome: str, **phase: float) -> dict[str, object]:
    row: dict[str, object] = {"profile": profile, "variant": variant, "outcome": outcome}
    row |= {column: 0.0 for column in PHASE_COLUMNS}
    row |= {f"phase_{name}_s": value for name, value in phase.items()}
    return row


def _frame() -> pd.DataFrame:
    """baseline: three accepted messages, connect 0.1, 0.1, 0.4 and tls 0.2, 0.2, 0.2, and
    a failed one (connect 9.0, left out); tfo: one accepted, connect 0.05, data 0.15; burl:
    failed only."""
    return pd.DataFrame([
        _row("lte", "baseline", "accepted", connect=0.1, tls=0.2),
        _row("lte", "baseline", "accepted", connect=0.1, tls=0.2),
        _row("lte", "baseline", "failed", connect=9.0),
        _row("lte", "baseline", "accepted", connect=0.4, tls=0.2),
        _row("lte", "tfo", "accepted", connect=0.05, data=0.15),
        _row("lte", "burl", "timeout", connect=3.0),
    ])


def test_columns_groups_and_phase_order() -> None:
    """One row per group (first appearance: baseline, tfo, burl) and phase, in PHASES order."""
    out = phases(_frame())
    assert list(out.columns) == ["profile", "variant", *PHASES_COLUMNS]
    assert list(out["variant"]) == [v for v in ("baseline", "tfo", "burl") for _ in PHASES]
    assert list(out["phase"]) == list(PHASES) * 3


def test_mean_median_count_and_share_by_hand() -> None:
    """baseline over its three accepted messages (the failed 9.0 s connect left out):
    connect mean (0.1 + 0.1 + 0.4) / 3 = 0.2, median 0.1; tls mean = median = 0.2; the
    phase means add up to 0.4, so connect's share is 0.2 / 0.4 = 0.5. tfo: connect 0.05
    of 0.2 = 0.25, data 0.75."""
    out = phases(_frame()).set_index(["variant", "phase"])
    assert out.loc[("baseline", "connect"), "n"] == 3
    assert out.loc[("baseline", "connect"), "mean_s"] == pytest.approx(0.2)
    assert out.loc[("baseline", "connect"), "median_s"] == pytest.approx(0.1)
    assert out.loc[("baseline", "tls"), "mean_s"] == pytest.approx(0.2)
    assert out.loc[("baseline", "connect"), "share"] == pytest.approx(0.5)
    assert out.loc[("baseline", "quit"), "mean_s"] == 0.0
    assert out.loc[("tfo", "connect"), "share"] == pytest.approx(0.25)
    assert out.loc[("tfo", "data"), "share"] == pytest.approx(0.75)


def test_a_group_without_an_accepted_message_keeps_its_rows_with_nan() -> None:
    """burl has only a timed-out message: n = 0 and NaN times, not its 3.0 s connect."""
    burl = phases(_frame()).query("variant == 'burl'")
    assert (burl["n"] == 0).all()
    assert burl["mean_s"].isna().all() and burl["share"].isna().all()


def test_empty_by_is_one_group_and_missing_columns_are_named() -> None:
    """by=(): every row in one group: four accepted messages, connect mean
    (0.1 + 0.1 + 0.4 + 0.05) / 4 = 0.1625."""
    out = phases(_frame(), by=())
    assert len(out) == len(PHASES)
    assert out.loc[out["phase"] == "connect", "mean_s"].item() == pytest.approx(0.1625)
    with pytest.raises(ValueError, match="phase_quit_s"):
        phases(_frame().drop(columns="phase_quit_s"))


def test_the_phase_means_of_a_real_run_add_up_to_the_mean_close_time() -> None:
    """SessionRecord's phases add up to close_s for an accepted message, so the phase means
    of a group add up to its mean close_s and the shares to 1."""
    df = smtpsim.simulate(["dsl", "3g"], variant=["baseline", "tfo"], loss=0.02,
                          replications=3, executor="serial")
    out = phases(df)
    for (profile, variant), group in out.groupby(["profile", "variant"]):
        ok = df[(df.profile == profile) & (df.variant == variant) & (df.outcome == "accepted")]
        assert group["n"].iloc[0] == len(ok)
        assert group["mean_s"].sum() == pytest.approx(ok["close_s"].mean(), rel=1e-9)
        assert group["share"].sum() == pytest.approx(1.0)
        assert not math.isnan(float(np.sum(group["median_s"])))
