"""smtpsim.plots.phases: where the time goes, as stacked bars of the mean phase durations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from plots.frames import frame, record
from smtpsim.plots import phases
from smtpsim.plots.waterfall import PHASE_COLORS


def _frame() -> pd.DataFrame:
    """baseline: connect 0.1 and 0.3 s, tls 0.2 and 0.2, data 0.4 and 0.6 (means 0.2, 0.2,
    0.5: 0.9 s in all); tfo: connect 0.05, data 0.45 (0.5 s); burl: one failed message."""
    return frame([
        record("baseline", 0.7, phase_connect_s=0.1, phase_tls_s=0.2, phase_data_s=0.4),
        record("baseline", 1.1, phase_connect_s=0.3, phase_tls_s=0.2, phase_data_s=0.6),
        record("tfo", 0.5, phase_connect_s=0.05, phase_data_s=0.45),
        record("burl", math.nan, outcome="failed", phase_connect_s=3.0),
    ])


def test_stacked_phases_by_hand() -> None:
    """In ms (the largest total is 0.9 s): connect 200, 50; tls 200, 0 (stacked from 200,
    50); data 500, 450 (from 400, 50); burl has no bar. Phases that take no time anywhere
    (save, greeting, ehlo, auth, envelope, quit) are left out: three bar containers."""
    ax = phases(_frame()).axes[0]
    connect, tls, data = [c for c in ax.containers if isinstance(c, BarContainer)]
    widths = [p.get_width() for p in data.patches]
    assert np.allclose(widths[:2], [500, 450]) and math.isnan(widths[2])
    assert np.allclose([p.get_x() for p in data.patches][:2], [400, 50])
    assert np.allclose([p.get_width() for p in connect.patches][:2], [200, 50])
    assert np.allclose([p.get_x() for p in tls.patches][:2], [200, 50])
    assert to_hex(data.patches[0].get_facecolor()).upper() == PHASE_COLORS["data"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["connect", "tls", "data"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "baseline (n=2)", "tfo (n=1)", "burl (n=0)"]
    assert [t.get_text() for t in ax.texts] == [" 900 ms", " 500 ms"]
    assert ax.get_xlabel() == "mean time from the first SYN (ms), accepted messages"
    assert ax.get_ylabel() == "variant"
    assert ax.get_title() == "Where the time goes: mean phase durations per variant"


def test_phases_of_one_message_and_refusals() -> None:
    one = frame([record("tfo", 0.5, phase_connect_s=0.05, phase_data_s=0.45)])
    ax = phases(one).axes[0]
    assert len([c for c in ax.containers if isinstance(c, BarContainer)]) == 2
    with pytest.raises(ValueError, match="no accepted message"):
        phases(_frame().query("variant == 'burl'"))
    with pytest.raises(ValueError, match="phase_quit_s"):
        phases(_frame().drop(columns="phase_quit_s"))


def test_phases_of_a_real_run(simulated: pd.DataFrame) -> None:
    """dsl only (two profiles would be pooled: refused). TFO's greeting phase is shorter
    than baseline's: the SYN carries the cookie and the banner comes at 1 RTT."""
    with pytest.raises(ValueError, match="phases would pool profile = dsl, 3g"):
        phases(simulated)
    ax = phases(simulated[simulated.profile == "dsl"]).axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "save" not in legend and {"connect", "tls", "data"} <= set(legend)
    greeting = next(c for c in ax.containers
                    if isinstance(c, BarContainer) and c.get_label() == "greeting")
    base, tfo, _ = (p.get_width() for p in greeting.patches)
    assert tfo < base
