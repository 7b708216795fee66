"""One fixed colour per variant: the presets' colours are fixed, distinct and cover every
preset of variants.toml; any other variant's colour depends only on its name."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

from smtpsim.plots.palette import (
    EXTRA,
    OKABE_ITO,
    PRESET_COLORS,
    TOL_MUTED,
    variant_color,
    variant_colors,
)
from smtpsim.scenarios.variants import PRESETS


def test_every_preset_has_its_own_colour() -> None:
    """Each preset of smtpsim/scenarios/data/variants.toml is listed, and no two share a
    colour or take one kept for other variants."""
    assert set(PRESET_COLORS) == set(PRESETS)
    assert len(set(PRESET_COLORS.values())) == len(PRESET_COLORS)
    assert not set(EXTRA) & set(PRESET_COLORS.values())


def test_the_palettes_are_okabe_ito_and_tol_muted() -> None:
    """Okabe and Ito's RGB values (orange 230, 159, 0; sky blue 86, 180, 233; bluish green
    0, 158, 115; vermillion 213, 94, 0) and Tol's muted rose CC6677, indigo 332288; every
    colour used comes from one of the two."""
    assert OKABE_ITO["orange"] == "#E69F00" and OKABE_ITO["sky blue"] == "#56B4E9"
    assert OKABE_ITO["bluish green"] == "#009E73" and OKABE_ITO["vermillion"] == "#D55E00"
    assert TOL_MUTED["rose"] == "#CC6677" and TOL_MUTED["indigo"] == "#332288"
    assert PRESET_COLORS["baseline"] == "#000000"
    used = set(PRESET_COLORS.values()) | set(EXTRA)
    assert used <= set(OKABE_ITO.values()) | set(TOL_MUTED.values())


def test_a_variant_keeps_its_colour_whatever_else_is_drawn() -> None:
    """A preset always; another variant alone or beside presets, in any order."""
    names = ["baseline+chunking", "tfo", "baseline", "my-variant"]
    colors = variant_colors(names)
    assert list(colors) == names
    assert colors["tfo"] == PRESET_COLORS["tfo"]
    assert variant_colors(reversed(names)) == colors
    assert variant_colors(["baseline+chunking"])["baseline+chunking"] == \
        variant_color("baseline+chunking") == colors["baseline+chunking"]


def test_two_other_variants_drawing_the_same_colour_get_two() -> None:
    """Among the names v0, v1, ... two that hash to the same extra colour: the first in name
    order keeps it, the other takes another."""
    by_color: dict[str, list[str]] = {}
    for i in itertools.count():
        name = f"v{i}"
        by_color.setdefault(variant_color(name), []).append(name)
        pair = by_color[variant_color(name)]
        if len(pair) == 2:
            break
    first, second = sorted(pair)
    colors = variant_colors([second, first])
    assert colors[first] == variant_color(first)
    assert colors[second] != colors[first] and colors[second] in EXTRA


def test_the_colour_of_a_name_is_the_same_in_another_process() -> None:
    """The choice hashes with SHA-256, not Python's salted hash()."""
    code = ("from smtpsim.plots.palette import variant_color; "
            "print(variant_color('baseline+chunking'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONHASHSEED": "123"})
    assert out.stdout.strip() == variant_color("baseline+chunking")
