"""smtpsim.plots.heatmap (paired saving over two axes) and breakeven_map."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from plots.frames import frame, record
from smtpsim.plots import breakeven_map, heatmap
from smtpsim.plots.palette import PRESET_COLORS


def _grid() -> pd.DataFrame:
    """profile.up_kbps × workload.size_bytes, one message per variant and cell: (64, 1000)
    baseline 1.0, burl 1.2 s; (64, 10000) 3.0 and 2.0; (256, 1000) 0.8 and 0.9; (256,
    10000) baseline 1.5, burl failed."""
    cells = [(64, 1000, 1.0, 1.2), (64, 10000, 3.0, 2.0), (256, 1000, 0.8, 0.9),
             (256, 10000, 1.5, math.nan)]
    rows, ups, sizes = [], [], []
    for up, size, base, burl in cells:
        rows.append(record("baseline", base, size=size))
        rows.append(record("burl", burl, size=size,
                           outcome="failed" if math.isnan(burl) else "accepted"))
        ups += [up, up]
        sizes += [size, size]
    return frame(rows, profile__up_kbps=ups, workload__size_bytes=sizes)


def test_heatmap_cells_by_hand() -> None:
    """Saved = reference − variant: (64, 1000) −0.2 s, (64, 10000) +1.0, (256, 1000) −0.1,
    (256, 10000) no pair. The largest magnitude is 1.0 s, so seconds; rows are up_kbps
    (64 at the bottom), columns the size, annotated with 3 significant digits."""
    figure = heatmap(_grid(), x="workload.size_bytes", y="profile.up_kbps", variant="burl")
    ax = figure.axes[0]
    (image,) = ax.images
    cells = np.ma.filled(image.get_array(), np.nan)
    assert np.allclose(cells[:, 0], [-0.2, -0.1]) and cells[0, 1] == pytest.approx(1.0)
    assert math.isnan(cells[1, 1])
    assert [t.get_text() for t in ax.texts] == ["-0.2", "1", "-0.1", "–"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1000", "10000"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["64", "256"]
    assert ax.get_xlabel() == "workload.size_bytes (bytes)"
    assert ax.get_ylabel() == "profile.up_kbps (kbit/s)"
    assert ax.get_title() == "burl against baseline: mean user time saved (s), paired"
    colorbar = figure.axes[1]
    assert colorbar.get_ylabel() == "user time saved (s); > 0: burl faster"
    assert image.get_clim() == (-1.0, 1.0)


def test_heatmap_of_one_cell_and_its_refusals() -> None:
    """One cell: 0.2 s saved (1.0 − 0.8) in ms: 200."""
    df = frame([record("baseline", 1.0), record("tfo", 0.8)], profile__up_kbps=[64, 64],
               workload__size_bytes=[1000, 1000])
    ax = heatmap(df, x="workload.size_bytes", y="profile.up_kbps", variant="tfo").axes[0]
    assert [t.get_text() for t in ax.texts] == ["200"]
    with pytest.raises(ValueError, match="variant 'burl' is not in the frame"):
        heatmap(df, x="workload.size_bytes", y="profile.up_kbps", variant="burl")
    failed = df.assign(outcome=["accepted", "failed"])
    with pytest.raises(ValueError, match="no message of 'tfo' pairs"):
        heatmap(failed, x="workload.size_bytes", y="profile.up_kbps", variant="tfo")


def test_heatmap_of_a_real_sweep(farm: pd.DataFrame) -> None:
    """Affinity (2 values) × message index (4): eight annotated cells."""
    ax = heatmap(farm, x="server.farm.affinity", y="message", variant="config-token").axes[0]
    assert len(ax.texts) == 8 and len(ax.images) == 1
    assert ax.get_ylabel() == "message"


def _sizes() -> pd.DataFrame:
    """Per profile.up_kbps, one message per size and variant: at 64 baseline 1.0 s (1000
    bytes) and 2.0 s (10000), burl 1.5 and 1.5; at 256 baseline 1.0 and 1.0, burl 0.5 and
    0.5."""
    cells = [(64, 1000, 1.0, 1.5), (64, 10000, 2.0, 1.5), (256, 1000, 1.0, 0.5),
             (256, 10000, 1.0, 0.5)]
    rows, ups = [], []
    for up, size, base, burl in cells:
        rows += [record("baseline", base, size=size), record("burl", burl, size=size)]
        ups += [up, up]
    return frame(rows, profile__up_kbps=ups)


def test_breakeven_map_by_hand() -> None:
    """At 64 kbit/s the differences are +0.5 (1000) and −0.5 (10000): break-even at
    1000 + 9000 · 0.5 / 1.0 = 5500 bytes, burl faster above (a ^ marker); at 256 burl is
    faster at both sizes: a hollow v at the smallest size, 1000."""
    ax = breakeven_map(_sizes(), x="profile.up_kbps", axis="size", variant="burl").axes[0]
    (crossing,) = ax.get_lines()
    assert list(crossing.get_xdata()) == [64] and list(crossing.get_ydata()) == [5500.0]
    assert to_hex(crossing.get_color()).upper() == PRESET_COLORS["burl"]
    above, everywhere = ax.collections
    assert np.allclose(above.get_offsets(), [[64, 5500]])
    assert np.allclose(everywhere.get_offsets(), [[256, 1000]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "burl: break-even", "burl faster above", "burl faster at every value"]
    assert ax.get_xlabel() == "profile.up_kbps (kbit/s)"
    assert ax.get_ylabel() == "break-even size (bytes)"
    assert ax.get_title() == "Break-even size against baseline (user time, paired means)"


def test_breakeven_map_of_one_point_and_without_pairs() -> None:
    """One size (1000) per x: no break-even can be found. At 64 burl is slower (1.5 against
    1.0 s): a hollow ^ at the largest size, 1000; at 256 faster (0.5 against 1.0): a hollow
    v at the smallest, 1000."""
    one = _sizes().query("size == 1000")
    ax = breakeven_map(one, x="profile.up_kbps", axis="size", variant="burl").axes[0]
    assert not ax.get_lines()
    everywhere, nowhere = ax.collections
    assert np.allclose(everywhere.get_offsets(), [[256, 1000]])
    assert np.allclose(nowhere.get_offsets(), [[64, 1000]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "burl faster at every value", "burl faster at no value"]
    failed = one.assign(outcome=np.where(one["variant"] == "burl", "failed", "accepted"))
    with pytest.raises(ValueError, match="no profile.up_kbps value has a message of 'burl'"):
        breakeven_map(failed, x="profile.up_kbps", axis="size", variant="burl")
