"""smtpsim.plots.cache_hits: cache hit rates among the offers along the farm's affinity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex

from plots.frames import frame, record
from smtpsim.analysis.caches import CACHES
from smtpsim.plots import cache_hits
from smtpsim.plots.palette import PRESET_COLORS


def _frame() -> pd.DataFrame:
    """config-token at affinity 1.0: two token offers, both hit; at 0.0: four offers, one
    hit (rows listed affinity 1.0 first). baseline offers nothing."""
    rows = [record("config-token", 1.0, token_offered=True, token_hit=True)] * 2
    rows += [record("config-token", 1.0, token_offered=True, token_hit=h)
             for h in (True, False, False, False)]
    rows += [record("baseline", 1.0)] * 2
    return frame(rows, server__farm__affinity=[1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0])


def test_hit_rate_along_affinity_by_hand() -> None:
    """token: 1/4 = 0.25 at affinity 0, 2/2 = 1 at affinity 1; one line (config-token's
    token; nothing else was offered) in config-token's colour, with its Wilson band."""
    ax = cache_hits(_frame()).axes[0]
    (token,) = ax.get_lines()
    assert list(token.get_xdata()) == [0.0, 1.0]
    assert np.allclose(token.get_ydata(), [0.25, 1.0])
    assert to_hex(token.get_color()).upper() == PRESET_COLORS["config-token"]
    assert (token.get_linestyle(), token.get_marker()) == ("-", "o")
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["config-token: token"]
    assert ax.get_xlabel() == "server.farm.affinity (probability)"
    assert ax.get_ylabel() == "hit rate (hits / offers)"
    assert ax.get_title() == "Cache hits against server.farm.affinity (95% Wilson intervals)"


def test_one_point_and_no_offer() -> None:
    one = _frame().query("`server.farm.affinity` == 1.0")
    (token,) = cache_hits(one).axes[0].get_lines()
    assert list(token.get_ydata()) == [1.0] and token.get_marker() == "o"
    with pytest.raises(ValueError, match="no message offered a cache"):
        cache_hits(_frame().query("variant == 'baseline'"))
    with pytest.raises(ValueError, match="needs columns server.farm.frontends"):
        cache_hits(_frame(), x="server.farm.frontends")


def test_cache_hits_of_a_real_farm(farm: pd.DataFrame) -> None:
    """A line per variant and cache that was offered at least once in the run."""
    offered = sum(bool(farm.loc[farm.variant == v, CACHES[c][0]].any())
                  for v in farm.variant.unique() for c in CACHES)
    ax = cache_hits(farm).axes[0]
    assert offered >= 2 and len(ax.get_lines()) == offered
