"""smtpsim.plots.cdf: the empirical CDF of a metric's time per variant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.colors import to_hex

from plots.frames import frame, record
from smtpsim.plots import cdf
from smtpsim.plots.palette import PRESET_COLORS


def _legend(ax: plt.Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_cdf_of_a_hand_frame() -> None:
    """baseline 0.3, 0.1, 0.2 s: under one second, so ms; the ECDF rises to 1/3 at 100 ms,
    2/3 at 200, 1 at 300, starting from 0 at the first time: x = 100, 100, 200, 300 and
    y = 0, 1/3, 2/3, 1. tfo one message at 0.05 s: a vertical rise 0 -> 1 at 50 ms."""
    df = frame([record("baseline", 0.3), record("baseline", 0.1), record("baseline", 0.2),
                record("tfo", 0.05)])
    figure = cdf(df)
    (ax,) = figure.axes
    base, tfo = ax.get_lines()
    assert np.allclose(base.get_xdata(), [100, 100, 200, 300])
    assert np.allclose(base.get_ydata(), [0, 1 / 3, 2 / 3, 1])
    assert np.allclose(tfo.get_xdata(), [50, 50]) and np.allclose(tfo.get_ydata(), [0, 1])
    assert to_hex(base.get_color()).upper() == PRESET_COLORS["baseline"]
    assert to_hex(tfo.get_color()).upper() == PRESET_COLORS["tfo"]
    assert ax.get_title() == "CDF of the user time per variant"
    assert ax.get_xlabel() == 'user: time until the user is told "sent" (ms)'
    assert ax.get_ylabel() == "fraction of accepted messages"
    assert _legend(ax) == ["baseline (n=3)", "tfo (n=1)"]


def test_cdf_real_frame(simulated: pd.DataFrame) -> None:
    """One line per variant of the real frame's 3g runs; the largest user time there is over
    a second, so the axis is in s. The whole frame (dsl and 3g) is refused, never pooled."""
    with pytest.raises(ValueError, match="cdf would pool profile = dsl, 3g"):
        cdf(simulated)
    simulated = simulated[simulated["profile"] == "3g"]
    figure = cdf(simulated, metric="user")
    ax = figure.axes[0]
    assert len(ax.get_lines()) == simulated["variant"].nunique() == 3
    assert ax.get_xlabel().endswith("(s)")
    assert [t.split(" (n=")[0] for t in _legend(ax)] == list(pd.unique(simulated["variant"]))


def test_a_variant_without_an_accepted_message_keeps_a_legend_entry() -> None:
    """burl only failed: its line is empty, its legend says n=0."""
    df = frame([record("baseline", 0.3), record("burl", float("nan"), outcome="failed")])
    ax = cdf(df).axes[0]
    assert _legend(ax) == ["baseline (n=1)", "burl (n=0)"]
    assert len(ax.get_lines()[1].get_xdata()) == 0


def test_nothing_to_draw_is_refused_by_name() -> None:
    df = frame([record("burl", float("nan"), outcome="failed")])
    with pytest.raises(ValueError, match="no accepted message has a user_s time"):
        cdf(df)
    with pytest.raises(ValueError, match="needs columns user_s"):
        cdf(df.drop(columns="user_s"))
    with pytest.raises(ValueError, match="unknown metric 'latency'"):
        cdf(df, metric="latency")


def test_cdf_draws_into_a_given_axes() -> None:
    figure, (left, right) = plt.subplots(1, 2)
    assert cdf(frame([record("baseline", 2.0)]), ax=right) is figure
    assert len(right.get_lines()) == 1 and not left.get_lines()
    assert right.get_xlabel().endswith("(s)")
