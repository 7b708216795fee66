"""smtpsim.plots.bars and line: summarize's statistic and interval per group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

from plots.frames import frame, record
from smtpsim.plots import bars, line
from smtpsim.plots.palette import PRESET_COLORS, variant_color

#: t_{0.975, 2} (any t table): the 95 % interval of three values is mean ± 4.303 s / √3.
T_975_2 = 4.303


def _bar_frame() -> pd.DataFrame:
    """lte: baseline 1, 2, 3 s (mean 2, s = 1), tfo 1, 1, 1 s (mean 1, s = 0);
    3g: baseline one message at 4 s, tfo one failed message."""
    rows = [record("baseline", t, replication=r) for r, t in enumerate([1.0, 2.0, 3.0])]
    rows += [record("tfo", 1.0, replication=r) for r in range(3)]
    rows += [record("baseline", 4.0, profile="3g"),
             record("tfo", math.nan, profile="3g", outcome="failed")]
    return frame(rows)


def _bar_containers(ax: object) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]  # type: ignore[attr-defined]


def test_bars_heights_intervals_colours_and_labels() -> None:
    """Heights (s, the largest mean being 4 s): baseline 2 (lte) and 4 (3g), tfo 1 and
    missing (3g has no accepted tfo message). baseline's lte error bar spans
    2 ± 4.303 · 1 / √3 = 2 ± 2.484; its 3g bar (one message) has none."""
    ax = bars(_bar_frame()).axes[0]
    base, tfo = _bar_containers(ax)
    assert [p.get_height() for p in base.patches] == [2.0, 4.0]
    heights = [p.get_height() for p in tfo.patches]
    assert heights[0] == 1.0 and math.isnan(heights[1])
    assert to_hex(base.patches[0].get_facecolor()).upper() == PRESET_COLORS["baseline"]
    assert to_hex(tfo.patches[0].get_facecolor()).upper() == PRESET_COLORS["tfo"]
    segments = base.errorbar.lines[2][0].get_segments()
    (_, low), (_, high) = segments[0]
    assert low == pytest.approx(2 - T_975_2 / math.sqrt(3), abs=1e-3)
    assert high == pytest.approx(2 + T_975_2 / math.sqrt(3), abs=1e-3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lte", "3g"]
    assert ax.get_xlabel() == "profile"
    assert ax.get_ylabel() == 'mean user: time until the user is told "sent" (s)'
    assert ax.get_title() == "mean user time by profile and variant (95% confidence intervals)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["baseline", "tfo"]


def test_bars_of_a_single_message_and_of_a_real_run(simulated: pd.DataFrame) -> None:
    """One message: one bar, in ms (0.5 s < 1 s). The real run: a bar container per
    variant, a bar per profile; the variant that is not a preset in its hashed colour."""
    ax = bars(frame([record("burl", 0.5)])).axes[0]
    (only,) = _bar_containers(ax)
    assert only.patches[0].get_height() == 500.0 and ax.get_ylabel().endswith("(ms)")
    ax = bars(simulated, statistic="median").axes[0]
    containers = _bar_containers(ax)
    assert len(containers) == 3 and all(len(c.patches) == 2 for c in containers)
    assert to_hex(containers[2].patches[0].get_facecolor()).upper() == \
        variant_color("baseline+chunking")
    assert ax.get_ylabel().startswith("median user")


def test_bars_refuses_what_it_cannot_draw() -> None:
    df = _bar_frame()
    with pytest.raises(ValueError, match="unknown statistic 'p50'"):
        bars(df, statistic="p50")
    with pytest.raises(ValueError, match="no accepted message has a user_s time"):
        bars(df[df["outcome"] == "failed"])
    with pytest.raises(ValueError, match="the frame has no rows"):
        bars(df.iloc[:0])


def _line_frame() -> pd.DataFrame:
    """A sweep of workload.size_bytes, rows listed largest size first: at 5000 baseline
    0.4, 0.6 s (mean 0.5) and burl 0.3, 0.3 s; at 1000 baseline 0.2, 0.2, burl 0.25, 0.35
    (mean 0.3)."""
    cells = [(5000, "baseline", [0.4, 0.6]), (5000, "burl", [0.3, 0.3]),
             (1000, "baseline", [0.2, 0.2]), (1000, "burl", [0.25, 0.35])]
    rows, sizes = [], []
    for size, variant, times in cells:
        for r, t in enumerate(times):
            rows.append(record(variant, t, replication=r, size=size))
            sizes.append(size)
    return frame(rows, workload__size_bytes=sizes)


def test_line_along_a_sweep_axis() -> None:
    """Means in ms (all under 1 s), increasing size: baseline 200 then 500, burl 300 then
    300; a band per variant (PolyCollection)."""
    ax = line(_line_frame(), x="workload.size_bytes").axes[0]
    base, burl = ax.get_lines()
    assert list(base.get_xdata()) == [1000, 5000]
    assert np.allclose(base.get_ydata(), [200, 500]) and np.allclose(burl.get_ydata(), [300, 300])
    assert to_hex(burl.get_color()).upper() == PRESET_COLORS["burl"]
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    assert ax.get_xlabel() == "workload.size_bytes (bytes)"
    assert ax.get_ylabel() == 'mean user: time until the user is told "sent" (ms)'
    assert ax.get_title() == "mean user time along workload.size_bytes (95% confidence bands)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["baseline", "burl"]


def test_line_of_a_single_point_and_the_refusal_to_pool_profiles() -> None:
    """One size and one message: a marker alone. Two profiles that neither the axis nor
    the hue shows would be pooled: refused, naming them."""
    df = frame([record("baseline", 0.2)], workload__size_bytes=[1000])
    (only,) = line(df, x="workload.size_bytes").axes[0].get_lines()
    assert list(only.get_xdata()) == [1000] and only.get_marker() == "o"
    two = pd.concat([_line_frame(), _line_frame().assign(profile="3g")], ignore_index=True)
    with pytest.raises(ValueError, match="line would pool profile = lte, 3g"):
        line(two, x="workload.size_bytes")
    assert len(line(two, x="workload.size_bytes", hue="profile").axes[0].get_lines()) == 2


def test_line_of_a_real_sweep(farm: pd.DataFrame) -> None:
    ax = line(farm, x="server.farm.affinity").axes[0]
    assert len(ax.get_lines()) == farm["variant"].nunique() == 3
    assert ax.get_xlabel() == "server.farm.affinity (probability)"
