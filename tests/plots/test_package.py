"""smtpsim.plots as a package: what it exports, the same colour for a variant in every
figure, and the CLI never loading matplotlib."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer

import smtpsim.plots
from smtpsim.plots.palette import PRESET_COLORS, variant_color


def test_the_package_exports_its_figures() -> None:
    for name in ("cdf", "bars", "line", "heatmap", "phases", "cache_hits", "breakeven_map",
                 "variant_colors"):
        assert callable(getattr(smtpsim.plots, name)), name


def test_a_variant_has_one_colour_in_every_figure(simulated: pd.DataFrame) -> None:
    """tfo and baseline+chunking: the CDF's line and the bars' bars share the colour, tfo
    the preset's, baseline+chunking its hashed one."""
    lines = {line.get_label().split(" (n=")[0]: to_hex(line.get_color()).upper()
             for line in smtpsim.plots.cdf(simulated[simulated["profile"] == "3g"])
             .axes[0].get_lines()}
    ax = smtpsim.plots.bars(simulated).axes[0]
    bars = {c.get_label(): to_hex(c.patches[0].get_facecolor()).upper()
            for c in ax.containers if isinstance(c, BarContainer)}
    assert lines == bars
    assert bars["tfo"] == PRESET_COLORS["tfo"]
    assert bars["baseline+chunking"] == variant_color("baseline+chunking")


def test_the_cli_does_not_load_matplotlib() -> None:
    """``smtpsim --help`` stays fast: the CLI imports no figure code."""
    code = "import sys, smtpsim.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False", out.stderr
